using Microsoft.Data.Sqlite;

namespace Keyward.Storage.Tests.Infrastructure;

/// <summary>
/// SQLite databases, each in a data folder of its own under one temporary folder that disposing removes.
/// The connection string is left empty, so the storage layer's default (<c>keyward.db</c> in the data
/// folder) is what the tests exercise. Migrated databases are file copies of a template migrated once.
/// </summary>
public sealed class SqliteDatabases : ITestDatabaseSource, IAsyncLifetime
{
    private const string FileName = "keyward.db";
    private string? _root;

    public DatabaseProvider Provider => DatabaseProvider.Sqlite;

    private string Root => _root ?? throw new InvalidOperationException("The SQLite databases have not been initialised.");

    private string TemplateFolder => Path.Combine(Root, "template");

    public async Task InitializeAsync()
    {
        _root = Directory.CreateTempSubdirectory("keyward-sqlite-").FullName;
        var options = Options();
        Directory.CreateDirectory(TemplateFolder);
        await TestDatabase.MigrateAsync(options, TemplateFolder, CancellationToken.None);

        // Closing every connection checkpoints the write-ahead log into the file, so a plain copy is complete.
        ClearPool(TemplateFolder);
    }

    public Task DisposeAsync()
    {
        if (_root is not null)
        {
            SqliteConnection.ClearAllPools();
            Directory.Delete(_root, recursive: true);
        }

        return Task.CompletedTask;
    }

    public Task<TestDatabase> CreateEmptyDatabaseAsync(CancellationToken cancellationToken) => Task.FromResult(NewDatabase(copyTemplate: false));

    public Task<TestDatabase> CreateMigratedDatabaseAsync(CancellationToken cancellationToken) => Task.FromResult(NewDatabase(copyTemplate: true));

    private static StorageOptions Options() => new() { Provider = DatabaseProvider.Sqlite };

    private static void ClearPool(string folder)
    {
        using var connection = new SqliteConnection(StorageServiceCollectionExtensions.ConnectionStringFor(Options(), folder));
        SqliteConnection.ClearPool(connection);
    }

    private TestDatabase NewDatabase(bool copyTemplate)
    {
        var folder = Directory.CreateDirectory(Path.Combine(Root, Guid.NewGuid().ToString("N"))).FullName;
        if (copyTemplate)
        {
            File.Copy(Path.Combine(TemplateFolder, FileName), Path.Combine(folder, FileName));
        }

        return new TestDatabase(Options(), folder, () =>
        {
            ClearPool(folder);
            Directory.Delete(folder, recursive: true);
            return ValueTask.CompletedTask;
        });
    }
}
