using System.Numerics;
using System.Security.Cryptography;
using Keyward.Crypto.Recovery;
using Keyward.Crypto.Tests.Support;

namespace Keyward.Crypto.Tests.Recovery;

/// <summary>
/// The collecting client's transport key is hostile input (finding 4 of the hardening review): a key someone else can
/// factor, or one the encryption cannot use, is refused before any envelope is opened, with a reason that names the
/// check it failed — and a real RSA key passes.
/// </summary>
public sealed class TransportKeyCheckTests
{
    private static TestArchive Archive => TestArchive.Shared;

    public static TheoryData<string, byte[], string> HostileKeys()
    {
        using var rsa1024 = RSA.Create(1024);
        using var rsa2048 = RSA.Create(2048);
        using var p384 = ECDsa.Create(ECCurve.NamedCurves.nistP384);
        var spki2048 = rsa2048.ExportSubjectPublicKeyInfo();
        return new TheoryData<string, byte[], string>
        {
            { "even modulus", RsaSpki.Encode(2 * RsaSpki.Prime2203, 65_537), "even modulus" },
            { "65537·q", RsaSpki.Encode(65_537 * RsaSpki.Prime2203, 65_537), "small prime factor 65537" },
            { "modulus with factor 9973", RsaSpki.Encode(9_973 * RsaSpki.Prime2203, 65_537), "small prime factor 9973" },
            { "modulus with factor 3", RsaSpki.Encode(3 * RsaSpki.Prime2203, 65_537), "small prime factor 3" },
            { "exponent 3", RsaSpki.Encode(RsaSpki.Prime2203, 3), "public exponent 3 is below 65537" },
            { "exponent 65538", RsaSpki.Encode(RsaSpki.Prime2203, 65_538), "public exponent 65538 is even" },
            { "exponent of 65 bits", RsaSpki.Encode(RsaSpki.Prime2203, BigInteger.Pow(2, 64) + 1), "public exponent has 65 bits" },
            { "RSA-1024", rsa1024.ExportSubjectPublicKeyInfo(), "1024-bit modulus" },
            { "modulus of 9689 bits", RsaSpki.Encode(RsaSpki.Prime9689, 65_537), "9689-bit modulus" },
            { "RSA-2048 with a trailing byte", [.. spki2048, 0x00], "1 byte(s) after its SubjectPublicKeyInfo" },
            { "EC P-384", p384.ExportSubjectPublicKeyInfo(), "only the named curve P-256" },
            { "Ed25519", Convert.FromHexString("302a300506032b6570032100d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a"), "neither RSA nor EC: its algorithm is 1.3.101.112" },
            { "RSA-2048 with a BER long-form length", RsaSpki.WithNonMinimalLength(spki2048), "not canonical DER" },
            { "rsaEncryption without NULL parameters", RsaSpki.Encode(RsaSpki.Prime2203, 65_537, nullParameters: false), "parameters are not NULL" },
            { "RSA-2048 as PKCS#1, not SPKI", rsa2048.ExportRSAPublicKey(), "not a DER-encoded RSA or EC SubjectPublicKeyInfo" },
            { "garbage", "not a public key at all"u8.ToArray(), "not a DER-encoded RSA or EC SubjectPublicKeyInfo" },
            { "empty", [], "is empty" },
        };
    }

    [Theory]
    [MemberData(nameof(HostileKeys))]
    public void Wrap_HostileTransportKey_ThrowsTransportKeyInvalidNamingTheCheck(string kind, byte[] spki, string reason)
    {
        var refused = Assert.Throws<KeyRecoveryException>(() => TransportWrap.Wrap(Archive.Protector, [Archive.Rsa[0].Recoverable], spki));

        Assert.Equal(RecoveryFailure.TransportKeyInvalid, refused.Failure);
        Assert.True(refused.Message.Contains(reason, StringComparison.Ordinal), $"{kind}: '{refused.Message}' does not say '{reason}'.");
        Assert.Equal(refused.Message, TransportKeyCheck.Check(spki));
    }

    [Fact]
    public void Wrap_HostileTransportKeyAndDamagedEnvelope_RefusesTheTransportKeyBeforeOpeningAnything()
    {
        var key = Archive.Rsa[0].Recoverable;
        var envelope = key.Envelope.ToArray();
        envelope[^3] ^= 0x04;

        var refused = Assert.Throws<KeyRecoveryException>(() =>
            TransportWrap.Wrap(Archive.Protector, [key with { Envelope = envelope }], RsaSpki.Encode(2 * RsaSpki.Prime2203, 65_537)));

        // The client's mistake, reported as such: not an envelope failure that would blame the archive.
        Assert.Equal(RecoveryFailure.TransportKeyInvalid, refused.Failure);
        Assert.Null(refused.CertificateId);
    }

    [Theory]
    [InlineData(2048)]
    [InlineData(3072)]
    [InlineData(4096)]
    public void Check_RealRsaKey_Accepted(int bits)
    {
        using var rsa = RSA.Create(bits);

        Assert.Null(TransportKeyCheck.Check(rsa.ExportSubjectPublicKeyInfo()));
    }

    [Fact]
    public void Check_LargestAcceptedExponent_Accepted()
    {
        Assert.Null(TransportKeyCheck.Check(RsaSpki.Encode(RsaSpki.Prime2203, uint.MaxValue)));
    }

    [Fact]
    public void Check_ModulusWhoseOnlySmallFactorIsTheLargestBelowTheBound_Refused()
    {
        // 131,071 = 2^17 − 1, the largest prime below the bound: the whole table is searched, not just its start.
        var refusal = TransportKeyCheck.Check(RsaSpki.Encode(131_071 * RsaSpki.Prime2203, 65_537));

        Assert.Equal("The transport key's modulus has the small prime factor 131071: anyone can factor it.", refusal);
    }
}
