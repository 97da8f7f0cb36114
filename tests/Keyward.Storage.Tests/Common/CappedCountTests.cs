using Keyward.Common;
using Keyward.Storage.Tests.Infrastructure;

namespace Keyward.Storage.Tests.Common;

/// <summary>
/// <see cref="IKeywardStore.CountAtMostAsync{T}"/>: the capped count of a large list (<see cref="Paging.CountCappedAsync{T}"/>)
/// counts in the database and stops at its limit.
/// </summary>
public abstract class CappedCountTests(ITestDatabaseSource source) : StorageTestBase(source)
{
    [Fact]
    public async Task CountAtMost_BelowAtAndAboveTheLimit_CountsUpToTheLimit()
    {
        var parent = TestData.Group("Counted");
        var groups = Enumerable.Range(0, 5).Select(i => TestData.Group($"Counted {i}", parent)).ToList();
        await SaveAsync([parent, .. groups]);

        await using var scope = NewScope();
        var store = StoreOf(scope);
        var counted = store.Groups.Where(g => g.ParentId == parent.Id);

        Assert.Equal(5, await store.CountAtMostAsync(counted, 6, CancellationToken.None));
        Assert.Equal(5, await store.CountAtMostAsync(counted, 5, CancellationToken.None));
        Assert.Equal(3, await store.CountAtMostAsync(counted, 3, CancellationToken.None));
        Assert.Equal(0, await store.CountAtMostAsync(counted.Where(g => g.Name == "nobody"), 3, CancellationToken.None));
    }
}

[Collection(OnSqlite.Name)]
public sealed class SqliteCappedCountTests(SqliteDatabases databases) : CappedCountTests(databases);

[Collection(OnPostgres.Name)]
public sealed class PostgresCappedCountTests(PostgresServer server) : CappedCountTests(server);
