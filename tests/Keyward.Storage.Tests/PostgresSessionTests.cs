using Keyward.Audit;
using Keyward.Common;
using Keyward.Recovery;
using Keyward.Storage.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Time.Testing;
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

        Assert.NotEmpty(await PreparedPlans.ReadAsync(db, "\"AccessEpochs\""));
    }

    [Fact]
    public async Task CappedCount_IsPreparedWithItsLimitInTheStatement()
    {
        await using var scope = NewScope();
        var db = DbOf(scope);
        var store = StoreOf(scope);
        await db.Database.OpenConnectionAsync();

        // A list's capped count, as often as a busy connection runs it: prepared, its limit is part of the plan.
        for (var i = 0; i < 10; i++)
        {
            await store.CountAtMostAsync(store.People.Where(p => p.Enabled), Paging.CountLimit + 1, CancellationToken.None);
        }

        var count = Assert.Single(await PreparedPlans.ReadAsync(db, "count(*)"), p => p.Statement.Contains("\"People\"", StringComparison.Ordinal));
        Assert.Contains($"LIMIT {Paging.CountLimit + 1}", count.Statement, StringComparison.Ordinal);
    }

    [Fact]
    public async Task PlanOnce_RepeatedStatementInItsScope_IsPlannedForAnyValue_AndTheSessionIsLeftAsItWas()
    {
        await using var scope = NewScope();
        var db = DbOf(scope);
        var store = StoreOf(scope);
        await db.Database.OpenConnectionAsync();

        // The same statement with a different value each time, as often as a busy connection runs it: in a scope of
        // its own each time, then (as a second statement, told apart by its column) outside any.
        for (var i = 0; i < 10; i++)
        {
            var prefix = $"person-{i}";
            await using (await store.PlanOnceAsync(CancellationToken.None))
            {
                await store.ToListAsync(store.People.Where(p => string.Compare(p.LogonName, prefix) >= 0).Select(p => p.Id), CancellationToken.None);
            }

            await store.ToListAsync(store.People.Where(p => string.Compare(p.LogonName, prefix) >= 0).Select(p => p.Name), CancellationToken.None);
        }

        var plans = await PreparedPlans.ReadAsync(db, "\"LogonName\" >= $1");
        var inScope = Assert.Single(plans, p => p.Statement.Contains("SELECT p.\"Id\"", StringComparison.Ordinal));
        var outside = Assert.Single(plans, p => p.Statement.Contains("SELECT p.\"Name\"", StringComparison.Ordinal));

        // Prepared after a few runs, each statement ran prepared several times: in the scope always on the plan made for
        // any value; outside it on plans made for each value, which PostgreSQL always makes first.
        Assert.True(inScope.Generic > 0 && inScope.Custom == 0, $"{inScope}");
        Assert.True(outside.Custom > 0, $"{outside}");

        // The setting and the transaction ended with the scope: the connection goes back to its pool as it came.
        var session = await db.Database
            .SqlQueryRaw<string>("""SELECT current_setting('plan_cache_mode') || ' ' || current_setting('transaction_read_only') AS "Value" """)
            .SingleAsync();
        Assert.Equal("auto off", session);
        Assert.Null(db.Database.CurrentTransaction);
    }

    [Fact]
    public async Task PlanOnce_SaveInItsScope_IsRefusedAndWritesNothing()
    {
        await using (var scope = NewScope())
        {
            var store = StoreOf(scope);
            await using (await store.PlanOnceAsync(CancellationToken.None))
            {
                store.Add(TestData.Group("Written in a read-only scope"));
                var refused = await Assert.ThrowsAsync<DbUpdateException>(() => store.SaveChangesAsync(CancellationToken.None));
                Assert.Equal(PostgresErrorCodes.ReadOnlySqlTransaction, Assert.IsType<PostgresException>(refused.InnerException).SqlState);
            }
        }

        Assert.Null(await FindAsync(store => store.Groups.Where(g => g.Name == "Written in a read-only scope")));
    }

    [Fact]
    public void PostgresConnectionString_NothingSet_PreparesAndPlansWithoutParallelWorkers()
    {
        var session = new NpgsqlConnectionStringBuilder(StorageServiceCollectionExtensions.PostgresConnectionString("Host=db;Database=keyward"));

        Assert.Equal(StorageServiceCollectionExtensions.PreparedStatementsPerConnection, session.MaxAutoPrepare);
        Assert.Equal("-c max_parallel_workers_per_gather=0", session.Options);
        Assert.True(session.NoResetOnClose);
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

    [Theory]
    [InlineData("Host=db;No Reset On Close=false")]
    [InlineData("Host=db;noresetonclose=false")]
    public void PostgresConnectionString_ResetSetToHappen_KeepsIt(string configured)
    {
        var session = new NpgsqlConnectionStringBuilder(StorageServiceCollectionExtensions.PostgresConnectionString(configured));

        Assert.False(session.NoResetOnClose);
    }

    [Fact]
    public async Task ConnectionBackInThePoolWithoutReset_AfterAnAuditedSave_HoldsNoLockAndNoTransaction()
    {
        // Every audited save takes the audit trail's lock; the connection then goes back to the pool with no reset.
        var clock = new FakeTimeProvider(new DateTimeOffset(TestData.Instant));
        int session;
        string connectionString;
        await using (var saving = NewScope())
        {
            await new AuditTrail(StoreOf(saving), clock).AppendAsync(
                new AuditEntry("person-1", "alice", "recovery.approve", AuditOutcome.Succeeded, Channel.Api, "Approved request r-1."), CancellationToken.None);
            StoreOf(saving).Add(TestData.Group("Saved under the trail's lock"));
            await StoreOf(saving).SaveChangesAsync(CancellationToken.None);
            session = await DbOf(saving).Database.SqlQueryRaw<int>("""SELECT pg_backend_pid() AS "Value" """).SingleAsync();
            connectionString = DbOf(saving).Database.GetConnectionString()!;
            Assert.True(new NpgsqlConnectionStringBuilder(connectionString).NoResetOnClose);
        }

        // That session, idle in the pool as the unit of work left it, seen from a session of its own outside the pool.
        await using var looking = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(connectionString) { Pooling = false }.ConnectionString);
        await looking.OpenAsync();
        await using var query = new NpgsqlCommand(
            """
            SELECT (SELECT count(*) FROM "pg_locks" WHERE "locktype" = 'advisory' AND "pid" = $1)::text || ' ' ||
                   coalesce((SELECT "state" FROM "pg_stat_activity" WHERE "pid" = $1), 'gone')
            """,
            looking);
        query.Parameters.Add(new NpgsqlParameter { Value = session });
        var state = (string?)await query.ExecuteScalarAsync();

        Assert.Equal("0 idle", state);
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
