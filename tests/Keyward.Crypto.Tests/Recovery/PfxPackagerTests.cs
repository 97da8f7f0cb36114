using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Keyward.Crypto.Recovery;
using Keyward.Crypto.Tests.Support;

namespace Keyward.Crypto.Tests.Recovery;

/// <summary>
/// A recovered PFX opens where a user will open it — here, .NET's loader with its default limits — holds every
/// certificate with its own key and the chain without keys, and a recovery that cannot be trusted fails closed.
/// </summary>
public sealed class PfxPackagerTests
{
    private const string ChosenPassword = "Collector's own p4ssword";

    private static TestArchive Archive => TestArchive.Shared;

    public static TheoryData<int, PfxEncryption, bool> KeyCountsEncryptionsAndPasswords
    {
        get
        {
            var data = new TheoryData<int, PfxEncryption, bool>();
            foreach (var count in new[] { 1, 2, 10 })
            {
                foreach (var encryption in new[] { PfxEncryption.Aes256Sha256, PfxEncryption.TripleDesSha1 })
                {
                    data.Add(count, encryption, true);
                    data.Add(count, encryption, false);
                }
            }

            return data;
        }
    }

    [Theory]
    [MemberData(nameof(KeyCountsEncryptionsAndPasswords))]
    public void Build_RsaKeysWithChain_OpensWithDefaultLimitsAndEveryKeyMatchesItsCertificate(int keyCount, PfxEncryption encryption, bool passwordGenerated)
    {
        var keys = Archive.RsaKeys(keyCount);
        var password = passwordGenerated ? PfxPackager.GeneratePassword(12, 128, true, true, true, false, false).Value : ChosenPassword;

        var pfx = PfxPackager.Build(Archive.Protector, keys, [Archive.Chain], password, encryption, PfxPackager.IterationsFor(passwordGenerated, keyCount));

        AssertOpensWithEveryKey(pfx, password, keys.Select(k => k.CertificateId).ToList());
    }

    [Theory]
    [InlineData(PfxEncryption.Aes256Sha256)]
    [InlineData(PfxEncryption.TripleDesSha1)]
    public void Build_RsaAndEcKeys_OpensWithDefaultLimitsAndEveryKeyMatchesItsCertificate(PfxEncryption encryption)
    {
        RecoverableKey[] keys = [Archive.Rsa[0].Recoverable, Archive.Ecdsa.Recoverable, Archive.EcAgreement.Recoverable];

        var pfx = PfxPackager.Build(Archive.Protector, keys, [Archive.Chain], ChosenPassword, encryption, PfxPackager.IterationsFor(false, keys.Length));

        AssertOpensWithEveryKey(pfx, ChosenPassword, [Archive.Rsa[0].Id, Archive.Ecdsa.Id, Archive.EcAgreement.Id]);
    }

    [Fact]
    public void Build_NoChain_HoldsOnlyTheRecoveredCertificates()
    {
        var pfx = PfxPackager.Build(Archive.Protector, Archive.RsaKeys(2), [], ChosenPassword, PfxEncryption.Aes256Sha256, 2_048);

        var loaded = X509CertificateLoader.LoadPkcs12Collection(pfx, ChosenPassword);
        try
        {
            Assert.Equal(2, loaded.Count);
            Assert.All(loaded, c => Assert.True(c.HasPrivateKey));
        }
        finally
        {
            DisposeAll(loaded);
        }
    }

    [Theory]
    [InlineData(PfxEncryption.Aes256Sha256)]
    [InlineData(PfxEncryption.TripleDesSha1)]
    public void Build_WrongPassword_DoesNotOpen(PfxEncryption encryption)
    {
        var pfx = PfxPackager.Build(Archive.Protector, Archive.RsaKeys(1), [Archive.Chain], ChosenPassword, encryption, 2_048);

        Assert.ThrowsAny<CryptographicException>(() => X509CertificateLoader.LoadPkcs12Collection(pfx, ChosenPassword + "!"));
    }

    [Fact]
    public void Build_TamperedEnvelope_ThrowsEnvelopeUnreadableNamingTheCertificate()
    {
        var good = Archive.Rsa[0].Recoverable;
        var envelope = good.Envelope.ToArray();
        envelope[^1] ^= 0x01;

        var refused = Assert.Throws<KeyRecoveryException>(() =>
            PfxPackager.Build(Archive.Protector, [Archive.Rsa[1].Recoverable, good with { Envelope = envelope }], [Archive.Chain], ChosenPassword, PfxEncryption.Aes256Sha256, 2_048));

        Assert.Equal(RecoveryFailure.EnvelopeUnreadable, refused.Failure);
        Assert.Equal(good.CertificateId, refused.CertificateId);
        Assert.Contains(good.CertificateId, refused.Message, StringComparison.Ordinal);
        AssertNoKeyMaterial(refused, Archive.Rsa[0].Pkcs8);
    }

    [Fact]
    public void Build_EnvelopeOfAnotherCertificate_Refused()
    {
        // The envelope of certificate 0 copied onto certificate 1's row.
        var moved = Archive.Rsa[1].Recoverable with { Envelope = Archive.Rsa[0].Recoverable.Envelope };

        var refused = Assert.Throws<KeyRecoveryException>(() =>
            PfxPackager.Build(Archive.Protector, [moved], [Archive.Chain], ChosenPassword, PfxEncryption.Aes256Sha256, 2_048));

        Assert.Equal(RecoveryFailure.EnvelopeUnreadable, refused.Failure);
    }

    [Fact]
    public void Build_EnvelopeUnderAnotherCertificateId_Refused()
    {
        var renamed = Archive.Rsa[0].Recoverable with { CertificateId = "cert-someone-else" };

        var refused = Assert.Throws<KeyRecoveryException>(() =>
            PfxPackager.Build(Archive.Protector, [renamed], [Archive.Chain], ChosenPassword, PfxEncryption.Aes256Sha256, 2_048));

        Assert.Equal(RecoveryFailure.EnvelopeUnreadable, refused.Failure);
    }

    [Fact]
    public void Build_KeyThatIsNotTheCertificates_ThrowsKeyMismatch()
    {
        // Sealed correctly for certificate 1, but the key inside is certificate 0's.
        var wrongKey = Archive.Seal(Archive.Rsa[0].Pkcs8, Archive.Rsa[1].Id, Archive.Rsa[1].Certificate.RawData);

        var refused = Assert.Throws<KeyRecoveryException>(() =>
            PfxPackager.Build(Archive.Protector, [wrongKey], [Archive.Chain], ChosenPassword, PfxEncryption.Aes256Sha256, 2_048));

        Assert.Equal(RecoveryFailure.KeyMismatch, refused.Failure);
        Assert.Equal(Archive.Rsa[1].Id, refused.CertificateId);
        AssertNoKeyMaterial(refused, Archive.Rsa[0].Pkcs8);
    }

    [Fact]
    public void Build_KeyOfAnotherAlgorithm_ThrowsKeyMismatch()
    {
        // An EC key sealed for an RSA certificate.
        var wrongKey = Archive.Seal(Archive.Ecdsa.Pkcs8, Archive.Rsa[1].Id, Archive.Rsa[1].Certificate.RawData);

        var refused = Assert.Throws<KeyRecoveryException>(() =>
            PfxPackager.Build(Archive.Protector, [wrongKey], [Archive.Chain], ChosenPassword, PfxEncryption.Aes256Sha256, 2_048));

        Assert.Equal(RecoveryFailure.KeyMismatch, refused.Failure);
    }

    [Fact]
    public void Build_CertificateWithUnsupportedKey_ThrowsUnsupportedKey()
    {
        // A certificate for a DSA key, signed by some ECDSA issuer.
        using var dsa = DSA.Create(2048);
        using var issuer = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest(new X500DistinguishedName("CN=A DSA certificate"), new PublicKey(dsa), HashAlgorithmName.SHA256);
        using var certificate = request.Create(new X500DistinguishedName("CN=Some issuer"), X509SignatureGenerator.CreateForECDsa(issuer), DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1), [1]);
        var sealedDsa = Archive.Seal(dsa.ExportPkcs8PrivateKey(), "cert-dsa", certificate.RawData);

        var refused = Assert.Throws<KeyRecoveryException>(() =>
            PfxPackager.Build(Archive.Protector, [sealedDsa], [], ChosenPassword, PfxEncryption.Aes256Sha256, 2_048));

        Assert.Equal(RecoveryFailure.UnsupportedKey, refused.Failure);
    }

    [Theory]
    [InlineData(1, 300_001)]
    [InlineData(3, 250_001)]
    [InlineData(10, 90_910)]
    public void Build_IterationsTheDefaultLoaderRefuses_Refused(int keyCount, int iterations)
    {
        Assert.Throws<ArgumentOutOfRangeException>(() =>
            PfxPackager.Build(Archive.Protector, Archive.RsaKeys(keyCount), [Archive.Chain], ChosenPassword, PfxEncryption.Aes256Sha256, iterations));
    }

    [Fact]
    public void Build_SameCertificateTwice_Refused()
    {
        var key = Archive.Rsa[0].Recoverable;

        Assert.Throws<ArgumentException>(() => PfxPackager.Build(Archive.Protector, [key, key], [], ChosenPassword, PfxEncryption.Aes256Sha256, 2_048));
    }

    [Fact]
    public void Build_NoKeys_Refused()
    {
        Assert.Throws<ArgumentException>(() => PfxPackager.Build(Archive.Protector, [], [Archive.Chain], ChosenPassword, PfxEncryption.Aes256Sha256, 2_048));
    }

    internal static void AssertNoKeyMaterial(Exception refused, byte[] pkcs8)
    {
        for (var e = refused; e is not null; e = e.InnerException)
        {
            Assert.DoesNotContain(Convert.ToHexString(pkcs8.AsSpan(^64..)), e.Message, StringComparison.OrdinalIgnoreCase);
            Assert.DoesNotContain(Convert.ToBase64String(pkcs8.AsSpan(^48..)), e.Message, StringComparison.Ordinal);
        }
    }

    private static void AssertOpensWithEveryKey(byte[] pfx, string password, List<string> expectedIds)
    {
        var loaded = X509CertificateLoader.LoadPkcs12Collection(pfx, password, X509KeyStorageFlags.EphemeralKeySet, Pkcs12LoaderLimits.Defaults);
        try
        {
            Assert.Equal(expectedIds.Count + 1, loaded.Count);
            var withKeys = loaded.Where(c => c.HasPrivateKey).ToList();
            Assert.Equal(expectedIds.Order(StringComparer.Ordinal), withKeys.Select(c => Archive.ByThumbprint(c.Thumbprint).Id).Order(StringComparer.Ordinal));
            foreach (var certificate in withKeys)
            {
                KeyAssert.PrivateKeyMatches(certificate, Archive.ByThumbprint(certificate.Thumbprint).Certificate);
            }

            var chain = Assert.Single(loaded, c => !c.HasPrivateKey);
            Assert.Equal(Archive.Chain, chain.RawData);
        }
        finally
        {
            DisposeAll(loaded);
        }
    }

    private static void DisposeAll(X509Certificate2Collection certificates)
    {
        foreach (var certificate in certificates)
        {
            certificate.Dispose();
        }
    }
}
