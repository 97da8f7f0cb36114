using System.Security.Cryptography;
using Keyward.Tokens.Protection;

namespace Keyward.Tokens.Tests.Protection;

public sealed class EcdsaSignatureEncodingTests
{
    [Fact]
    public void ToDer_ManyP1363Signatures_VerifyAsDer()
    {
        // 1,000 signatures give r or s a leading zero byte (1 in 256) or a high bit (1 in 2) many times over.
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP384);
        var digest = SHA384.HashData("to be signed"u8);

        for (var i = 0; i < 1000; i++)
        {
            var raw = key.SignHash(digest, DSASignatureFormat.IeeeP1363FixedFieldConcatenation);

            var der = EcdsaSignatureEncoding.ToDer(raw, 48);

            Assert.True(key.VerifyHash(digest, der, DSASignatureFormat.Rfc3279DerSequence), $"signature {i}: {Convert.ToHexString(raw)}");
        }
    }

    [Fact]
    public void ToDer_LeadingZerosAndHighBit_MinimalIntegers()
    {
        var r = new byte[48];
        r[47] = 0x01;
        var s = new byte[48];
        s[1] = 0x80;

        var der = EcdsaSignatureEncoding.ToDer([.. r, .. s], 48);

        // SEQUENCE { INTEGER 1, INTEGER 00 80 00…00 }: s loses its leading zero (47 bytes) and gains a sign byte (48).
        Assert.Equal(Convert.FromHexString("3035" + "020101" + "0230" + "0080" + new string('0', 46 * 2)), der);
    }

    [Fact]
    public void ToDer_WrongLength_Throws()
    {
        Assert.Throws<CryptographicException>(() => EcdsaSignatureEncoding.ToDer(new byte[95], 48));
    }
}
