using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Keyward.Crypto.Recovery;

namespace Keyward.Server.Tests.Cli;

/// <summary>The collecting client's hand-over of unwrapped keys to NSS: a short-lived PFX under a random password.</summary>
public sealed class CollectedKeysTests
{
    [Fact]
    public void ExportTransientPfx_CertificatesWithKeysAndAChain_OpensWithItsPasswordAndZeroesOnDispose()
    {
        using var authorityKey = RSA.Create(2048);
        using var authority = new CertificateRequest("CN=Test CA", authorityKey, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1)
            .CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(30));
        using var key = RSA.Create(2048);
        using var certificate = new CertificateRequest("CN=Carol", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1)
            .CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(30));

        var transient = CollectedKeys.ExportTransientPfx([certificate], [authority.RawData]);
        byte[] pfx;
        using (transient)
        {
            Assert.Equal(48, transient.Password.Length);
            var loaded = X509CertificateLoader.LoadPkcs12Collection(transient.Pfx, transient.Password, X509KeyStorageFlags.EphemeralKeySet);
            Assert.Equal(2, loaded.Count);
            KeywardProcess.AssertKeyMatches(Assert.Single(loaded, c => c.HasPrivateKey));
            Assert.Contains(loaded, c => !c.HasPrivateKey && c.Subject == "CN=Test CA");
            pfx = transient.Pfx;
        }

        Assert.All(pfx, b => Assert.Equal(0, b));
    }

    [Fact]
    public void ExportTransientPfx_ACertificateWithoutItsKey_IsRefused()
    {
        using var key = RSA.Create(2048);
        using var withKey = new CertificateRequest("CN=Carol", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1)
            .CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(30));
        using var bare = X509CertificateLoader.LoadCertificate(withKey.RawData);

        Assert.Throws<ArgumentException>(() => CollectedKeys.ExportTransientPfx([bare], []));
        Assert.Throws<ArgumentException>(() => CollectedKeys.ExportTransientPfx([], []));
    }
}
