using System.Net;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using Keyward.Server.Demo;
using Keyward.Server.Tests.Infrastructure;
using Microsoft.Data.Sqlite;

namespace Keyward.Server.Tests.Certificates;

/// <summary>
/// docs/architecture.md#key-archive-and-certificate-authority: "a database dump alone never reveals" a private key. After the demo has archived its keys and the
/// API has archived two more (one made by the server, one imported from a PFX), not one byte run of any of
/// them - in DER, PEM, base64 or hex - is anywhere in the SQLite database's files (nor in any other file of
/// the data folder, the key store included), and neither is a PFX password.
/// </summary>
public sealed class NoPrivateKeyInSqliteTests
{
    private const string WrongPassword = "Not-The-Password-7?";

    [Fact]
    public async Task DataFolder_AfterDemoSeedIssueAndImport_HoldsNoArchivedPrivateKeyInAnyEncoding()
    {
        await using var server = await DemoServer.StartAsync();
        await ArchiveThroughTheApiAsync(server);
        var keys = await ArchivedKeys.OpenAllAsync(server, server.DataDirectory);

        // Stopped, with every connection closed: SQLite has checkpointed its log and nothing writes any more.
        await server.StopAsync();
        var database = Path.Combine(server.DataDirectory, "keyward.db");
        var scanner = new PrivateKeyScanner(keys);

        // docs/demo.md: current, expired and revoked encryption certificates of carol, dave and erin; one issued and one imported here.
        Assert.Equal(11, keys.Count);
        var stored = await File.ReadAllBytesAsync(database);
        Assert.All(keys, k => Assert.True(stored.AsSpan().IndexOf(k.Envelope) >= 0, $"The envelope of the {k.Name} is not in {database}: the scan would look in the wrong place."));
        await AssertFoundWhenStoredAsync(scanner, database, keys[0]);

        var found = Directory.GetFiles(server.DataDirectory)
            .SelectMany(file => scanner.Find(File.ReadAllBytes(file)).Select(hit => $"{Path.GetFileName(file)}: {hit}"))
            .ToList();

        Assert.Empty(found);
        Assert.All(Directory.GetFiles(server.DataDirectory), file =>
        {
            var text = File.ReadAllBytes(file);
            Assert.True(text.AsSpan().IndexOf(Encoding.UTF8.GetBytes(OtherCa.Password)) < 0, $"{Path.GetFileName(file)} holds a PFX password.");
            Assert.True(text.AsSpan().IndexOf(Encoding.UTF8.GetBytes(WrongPassword)) < 0, $"{Path.GetFileName(file)} holds a refused PFX password.");
        });
    }

    /// <summary>Adds a server-made archived key and an imported one (after a refused attempt) through the API.</summary>
    private static async Task ArchiveThroughTheApiAsync(DemoServer server)
    {
        using var admin = await server.SignInAsync("admin");
        var dave = await Json.PersonIdAsync(admin, "dave");
        using (var issued = await CertificateApi.IssueAsync(admin, dave, DemoOrganisation.EncryptionPolicy))
        {
            await Json.ReadAsync(issued, HttpStatusCode.Created);
        }

        using var key = TestKeys.Another();
        using var certificate = OtherCa.Issue(key, X509KeyUsageFlags.KeyEncipherment, "CN=Dave, OU=Engineering, DC=corp, DC=example");
        var pfx = OtherCa.Pfx(certificate, key);
        using (var refused = await CertificateApi.ImportAsync(admin, dave, DemoOrganisation.EncryptionPolicy, pfx, WrongPassword))
        {
            await Json.ProblemAsync(refused, HttpStatusCode.BadRequest, "certificates.import_unreadable");
        }

        using var imported = await CertificateApi.ImportAsync(admin, dave, DemoOrganisation.EncryptionPolicy, pfx, OtherCa.Password);
        await Json.ReadAsync(imported, HttpStatusCode.Created);
    }

    /// <summary>
    /// Positive control: the scanner finds the key in every encoding when SQLite itself stores it in a copy of
    /// the database (as a BLOB or as TEXT), so an empty scan means something.
    /// </summary>
    private static async Task AssertFoundWhenStoredAsync(PrivateKeyScanner scanner, string database, OpenedKey key)
    {
        var folder = Directory.CreateTempSubdirectory("keyward-scan-control-").FullName;
        try
        {
            var clean = Path.Combine(folder, "clean.db");
            File.Copy(database, clean);
            Assert.Empty(scanner.Find(await ReadDatabaseAsync(clean)));
            var encodings = PrivateKeyScanner.SampleEncodings(key.Pkcs8);
            for (var i = 0; i < encodings.Count; i++)
            {
                var (form, value) = encodings[i];
                var copy = Path.Combine(folder, $"control-{i}.db");
                File.Copy(database, copy);
                await using (var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = copy, Pooling = false }.ConnectionString))
                {
                    await connection.OpenAsync();
                    await using var command = connection.CreateCommand();
                    command.CommandText = "CREATE TABLE ScannerControl (Value); INSERT INTO ScannerControl VALUES ($value);";
                    command.Parameters.AddWithValue("$value", value);
                    await command.ExecuteNonQueryAsync();
                }

                Assert.True(scanner.Find(await ReadDatabaseAsync(copy)).Count > 0, $"The scanner missed the key stored as {form} in a copy of the database.");
            }
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    /// <summary>The database file and its write-ahead log, if one is left.</summary>
    private static async Task<byte[]> ReadDatabaseAsync(string path)
    {
        var bytes = await File.ReadAllBytesAsync(path);
        return File.Exists(path + "-wal") ? [.. bytes, .. await File.ReadAllBytesAsync(path + "-wal")] : bytes;
    }
}
