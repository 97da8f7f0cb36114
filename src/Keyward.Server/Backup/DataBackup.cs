using System.IO.Compression;
using System.Text.Json;
using Keyward.Crypto.Backup;
using Keyward.Server.Hosting;
using Keyward.Storage;
using Microsoft.Data.Sqlite;

namespace Keyward.Server.Backup;

/// <summary>
/// Backs up and restores a Keyward data folder (docs/operations.md#backing-up): a consistent snapshot of the
/// database taken while the server runs — SQLite's online backup API — with the key store and the token keys, in one
/// file encrypted under a backup passphrase of its own (<see cref="BackupCipher"/>).
/// </summary>
/// <remarks>
/// The key store stays encrypted under its own passphrase inside the backup: restoring needs both. The demo's
/// generated passphrase file travels with it, so a restored demo starts as it was. The mail pickup folder is not
/// backed up (delivered or not, its messages are on record in the database). PostgreSQL deployments back up the
/// database with <c>pg_dump</c> (docs/operations.md): this takes the data folder's files only and says so.
/// </remarks>
public static class DataBackup
{
    /// <summary>The database file in a backup.</summary>
    public const string DatabaseEntry = "keyward.db";

    private const string ManifestEntry = "manifest.json";

    /// <summary>The data folder's files a backup carries beside the database (those present).</summary>
    private static readonly string[] KeyFiles = ["keystore.json", "token-keys.json", "demo-keystore-passphrase.txt"];

    /// <summary>What a backup holds.</summary>
    /// <param name="Format">The format version.</param>
    /// <param name="CreatedAt">When it was taken (UTC).</param>
    /// <param name="Provider">The database provider of the data folder it was taken from.</param>
    /// <param name="Files">The files it holds.</param>
    public sealed record Manifest(int Format, DateTime CreatedAt, string Provider, IReadOnlyList<string> Files);

    /// <summary>
    /// Writes a backup of <paramref name="options"/>' data folder to <paramref name="target"/> (a new file, readable by
    /// its owner only). Safe while the server runs: SQLite's backup API copies a consistent snapshot.
    /// </summary>
    /// <returns>What the backup holds.</returns>
    public static Manifest Create(KeywardServerOptions options, string target, string passphrase, TimeProvider clock)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(clock);
        var data = Path.GetFullPath(options.DataDirectory);
        if (!Directory.Exists(data))
        {
            throw new IOException($"the data folder {data} does not exist");
        }

        if (File.Exists(target))
        {
            throw new IOException($"{target} already exists; a backup never replaces a file");
        }

        var scratch = Directory.CreateTempSubdirectory("keyward-backup-");
        try
        {
            var files = new List<string>();
            var snapshot = Path.Combine(scratch.FullName, DatabaseEntry);
            if (options.Database.Provider == DatabaseProvider.Sqlite)
            {
                Snapshot(StorageServiceCollectionExtensions.ConnectionStringFor(options.Database, data), snapshot);
                files.Add(DatabaseEntry);
            }

            files.AddRange(KeyFiles.Where(f => File.Exists(Path.Combine(data, f))));
            var manifest = new Manifest(1, clock.GetUtcNow().UtcDateTime, options.Database.Provider.ToString(), files);
            var archive = Path.Combine(scratch.FullName, "backup.zip");
            using (var zip = ZipFile.Open(archive, ZipArchiveMode.Create))
            {
                foreach (var file in files)
                {
                    zip.CreateEntryFromFile(file == DatabaseEntry ? snapshot : Path.Combine(data, file), file, CompressionLevel.Optimal);
                }

                using var entry = zip.CreateEntry(ManifestEntry).Open();
                JsonSerializer.Serialize(entry, manifest, JsonSerializerOptions.Web);
            }

            using (var plain = File.OpenRead(archive))
            using (var output = new FileStream(target, DataFolder.NewFile()))
            {
                BackupCipher.Encrypt(plain, output, passphrase);
                output.Flush(flushToDisk: true);
            }

            return manifest;
        }
        finally
        {
            SqliteConnection.ClearAllPools();
            scratch.Delete(recursive: true);
        }
    }

    /// <summary>
    /// Rebuilds a data folder from <paramref name="backup"/> into <paramref name="data"/>, which must not exist or be
    /// empty. Nothing is written there unless the whole backup opens and verifies.
    /// </summary>
    /// <returns>What the backup held.</returns>
    /// <exception cref="BackupUnreadableException">The passphrase is wrong, or the file is not a backup or was altered.</exception>
    public static Manifest Restore(string backup, string data, string passphrase)
    {
        var folder = Path.GetFullPath(data);
        if (Directory.Exists(folder) && Directory.EnumerateFileSystemEntries(folder).Any())
        {
            throw new IOException($"{folder} is not empty: a restore writes into a new or empty folder only");
        }

        var scratch = Directory.CreateTempSubdirectory("keyward-restore-");
        try
        {
            var archive = Path.Combine(scratch.FullName, "backup.zip");
            using (var input = File.OpenRead(backup))
            using (var plain = new FileStream(archive, DataFolder.NewFile()))
            {
                BackupCipher.Decrypt(input, plain, passphrase);
            }

            Manifest manifest;
            using (var zip = ZipFile.OpenRead(archive))
            {
                using (var entry = (zip.GetEntry(ManifestEntry) ?? throw new BackupUnreadableException("The backup holds no manifest.")).Open())
                {
                    manifest = JsonSerializer.Deserialize<Manifest>(entry, JsonSerializerOptions.Web) ?? throw new BackupUnreadableException("The backup's manifest is empty.");
                }

                if (manifest.Files.Any(f => f.Contains('/', StringComparison.Ordinal) || f.Contains('\\', StringComparison.Ordinal) || f.StartsWith('.')))
                {
                    throw new BackupUnreadableException("The backup's manifest names a file outside the data folder.");
                }

                DataFolder.Create(folder);
                foreach (var file in manifest.Files)
                {
                    var entry = zip.GetEntry(file) ?? throw new BackupUnreadableException($"The backup's manifest names {file}, which it does not hold.");
                    using var source = entry.Open();
                    using var target = new FileStream(Path.Combine(folder, file), DataFolder.NewFile());
                    source.CopyTo(target);
                    target.Flush(flushToDisk: true);
                }
            }

            return manifest;
        }
        finally
        {
            scratch.Delete(recursive: true);
        }
    }

    /// <summary>Copies the live SQLite database into <paramref name="target"/> with SQLite's online backup API.</summary>
    private static void Snapshot(string connectionString, string target)
    {
        // Not read-only: a reader of a WAL database takes part in its shared memory. The backup API only reads.
        using var from = new SqliteConnection(new SqliteConnectionStringBuilder(connectionString) { Pooling = false }.ToString());
        using var to = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = target, Pooling = false }.ToString());
        from.Open();
        to.Open();
        from.BackupDatabase(to);
    }
}
