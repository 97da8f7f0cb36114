using Keyward.Common;
using Microsoft.Extensions.DependencyInjection;

namespace Keyward.Storage.Tests.Infrastructure;

/// <summary>
/// Base of every storage test: a new database per test on the provider of <see cref="ITestDatabaseSource"/>,
/// with the schema of the real migrations, and the storage layer registered exactly as the server registers it.
/// Each scope is a new unit of work (a new DbContext), so a read in a new scope comes from the database.
/// </summary>
public abstract class StorageTestBase : IAsyncLifetime
{
    private readonly ITestDatabaseSource _source;
    private TestDatabase? _database;
    private ServiceProvider? _services;

    protected StorageTestBase(ITestDatabaseSource source)
    {
        ArgumentNullException.ThrowIfNull(source);
        _source = source;
    }

    protected DatabaseProvider Provider => _source.Provider;

    /// <summary>
    /// Whether the test starts on a database with the migrated schema (the default) or on an empty one
    /// (the migration tests).
    /// </summary>
    protected virtual bool StartWithSchema => true;

    protected IServiceProvider Services => _services ?? throw new InvalidOperationException("The test has not been initialised.");

    public async Task InitializeAsync()
    {
        _database = StartWithSchema
            ? await _source.CreateMigratedDatabaseAsync(CancellationToken.None)
            : await _source.CreateEmptyDatabaseAsync(CancellationToken.None);
        var services = new ServiceCollection();
        services.AddKeywardStorage(_database.Options, _database.DataDirectory);
        _services = services.BuildServiceProvider(new ServiceProviderOptions { ValidateScopes = true, ValidateOnBuild = true });
    }

    public async Task DisposeAsync()
    {
        if (_services is not null)
        {
            await _services.DisposeAsync();
        }

        if (_database is not null)
        {
            await _database.DisposeAsync();
        }
    }

    /// <summary>A new unit of work; dispose it.</summary>
    protected AsyncServiceScope NewScope() => Services.CreateAsyncScope();

    protected static IKeywardStore StoreOf(AsyncServiceScope scope) => scope.ServiceProvider.GetRequiredService<IKeywardStore>();

    protected static KeywardDbContext DbOf(AsyncServiceScope scope) => scope.ServiceProvider.GetRequiredService<KeywardDbContext>();

    /// <summary>Adds the entities in a unit of work of their own and saves it.</summary>
    protected async Task SaveAsync(params object[] entities)
    {
        await using var scope = NewScope();
        var store = StoreOf(scope);
        foreach (var entity in entities)
        {
            store.Add(entity);
        }

        await store.SaveChangesAsync(CancellationToken.None);
    }

    /// <summary>Runs a query in a unit of work of its own.</summary>
    protected async Task<T> ReadAsync<T>(Func<IKeywardStore, Task<T>> read)
    {
        ArgumentNullException.ThrowIfNull(read);
        await using var scope = NewScope();
        return await read(StoreOf(scope));
    }

    /// <summary>The first row of a query, read in a unit of work of its own.</summary>
    protected Task<T?> FindAsync<T>(Func<IKeywardStore, IQueryable<T>> query) =>
        ReadAsync(store => store.FirstOrDefaultAsync(query(store), CancellationToken.None));

    /// <summary>Every row of a query, read in a unit of work of its own.</summary>
    protected Task<List<T>> ListAsync<T>(Func<IKeywardStore, IQueryable<T>> query) =>
        ReadAsync(store => store.ToListAsync(query(store), CancellationToken.None));

    /// <summary>Seeds a group, a role, the people a request involves, a profile and a certificate policy.</summary>
    protected async Task<Basics> SeedBasicsAsync()
    {
        var basics = Basics.Create();
        await SaveAsync(basics.Group, basics.Role, basics.Target, basics.Requester, basics.Approver, basics.SecondApprover, basics.Profile, basics.Policy);
        return basics;
    }
}
