using System.Security.Cryptography.X509Certificates;
using Keyward.Crypto.Recovery;
using Keyward.Crypto.Tests.Support;

namespace Keyward.Crypto.Tests.Recovery;

/// <summary>
/// The PBKDF2 iteration count of a recovered PFX: low for a password of 128 bits of entropy, as high as .NET's default
/// loader lets the file still open for a chosen one (or a generated one the policy kept shorter).
/// </summary>
public sealed class IterationCountTests
{
    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(10)]
    [InlineData(200)]
    public void IterationsFor_PasswordOfFullEntropy_IsOpensslDefault(int keyCount)
    {
        Assert.Equal(2_048, PfxPackager.IterationsFor(true, keyCount));
    }

    [Theory]
    [InlineData(1, 100_000)]
    [InlineData(2, 100_000)]
    [InlineData(8, 100_000)]
    [InlineData(9, 90_000)]
    [InlineData(10, 83_000)]
    [InlineData(200, 4_000)]
    public void IterationsFor_ChosenPassword_AsManyAsTheLoaderAllowsUpTo100000(int keyCount, int expected)
    {
        Assert.Equal(expected, PfxPackager.IterationsFor(false, keyCount));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(201)]
    public void IterationsFor_KeyCountOutsideWhatALoaderOpens_Refused(int keyCount)
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => PfxPackager.IterationsFor(false, keyCount));
    }

    [Fact]
    public void Build_HighestCountItAccepts_StillOpensWithDefaultLimits()
    {
        // Three keys: three shrouded key bags and the encrypted certificate bag, 4 × 250,000 = the loader's 1,000,000
        // total (the MAC has its own 300,000 limit). Build refuses 250,001 (PfxPackagerTests); this is the edge.
        const string password = "edge of the loader's budget";
        var pfx = PfxPackager.Build(TestArchive.Shared.Protector, TestArchive.Shared.RsaKeys(3), [TestArchive.Shared.Chain], password, PfxEncryption.Aes256Sha256, 250_000);

        var loaded = X509CertificateLoader.LoadPkcs12Collection(pfx, password, X509KeyStorageFlags.EphemeralKeySet, Pkcs12LoaderLimits.Defaults);

        Assert.Equal(3, loaded.Count(c => c.HasPrivateKey));
        foreach (var certificate in loaded)
        {
            certificate.Dispose();
        }
    }
}
