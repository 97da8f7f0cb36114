using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Keyward.Profiles;
using Keyward.Server.Profiles;
using Keyward.Server.Tests.Certificates;
using Keyward.Server.Tests.Infrastructure;

namespace Keyward.Server.Tests.Recovery;

/// <summary>
/// Finding 9 of the hardening review, through <c>POST /api/requests/{id}/collect</c>: a generated password the policy
/// keeps below 128 bits gets the iteration count of a chosen one, and a chosen password that is common — listed, a
/// trivial variation, a keyboard pattern, or on the organisation's own list — is refused without being recorded.
/// </summary>
public sealed class PfxPasswordTests
{
    private const string FileStore = "Key Recovery - Soft Certificate";

    [Fact]
    public async Task Collect_GeneratedPasswordBelow128Bits_GetsTheChosenPasswordIterationCount()
    {
        await using var server = await DemoServer.StartAsync();
        using var admin = await server.SignInAsync("admin");
        using var carol = await server.SignInAsync("carol");
        var carols = await CardholderCertificates.OfAsync(admin, await Json.PersonIdAsync(admin, "carol"));
        await DemoChanges.AddProfileAsync(server, "Short passwords", (s, _) => s with { PasswordPolicy = SecretPolicy.DefaultPassword with { MaxLength = 16 } });
        var shortPolicy = await RecoverySteps.ApprovedForCarolAsync(server, "Short passwords", [carols.Current]);
        var defaultPolicy = await RecoverySteps.ApprovedForCarolAsync(server, FileStore, [carols.Expired]);

        // 16 characters of 56 carry about 93 bits: only a password of 128 bits may have the low count.
        var (password, iterations) = await CollectAndReadIterationsAsync(carol, shortPolicy);
        Assert.Equal(16, password.Length);
        Assert.Equal(100_000, iterations);

        (password, iterations) = await CollectAndReadIterationsAsync(carol, defaultPolicy);
        Assert.Equal(23, password.Length);
        Assert.Equal(2_048, iterations);
    }

    [Fact]
    public async Task Collect_CommonPasswordOrVariation_RefusedAsTooCommon_AndAStrongOneAccepted()
    {
        await using var server = await DemoServer.StartAsync();
        using var refusals = await Refusals.OnAsync(server);
        using var carol = await server.SignInAsync("carol");
        var carols = await CardholderCertificates.OfAsync(refusals.Admin, await Json.PersonIdAsync(refusals.Admin, "carol"));
        var id = await RecoverySteps.ApprovedForCarolAsync(server, FileStore, [carols.Current]);

        // Each meets the demo's policy (12 to 128 characters, upper case, lower case, a digit).
        string[] common = ["Password1234", "P@ssw0rd2024!", "L3tm31n!2024", "Iloveyou2024", "Keyward2026!", "Qwerty123456", "1qaz2wsx3edC", "Aaaaaaaaaaa1", "Abcdefgh1234"];
        foreach (var password in common)
        {
            var detail = await refusals.UnchangedAsync(id, () => RecoverySteps.PostAsync(carol, id, "collect", new { password }), HttpStatusCode.BadRequest, "recovery.password_policy", password);
            Assert.Contains("too common", detail, StringComparison.Ordinal);
            Assert.DoesNotContain(password, detail, StringComparison.Ordinal);
        }

        var strong = "Kw7-" + RandomNumberGenerator.GetString("ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnpqrstuvwxyz23456789", 20);
        var collected = await RecoverySteps.CollectAsync(carol, id, strong);
        Assert.Equal("Completed", collected.GetProperty("request").GetProperty("status").GetString());
        var pfx = X509CertificateLoader.LoadPkcs12Collection(collected.GetProperty("pfx").GetBytesFromBase64(), strong);
        Assert.Contains(pfx, c => c.HasPrivateKey);
        foreach (var certificate in pfx)
        {
            certificate.Dispose();
        }

        var trail = await refusals.AuditDetailsAsync();
        foreach (var password in common.Append(strong))
        {
            Assert.DoesNotContain(trail, details => details.Contains(password, StringComparison.OrdinalIgnoreCase));
        }
    }

    [Fact]
    public async Task Collect_PasswordOnTheOrganisationsDenyList_RefusedWithItsVariations()
    {
        var folder = Directory.CreateTempSubdirectory("keyward-denylist-").FullName;
        try
        {
            var list = Path.Combine(folder, "deny.txt");
            await File.WriteAllLinesAsync(list, ["# Acme's own words", "Acme", "Gizmotron"]);
            await using var server = await DemoServer.StartAsync(o => o.Passwords.DenyListFile = list);
            using var refusals = await Refusals.OnAsync(server);
            using var carol = await server.SignInAsync("carol");
            var carols = await CardholderCertificates.OfAsync(refusals.Admin, await Json.PersonIdAsync(refusals.Admin, "carol"));
            var id = await RecoverySteps.ApprovedForCarolAsync(server, FileStore, [carols.Current]);

            foreach (var password in new[] { "Gizmotron-2026", "G1zm0tr0n2026!", "Acme20262026" })
            {
                // Only the organisation's list refuses these; the built-in one lets them through.
                Assert.Null(SecretPolicy.DefaultPassword.Check(password, CommonPasswords.BuiltIn));
                var detail = await refusals.UnchangedAsync(id, () => RecoverySteps.PostAsync(carol, id, "collect", new { password }), HttpStatusCode.BadRequest, "recovery.password_policy", password);
                Assert.Contains("too common", detail, StringComparison.Ordinal);
            }

            Assert.Equal("Completed", (await RecoverySteps.CollectAsync(carol, id, "Gadget-Orbit-Staple-81")).GetProperty("request").GetProperty("status").GetString());
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public void Load_DenyListFileThatDoesNotExist_Throws()
    {
        // KeywardServer.Build loads the list before anything else: a list that was asked for but cannot be read stops
        // the server rather than leaving the organisation's passwords unchecked.
        var options = new PasswordOptions { DenyListFile = Path.Combine(Path.GetTempPath(), $"keyward-no-such-list-{Guid.NewGuid():N}.txt") };

        Assert.ThrowsAny<IOException>(options.Load);
    }

    /// <summary>Collects without a password; returns the generated password and the PBKDF2 count of the PFX's key bags as openssl reads them.</summary>
    private static async Task<(string Password, int Iterations)> CollectAndReadIterationsAsync(HttpClient collector, string requestId)
    {
        var collected = await RecoverySteps.CollectAsync(collector, requestId);
        var password = collected.GetProperty("password").GetString()!;
        using var openssl = new Openssl();
        var file = openssl.Write("recovered.pfx", collected.GetProperty("pfx").GetBytesFromBase64());
        var outcome = await openssl.TryRunAsync("pkcs12", "-info", "-noout", "-in", file, "-passin", "pass:" + password);
        Assert.True(outcome.ExitCode == 0, $"openssl pkcs12 -info failed.\nstderr: {outcome.Error}");

        // openssl prints the structure on stderr: "Shrouded Keybag: PBES2, PBKDF2, AES-256-CBC, Iteration N, PRF hmacWithSHA256".
        var counts = (outcome.Error + outcome.Output).Split('\n')
            .Where(l => l.Contains("PBKDF2", StringComparison.Ordinal))
            .Select(l => int.Parse(l.Split("Iteration ")[1].Split(',')[0], System.Globalization.CultureInfo.InvariantCulture))
            .Distinct()
            .ToList();
        return (password, Assert.Single(counts));
    }
}
