using Keyward.Profiles;
using Keyward.Server.Tests.Certificates;
using Keyward.Server.Tests.Infrastructure;

namespace Keyward.Server.Tests.Recovery;

/// <summary>
/// Finding 9 of the hardening review, through <c>POST /api/requests/{id}/collect</c>: a generated password the policy
/// keeps below 128 bits gets the iteration count of a chosen one.
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
