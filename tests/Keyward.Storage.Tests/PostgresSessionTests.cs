using Keyward.Storage.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace Keyward.Storage.Tests;

/// <summary>What Keyward's PostgreSQL sessions get beyond the configured connection string (docs/architecture.md, "Storage").</summary>
[Collection(OnPostgres.Name)]
public sealed class PostgresSessionTests(PostgresServer server) : StorageTestBase(server)
{
    [Fact]
    public async Task RepeatedStatement_IsPreparedOnItsConnection()
    {
        await using var scope = NewScope();
        var db = DbOf(scope);
        await db.Database.OpenConnectionAsync();

        // The statement a request runs first, as often as a busy connection runs it in a moment.
        for (var i = 0; i < 10; i++)
        {
            await StoreOf(scope).AccessEpochAsync(CancellationToken.None);
        }

        var prepared = await db.Database
            .SqlQueryRaw<string>("""SELECT "statement" AS "Value" FROM "pg_prepared_statements" """)
            .ToListAsync();
        Assert.Contains(prepared, statement => statement.Contains("\"AccessEpochs\"", StringComparison.Ordinal));
    }

    [Fact]
    public void PostgresConnectionString_NothingSet_PreparesAndPlansWithoutParallelWorkers()
    {
        var session = new NpgsqlConnectionStringBuilder(StorageServiceCollectionExtensions.PostgresConnectionString("Host=db;Database=keyward"));

        Assert.Equal(StorageServiceCollectionExtensions.PreparedStatementsPerConnection, session.MaxAutoPrepare);
        Assert.Equal("-c max_parallel_workers_per_gather=0", session.Options);
        Assert.Equal("db", session.Host);
    }

    [Theory]
    [InlineData("Host=db;Max Auto Prepare=0")]
    [InlineData("Host=db;MaxAutoPrepare=0")]
    [InlineData("Host=db;max auto prepare=0")]
    public void PostgresConnectionString_PreparationSetToNone_KeepsIt(string configured)
    {
        var session = new NpgsqlConnectionStringBuilder(StorageServiceCollectionExtensions.PostgresConnectionString(configured));

        Assert.Equal(0, session.MaxAutoPrepare);
    }

    [Fact]
    public void PostgresConnectionString_ParallelWorkersSet_KeepsThemAndAddsTheRest()
    {
        var session = new NpgsqlConnectionStringBuilder(
            StorageServiceCollectionExtensions.PostgresConnectionString("Host=db;Options=-c max_parallel_workers_per_gather=2 -c work_mem=8MB"));

        Assert.Equal("-c max_parallel_workers_per_gather=2 -c work_mem=8MB", session.Options);
        Assert.Equal(StorageServiceCollectionExtensions.PreparedStatementsPerConnection, session.MaxAutoPrepare);
    }
}
