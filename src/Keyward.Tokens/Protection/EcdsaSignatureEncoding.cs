using System.Formats.Asn1;
using System.Security.Cryptography;

namespace Keyward.Tokens.Protection;

/// <summary>
/// PKCS#11 returns an ECDSA signature as <c>r || s</c>, each the size of the curve's field (IEEE P1363); X.509 wants
/// <c>Ecdsa-Sig-Value ::= SEQUENCE { r INTEGER, s INTEGER }</c> in DER (RFC 3279 §2.2.3). .NET has no public
/// converter, so this is it.
/// </summary>
internal static class EcdsaSignatureEncoding
{
    /// <exception cref="CryptographicException">The signature is not two field-size halves.</exception>
    public static byte[] ToDer(ReadOnlySpan<byte> rs, int fieldSize)
    {
        if (rs.Length != 2 * fieldSize)
        {
            throw new CryptographicException($"The token's ECDSA signature is {rs.Length} bytes; expected {2 * fieldSize}.");
        }

        var writer = new AsnWriter(AsnEncodingRules.DER);
        using (writer.PushSequence())
        {
            writer.WriteIntegerUnsigned(Minimal(rs[..fieldSize]));
            writer.WriteIntegerUnsigned(Minimal(rs[fieldSize..]));
        }

        return writer.Encode();
    }

    /// <summary>DER integers have no leading zero bytes (WriteIntegerUnsigned adds the one a high bit needs).</summary>
    private static ReadOnlySpan<byte> Minimal(ReadOnlySpan<byte> value)
    {
        var start = 0;
        while (start < value.Length - 1 && value[start] == 0)
        {
            start++;
        }

        return value[start..];
    }
}
