using System.Diagnostics;
using System.Net;
using System.Security.Cryptography;
using Keyward.Common;
using Keyward.Crypto.Protection;
using Keyward.Server.KeyArchive;
using Keyward.Server.Tests.Certificates;
using Keyward.Server.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace Keyward.Server.Tests.KeyArchive;

/// <summary>
/// The whole server with its storage key and CA key in a PKCS#11 HSM (a SoftHSM2 token made for the test):
/// the demo seeds through the HSM, issued certificates chain to a CA whose key signs inside the token, and no
/// software key store is created.
/// </summary>
public sealed class Pkcs11ServerTests
{
    private const string Module = "/usr/lib/softhsm/libsofthsm2.so";
    private const string Pin = "server-test-pin";

    [Fact]
    public async Task Server_WithPkcs11Protector_SeedsIssuesAndSignsThroughTheToken()
    {
        var label = await InitialiseTokenAsync();
        var data = Directory.CreateTempSubdirectory("keyward-hsm-").FullName;
        try
        {
            await using var server = await DemoServer.StartAsync(o =>
            {
                o.DataDirectory = data;
                o.KeyProtector.Kind = KeyProtectorKind.Pkcs11;
                o.KeyProtector.ModulePath = Module;
                o.KeyProtector.TokenLabel = label;
                o.KeyProtector.Pin = Pin;
            });

            Assert.Equal("pkcs11", server.App.Services.GetRequiredService<IKeyProtector>().Kind);
            Assert.False(File.Exists(Path.Combine(data, "keystore.json")));
            var health = await Json.GetAsync(server.Client, "/health");
            Assert.Equal("Healthy", health.GetProperty("checks").GetProperty("keyProtector").GetString());

            using var admin = await server.SignInAsync("admin");
            var dave = await Json.PersonIdAsync(admin, "dave");
            using var issue = await admin.PostAsync(new Uri($"/api/people/{dave}/certificates", UriKind.Relative), Json.Body(new { policyId = "Encryption RSA-2048 (archived)" }));
            var issued = await Json.ReadAsync(issue, HttpStatusCode.Created);
            Assert.True(issued.GetProperty("archived").GetBoolean());
            var archived = (await Json.GetAsync(admin, $"/api/people/{dave}/certificates")).GetProperty("results").EnumerateArray().Count(c => c.GetProperty("archived").GetBoolean());
            Assert.Equal(4, archived);

            // Every envelope is wrapped under the token's storage key.
            await using (var scope = server.App.Services.CreateAsyncScope())
            {
                var store = scope.ServiceProvider.GetRequiredService<IKeywardStore>();
                var active = server.App.Services.GetRequiredService<IKeyProtector>().ActiveStorageKeyId;
                Assert.All(await store.ToListAsync(store.ArchivedKeys, CancellationToken.None), k => Assert.Equal(active, k.StorageKeyId));
            }

            // The leaf chains to the CA certificate whose key is on the token.
            using var openssl = new Openssl();
            var ca = openssl.WritePem("ca.pem", "CERTIFICATE", await (await server.Client.GetAsync(new Uri("/ca/certificate", UriKind.Relative))).Content.ReadAsByteArrayAsync());
            var leaf = (await Json.GetAsync(admin, $"/api/certificates/{issued.GetProperty("id").GetString()}")).GetProperty("pem").GetString()!;
            var leafPath = openssl.Write("leaf.pem", leaf);
            var verified = await openssl.RunAsync("verify", "-attime", DemoServer.Start.ToUnixTimeSeconds().ToString(System.Globalization.CultureInfo.InvariantCulture), "-CAfile", ca, leafPath);
            Assert.Contains("leaf.pem: OK", verified, StringComparison.Ordinal);
        }
        finally
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            Directory.Delete(data, recursive: true);
        }
    }

    private static async Task<string> InitialiseTokenAsync()
    {
        Assert.False(
            string.IsNullOrEmpty(Environment.GetEnvironmentVariable("SOFTHSM2_CONF")),
            "SOFTHSM2_CONF is not set: run the tests through scripts/test, which makes a private SoftHSM2 token folder (apt-get install -y softhsm2).");
        var label = "srv-" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(6));
        // "--init-token --free" takes the first free slot; the Tokens tests may initialise tokens in the same folder at
        // the same moment, so both take turns on one lock file (flock(1)).
        var start = new ProcessStartInfo("flock") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in new[] { Environment.GetEnvironmentVariable("SOFTHSM2_CONF") + ".lock", "softhsm2-util", "--init-token", "--free", "--label", label, "--so-pin", "server-test-so-pin", "--pin", Pin })
        {
            start.ArgumentList.Add(argument);
        }

        using var init = Process.Start(start)!;
        var errors = await init.StandardError.ReadToEndAsync();
        await init.WaitForExitAsync();
        Assert.True(init.ExitCode == 0, "softhsm2-util --init-token failed: " + errors);
        return label;
    }
}
