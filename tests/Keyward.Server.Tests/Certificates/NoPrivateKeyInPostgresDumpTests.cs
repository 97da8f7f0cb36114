using System.Text;
using Keyward.Server.Tests.Infrastructure;
using Keyward.Testing.Databases;
using Npgsql;

namespace Keyward.Server.Tests.Certificates;

/// <summary>
/// The same on PostgreSQL (docs/architecture.md#key-archive-and-certificate-authority): a demo seeded on a real server, dumped with <c>pg_dump</c> (plain SQL, bytea as
/// <c>\x</c> hex), holds no byte run of any archived private key in any encoding.
/// </summary>
public sealed class NoPrivateKeyInPostgresDumpTests(PostgresServer postgres) : IClassFixture<PostgresServer>
{
    private static readonly TimeSpan DumpTimeout = TimeSpan.FromMinutes(1);

    [Fact]
    public async Task PgDump_AfterDemoSeed_HoldsNoArchivedPrivateKeyInAnyEncoding()
    {
        await using var database = await postgres.CreateEmptyDatabaseAsync(CancellationToken.None);
        var connectionString = database.Options.ConnectionString!;

        // A data folder of its own: the demo seeds itself on PostgreSQL, with its own key store.
        var data = Directory.CreateTempSubdirectory("keyward-pg-demo-").FullName;
        try
        {
            IReadOnlyList<OpenedKey> keys;
            await using (var server = await DemoServer.StartAsync(o =>
                         {
                             o.Database = database.Options;
                             o.DataDirectory = data;
                             o.Demo = true;
                         }))
            {
                keys = await ArchivedKeys.OpenAllAsync(server, data);
                await server.StopAsync();
            }

            var scanner = new PrivateKeyScanner(keys);
            var dump = await DumpAsync(connectionString, data, "demo.sql");
            var dumpText = Encoding.UTF8.GetString(dump);

            Assert.False(File.Exists(Path.Combine(data, "keyward.db")), "The demo ran on SQLite, not on PostgreSQL.");
            Assert.Equal(9, keys.Count);
            Assert.All(keys, k => Assert.Contains(@"\x" + Convert.ToHexStringLower(k.Envelope), dumpText, StringComparison.Ordinal));
            await AssertFoundWhenStoredAsync(scanner, connectionString, data, keys[0]);

            Assert.Empty(scanner.Find(dump));
        }
        finally
        {
            NpgsqlConnection.ClearAllPools();
            Directory.Delete(data, recursive: true);
        }
    }

    /// <summary>
    /// Positive control: a key that PostgreSQL stores - as bytea and as PEM text - and pg_dump writes out the
    /// same way is found, so an empty scan of the demo's dump means something. Runs after the demo's dump.
    /// </summary>
    private static async Task AssertFoundWhenStoredAsync(PrivateKeyScanner scanner, string connectionString, string folder, OpenedKey key)
    {
        var encodings = PrivateKeyScanner.SampleEncodings(key.Pkcs8).ToDictionary(e => e.Form, e => e.Value);
        await using (var connection = new NpgsqlConnection(connectionString))
        {
            await connection.OpenAsync();
            await using var command = new NpgsqlCommand("CREATE TABLE scanner_control (der bytea, pem text); INSERT INTO scanner_control VALUES (@der, @pem);", connection);
            command.Parameters.AddWithValue("der", (byte[])encodings["PKCS#1 DER"]);
            command.Parameters.AddWithValue("pem", (string)encodings["PKCS#8 PEM"]);
            await command.ExecuteNonQueryAsync();
        }

        var hits = scanner.Find(await DumpAsync(connectionString, folder, "control.sql"));

        Assert.Contains(hits, h => h.Contains("hex", StringComparison.Ordinal));
        Assert.Contains(hits, h => h.Contains("base64", StringComparison.Ordinal));
    }

    /// <summary>Dumps the whole database as plain SQL with the packaged pg_dump; returns the file's bytes.</summary>
    private static async Task<byte[]> DumpAsync(string connectionString, string folder, string fileName)
    {
        var connection = new NpgsqlConnectionStringBuilder(connectionString);
        var file = Path.Combine(folder, fileName);
        await ExternalTool.RunOkAsync(
            PostgresServer.ToolPath("pg_dump"),
            ["--host", connection.Host!, "--port", connection.Port.ToString(System.Globalization.CultureInfo.InvariantCulture), "--username", connection.Username!, "--dbname", connection.Database!, "--format", "plain", "--no-password", "--file", file],
            folder,
            DumpTimeout,
            new Dictionary<string, string> { ["PGPASSWORD"] = connection.Password ?? string.Empty });
        return await File.ReadAllBytesAsync(file);
    }
}
