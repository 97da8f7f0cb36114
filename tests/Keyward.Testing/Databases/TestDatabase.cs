using Keyward.Storage;
using Microsoft.Extensions.DependencyInjection;

namespace Keyward.Testing.Databases;

/// <summary>Hands out new databases, one per test, on one provider. Thread-safe once initialised.</summary>
public interface ITestDatabaseSource
{
    DatabaseProvider Provider { get; }

    /// <summary>A new database without any schema, for tests of the migrations themselves.</summary>
    Task<TestDatabase> CreateEmptyDatabaseAsync(CancellationToken cancellationToken);

    /// <summary>
    /// A new database with the schema of every migration and no rows: a copy of a template that
    /// <see cref="StorageServiceCollectionExtensions.MigrateKeywardDatabaseAsync"/> migrated once per test run.
    /// </summary>
    Task<TestDatabase> CreateMigratedDatabaseAsync(CancellationToken cancellationToken);
}

/// <summary>
/// One database that belongs to one test, with the options and data folder that
/// <see cref="StorageServiceCollectionExtensions.AddKeywardStorage"/> takes. Disposing it removes the database
/// (or leaves it to the removal of the whole server or folder it lives in).
/// </summary>
public sealed class TestDatabase : IAsyncDisposable
{
    private readonly Func<ValueTask> _drop;

    public TestDatabase(StorageOptions options, string dataDirectory, Func<ValueTask> drop)
    {
        Options = options;
        DataDirectory = dataDirectory;
        _drop = drop;
    }

    public StorageOptions Options { get; }

    public string DataDirectory { get; }

    /// <summary>Applies every migration, through the same registration and call the server makes at start-up.</summary>
    public static async Task MigrateAsync(StorageOptions options, string dataDirectory, CancellationToken cancellationToken)
    {
        var services = new ServiceCollection().AddKeywardStorage(options, dataDirectory).BuildServiceProvider();
        await using (services)
        {
            await services.MigrateKeywardDatabaseAsync(cancellationToken);
        }
    }

    public ValueTask DisposeAsync() => _drop();
}
