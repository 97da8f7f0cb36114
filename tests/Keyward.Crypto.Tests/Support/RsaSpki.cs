using System.Formats.Asn1;
using System.Numerics;

namespace Keyward.Crypto.Tests.Support;

/// <summary>RSA SubjectPublicKeyInfo built by hand, so a test can send the keys no key generator makes.</summary>
internal static class RsaSpki
{
    /// <summary>2^2203 − 1, a Mersenne prime: a modulus-sized odd number with no small factor, without generating a key.</summary>
    public static readonly BigInteger Prime2203 = BigInteger.Pow(2, 2203) - 1;

    /// <summary>2^9689 − 1, a Mersenne prime longer than any transport key may be.</summary>
    public static readonly BigInteger Prime9689 = BigInteger.Pow(2, 9689) - 1;

    /// <summary>The DER SubjectPublicKeyInfo of (<paramref name="modulus"/>, <paramref name="exponent"/>); without <paramref name="nullParameters"/> the algorithm's NULL is left out.</summary>
    public static byte[] Encode(BigInteger modulus, BigInteger exponent, bool nullParameters = true)
    {
        var numbers = new AsnWriter(AsnEncodingRules.DER);
        using (numbers.PushSequence())
        {
            numbers.WriteInteger(modulus);
            numbers.WriteInteger(exponent);
        }

        var writer = new AsnWriter(AsnEncodingRules.DER);
        using (writer.PushSequence())
        {
            using (writer.PushSequence())
            {
                writer.WriteObjectIdentifier("1.2.840.113549.1.1.1");
                if (nullParameters)
                {
                    writer.WriteNull();
                }
            }

            writer.WriteBitString(numbers.Encode());
        }

        return writer.Encode();
    }

    /// <summary>
    /// The same key with the AlgorithmIdentifier's length in the long form (<c>30 81 0D</c> for <c>30 0D</c>): valid
    /// BER, not DER. <paramref name="spki"/> must have a two-byte outer length, as every RSA key of 2048 bits or more has.
    /// </summary>
    public static byte[] WithNonMinimalLength(byte[] spki)
    {
        Assert.Equal([0x30, 0x82], spki[..2]);
        Assert.Equal([0x30, 0x0D], spki[4..6]);
        byte[] content = [0x30, 0x81, 0x0D, .. spki[6..]];
        return [0x30, 0x82, (byte)(content.Length >> 8), (byte)content.Length, .. content];
    }
}
