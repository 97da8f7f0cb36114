using System.Text.RegularExpressions;
using Keyward.Crypto.Recovery;
using Keyward.Crypto.Tests.Support;

namespace Keyward.Crypto.Tests.Recovery;

/// <summary>
/// OpenSSL 3 — what most non-.NET tools and NSS imports go through — opens both kinds of recovered PFX, reports the
/// protection Keyward promises, and gets back keys that match their certificates.
/// </summary>
public sealed partial class PfxOpensslTests
{
    private const string Password = "Collector's own p4ssword";

    private static TestArchive Archive => TestArchive.Shared;

    [Fact]
    public async Task Info_AesFile_ReportsPbes2Aes256CbcWithPbkdf2HmacSha256AndSha256Mac()
    {
        var iterations = PfxPackager.IterationsFor(false, 2);
        var output = await InfoAsync(PfxEncryption.Aes256Sha256, 2, iterations);

        Assert.Contains($"MAC: sha256, Iteration {iterations}", output, StringComparison.Ordinal);
        Assert.Equal(1, Count(output, $"PKCS7 Encrypted data: PBES2, PBKDF2, AES-256-CBC, Iteration {iterations}, PRF hmacWithSHA256"));
        Assert.Equal(2, Count(output, $"Shrouded Keybag: PBES2, PBKDF2, AES-256-CBC, Iteration {iterations}, PRF hmacWithSHA256"));
        AssertLayout(output, keyCount: 2);
    }

    [Fact]
    public async Task Info_TripleDesFile_ReportsPbeWithSha1And3KeyTripleDesAndSha1Mac()
    {
        var output = await InfoAsync(PfxEncryption.TripleDesSha1, 2, 2_048);

        Assert.Contains("MAC: sha1, Iteration 2048", output, StringComparison.Ordinal);
        Assert.Equal(1, Count(output, "PKCS7 Encrypted data: pbeWithSHA1And3-KeyTripleDES-CBC, Iteration 2048"));
        Assert.Equal(2, Count(output, "Shrouded Keybag: pbeWithSHA1And3-KeyTripleDES-CBC, Iteration 2048"));
        Assert.DoesNotContain("PBES2", output, StringComparison.Ordinal);
        AssertLayout(output, keyCount: 2);
    }

    [Theory]
    [InlineData(PfxEncryption.Aes256Sha256)]
    [InlineData(PfxEncryption.TripleDesSha1)]
    public async Task NocertsNodes_EachKey_HasItsCertificatesModulus(PfxEncryption encryption)
    {
        var keys = Archive.Rsa.Take(2).ToList();
        var pfx = PfxPackager.Build(Archive.Protector, keys.Select(k => k.Recoverable).ToList(), [Archive.Chain], Password, encryption, 2_048);
        using var openssl = new Openssl { Password = Password };
        var file = openssl.Write("recovered.pfx", pfx);

        var pem = await openssl.RunAsync("pkcs12", "-in", file, "-nocerts", "-nodes", "-passin", $"env:{Openssl.PasswordVariable}");

        var keyModuli = new List<string>();
        var blocks = PrivateKeyBlock().Matches(pem).Select(m => m.Value).ToList();
        Assert.Equal(2, blocks.Count);
        for (var i = 0; i < blocks.Count; i++)
        {
            var keyFile = openssl.Write($"key{i}.pem", blocks[i] + "\n");
            keyModuli.Add((await openssl.RunAsync("rsa", "-in", keyFile, "-noout", "-modulus")).Trim());
        }

        var certificateModuli = new List<string>();
        foreach (var key in keys)
        {
            var certificateFile = openssl.Write($"{key.Id}.pem", key.Certificate.ExportCertificatePem() + "\n");
            certificateModuli.Add((await openssl.RunAsync("x509", "-in", certificateFile, "-noout", "-modulus")).Trim());
        }

        Assert.All(certificateModuli, m => Assert.StartsWith("Modulus=", m, StringComparison.Ordinal));
        Assert.Equal(certificateModuli.Order(StringComparer.Ordinal), keyModuli.Order(StringComparer.Ordinal));
    }

    [Theory]
    [InlineData(PfxEncryption.Aes256Sha256)]
    [InlineData(PfxEncryption.TripleDesSha1)]
    public async Task Pkcs12_WrongPassword_Fails(PfxEncryption encryption)
    {
        var pfx = PfxPackager.Build(Archive.Protector, Archive.RsaKeys(1), [Archive.Chain], Password, encryption, 2_048);
        using var openssl = new Openssl { Password = Password + "!" };
        var file = openssl.Write("recovered.pfx", pfx);

        var outcome = await openssl.TryRunAsync("pkcs12", "-in", file, "-noout", "-passin", $"env:{Openssl.PasswordVariable}");

        Assert.NotEqual(0, outcome.ExitCode);
        Assert.Contains("invalid password", outcome.Error, StringComparison.OrdinalIgnoreCase);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Pkcs12_EcKey_MatchesItsCertificatesPublicKey(bool keyAgreementOnly)
    {
        var ec = keyAgreementOnly ? Archive.EcAgreement : Archive.Ecdsa;
        var pfx = PfxPackager.Build(Archive.Protector, [ec.Recoverable], [Archive.Chain], Password, PfxEncryption.Aes256Sha256, 2_048);
        using var openssl = new Openssl { Password = Password };
        var file = openssl.Write("recovered.pfx", pfx);
        var keyFile = openssl.Write("key.pem", await openssl.RunAsync("pkcs12", "-in", file, "-nocerts", "-nodes", "-passin", $"env:{Openssl.PasswordVariable}"));
        var certificateFile = openssl.Write("cert.pem", ec.Certificate.ExportCertificatePem() + "\n");

        var fromKey = await openssl.RunAsync("pkey", "-in", keyFile, "-pubout");
        var fromCertificate = await openssl.RunAsync("x509", "-in", certificateFile, "-noout", "-pubkey");

        Assert.Equal(fromCertificate.Trim(), fromKey.Trim());
    }

    /// <summary>
    /// The layout the iteration budget counts on (docs/pfx.md): one encrypted bag of every certificate (the keys' and
    /// the chain's), then one shrouded key bag per key, then the MAC — <c>keyCount + 1</c> key derivations.
    /// </summary>
    private static void AssertLayout(string output, int keyCount)
    {
        Assert.Equal(1, Count(output, "PKCS7 Encrypted data:"));
        Assert.Equal(keyCount + 1, Count(output, "Certificate bag"));
        Assert.Equal(keyCount, Count(output, "Shrouded Keybag:"));
        Assert.Equal(0, Count(output, "Key bag"));
    }

    private static async Task<string> InfoAsync(PfxEncryption encryption, int keyCount, int iterations)
    {
        var pfx = PfxPackager.Build(Archive.Protector, Archive.RsaKeys(keyCount), [Archive.Chain], Password, encryption, iterations);
        using var openssl = new Openssl { Password = Password };
        var file = openssl.Write("recovered.pfx", pfx);
        var outcome = await openssl.TryRunAsync("pkcs12", "-info", "-in", file, "-noout", "-passin", $"env:{Openssl.PasswordVariable}");
        Assert.True(outcome.ExitCode == 0, $"openssl pkcs12 -info failed.\nstderr: {outcome.Error}");

        // openssl prints the structure on stderr and the rest on stdout.
        return outcome.Error + outcome.Output;
    }

    private static int Count(string text, string line) =>
        text.Split('\n').Count(l => l.TrimEnd('\r').StartsWith(line, StringComparison.Ordinal));

    [GeneratedRegex("-----BEGIN PRIVATE KEY-----[^-]+-----END PRIVATE KEY-----")]
    private static partial Regex PrivateKeyBlock();
}
