using System.Diagnostics;
using System.Security.Cryptography.X509Certificates;
using System.Text.RegularExpressions;
using Keyward.Server.Tests.Infrastructure;

namespace Keyward.Server.Tests.Administration;

/// <summary>
/// The README's "A real deployment", command for command: from an empty data folder, <c>keyward server init</c>, then
/// the administrator builds the organisation with the keyward command — a group tree, people, roles with scopes, an
/// encryption policy with archival, a recovery profile, API clients — issues a certificate, and an operator and a
/// validator recover it as a PFX that opens. No demo data anywhere.
/// </summary>
public sealed partial class RealDeploymentTests
{
    private static readonly TimeSpan Limit = TimeSpan.FromMinutes(3);

    [Fact]
    public async Task Init_Twice_SecondRefusedAndNothingChanged()
    {
        var parent = Directory.CreateTempSubdirectory("keyward-init-").FullName;
        try
        {
            var data = Path.Combine(parent, "data");
            var first = await RunAsync(parent, "server", "init", "--data", data, "--admin", "ada", "--email", "ada@acme.example");
            Assert.True(first.Exit == 0, first.ToString());
            Assert.Matches(SecretLine(), first.Output);
            var database = await ContentsAsync(Path.Combine(data, "keyward.db"));

            var second = await RunAsync(parent, "server", "init", "--data", data, "--admin", "bob");
            Assert.True(second.Exit == 1, second.ToString());
            Assert.Contains("(setup.already_initialised)", second.Error, StringComparison.Ordinal);
            Assert.Equal(database, await ContentsAsync(Path.Combine(data, "keyward.db")));

            var noPassphrase = await RunAsync(parent, new Dictionary<string, string>(), "server", "init", "--data", Path.Combine(parent, "other"), "--admin", "ada");
            Assert.True(noPassphrase.Exit == 1, noPassphrase.ToString());
            Assert.Contains("KEYWARD_KEYSTORE_PASSPHRASE", noPassphrase.Error, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(parent, recursive: true);
        }
    }

    [Fact]
    public async Task RealDeployment_FromAnEmptyDataFolder_AnOperatorAndAValidatorRecoverAKey()
    {
        var work = Directory.CreateTempSubdirectory("keyward-deployment-").FullName;
        try
        {
            var data = Path.Combine(work, "data");
            var init = await RunAsync(work, "server", "init", "--data", data, "--admin", "ada", "--name", "Ada Admin", "--email", "ada@acme.example");
            Assert.True(init.Exit == 0, init.ToString());
            var adminSecret = SecretLine().Match(init.Output).Groups[1].Value;

            await using var server = await DemoServer.StartOnLoopbackAsync(o =>
            {
                o.Demo = false;
                o.DataDirectory = data;
            });
            var url = server.Address!.ToString();
            async Task<string> As(string clientId, string secret, params string[] arguments)
            {
                var run = await RunAsync(work, [.. arguments, "--server", url, "--client-id", clientId, "--client-secret", secret]);
                Assert.True(run.Exit == 0, $"keyward {string.Join(' ', arguments)}: {run}");
                return run.Output;
            }

            Task<string> Admin(params string[] arguments) => As("ada-cli", adminSecret, arguments);

            await Admin("groups", "create", "Acme/Finance/Payroll");
            await File.WriteAllTextAsync(Path.Combine(work, "people.csv"),
                "logonName,name,email,group\nolivia,Olivia,olivia@acme.example,Acme/Finance\nvictor,Victor,victor@acme.example,Acme/Finance\ncarol,Carol,carol@acme.example,Acme/Finance/Payroll\n");
            await Admin("people", "import", Path.Combine(work, "people.csv"));
            await Admin("roles", "create", "Recovery Operator", "--operation", "ViewPerson", "ViewCertificate", "ViewRequest", "SearchRequests", "RecoverCertificatesToNewDevice", "CancelRequest", "CollectSoftCertificate");
            await Admin("roles", "create", "Recovery Validator", "--operation", "ViewPerson", "ViewCertificate", "ViewRequest", "SearchRequests", "ValidateRequest");
            await Admin("roles", "create", "Cardholder", "--operation", "ViewCertificate", "ViewRequest", "CollectMySoftCertificate");
            await Admin("roles", "assign", "--person", "olivia", "--role", "Recovery Operator", "--scope", "Division");
            await Admin("roles", "assign", "--person", "victor", "--role", "Recovery Validator", "--scope", "Division");
            await Admin("roles", "assign", "--person", "carol", "--role", "Cardholder", "--scope", "Self");
            var oliviaSecret = SecretLine().Match(await Admin("clients", "create", "--person", "olivia", "--id", "olivia-cli")).Groups[1].Value;
            var victorSecret = SecretLine().Match(await Admin("clients", "create", "--person", "victor", "--id", "victor-cli")).Groups[1].Value;
            await Admin("policies", "create", "Encryption RSA-2048", "--usage", "Encryption", "--archive-keys");
            await File.WriteAllTextAsync(Path.Combine(work, "recovery.json"), """
                {
                  "name": "Key Recovery - PFX",
                  "cardEncoding": "SoftwareCertificates",
                  "keyRecoveryOnly": true,
                  "approvalsRequired": 1,
                  "softCertificateLocation": "FileStore",
                  "canRequest": ["Recovery Operator"],
                  "canValidate": ["Recovery Validator"],
                  "canCollect": ["Recovery Operator", "Cardholder"],
                  "canReceive": ["Cardholder"],
                  "requestExpiryDays": 14
                }
                """);
            await Admin("profiles", "create", "--file", Path.Combine(work, "recovery.json"));
            await Admin("certificates", "issue", "--person", "carol", "--policy", "Encryption RSA-2048");

            var created = await As("olivia-cli", oliviaSecret, "requests", "create", "--person", "carol", "--profile", "Key Recovery - PFX", "--all-archived");
            var requestId = Cli.KeywardProcess.CreatedId(created);
            await As("victor-cli", victorSecret, "requests", "approve", requestId);
            var pfxPath = Path.Combine(work, "carol.pfx");
            var collected = await As("olivia-cli", oliviaSecret, "collect", requestId, "--out", pfxPath);

            var password = Cli.KeywardProcess.PrintedPassword(collected);
            var certificates = X509CertificateLoader.LoadPkcs12CollectionFromFile(pfxPath, password);
            var carol = Assert.Single(certificates, c => c.HasPrivateKey);
            Assert.Contains("CN=Carol", carol.Subject, StringComparison.Ordinal);
            Cli.KeywardProcess.AssertKeyMatches(carol);

            Assert.Contains("Audit trail intact", await Admin("audit", "verify"), StringComparison.Ordinal);
            var log = await Admin("audit", "list", "--action", "setup.init");
            Assert.Contains("setup.init", log, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(work, recursive: true);
        }
    }

    /// <summary>Every row of every table, as text: what "nothing changed" means (free pages may differ).</summary>
    private static async Task<string> ContentsAsync(string database)
    {
        var text = new System.Text.StringBuilder();
        await using (var connection = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={database};Mode=ReadOnly;Pooling=False"))
        {
            await connection.OpenAsync();
            var tables = new List<string>();
            await using (var list = connection.CreateCommand())
            {
                list.CommandText = "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name";
                await using var reader = await list.ExecuteReaderAsync();
                while (await reader.ReadAsync())
                {
                    tables.Add(reader.GetString(0));
                }
            }

            foreach (var table in tables)
            {
                await using var rows = connection.CreateCommand();
                rows.CommandText = $"SELECT * FROM \"{table}\"";
                await using var reader = await rows.ExecuteReaderAsync();
                text.Append(table).Append('\n');
                while (await reader.ReadAsync())
                {
                    for (var i = 0; i < reader.FieldCount; i++)
                    {
                        text.Append(reader.IsDBNull(i) ? "-" : Convert.ToString(reader.GetValue(i), System.Globalization.CultureInfo.InvariantCulture)).Append('|');
                    }

                    text.Append('\n');
                }
            }
        }

        Assert.Contains("setup.init", text.ToString(), StringComparison.Ordinal);
        return text.ToString();
    }

    [GeneratedRegex(@"client secret: (\S+)")]
    private static partial Regex SecretLine();

    private sealed record Outcome(int Exit, string Output, string Error)
    {
        public override string ToString() => $"exit {Exit}\nstdout: {Output}\nstderr: {Error}";
    }

    private static Task<Outcome> RunAsync(string workingDirectory, params string[] arguments) =>
        RunAsync(workingDirectory, new Dictionary<string, string> { ["KEYWARD_KEYSTORE_PASSPHRASE"] = DemoServer.TestPassphrase }, arguments);

    /// <summary>Runs <c>dotnet keyward.dll ARGS</c> as an operator would, with HOME in the working folder.</summary>
    private static async Task<Outcome> RunAsync(string workingDirectory, IReadOnlyDictionary<string, string> environment, params string[] arguments)
    {
        var start = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory,
        };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "keyward.dll"));
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        start.Environment["HOME"] = workingDirectory;
        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        foreach (var name in new[] { "KEYWARD_SERVER", "KEYWARD_CLIENT_ID", "KEYWARD_CLIENT_SECRET", "KEYWARD_KEYSTORE_PASSPHRASE" })
        {
            start.Environment.Remove(name);
        }

        foreach (var (name, value) in environment)
        {
            start.Environment[name] = value;
        }

        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(Limit);
        await process.WaitForExitAsync(timeout.Token);
        return new Outcome(process.ExitCode, await output, await error);
    }
}
