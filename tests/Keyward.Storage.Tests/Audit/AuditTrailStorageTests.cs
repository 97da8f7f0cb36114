using Keyward.Audit;
using Keyward.Common;
using Keyward.Devices;
using Keyward.Recovery;
using Keyward.Storage.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace Keyward.Storage.Tests.Audit;

/// <summary>
/// The hash-chained audit trail as stored: fields round-trip, the chain verifies, and it stays linear when units
/// of work save at the same time — chained under the trail's lock, not colliding on the sequence number.
/// </summary>
public abstract class AuditTrailStorageTests(ITestDatabaseSource source) : StorageTestBase(source)
{
    [Fact]
    public async Task AppendAsync_AcrossUnitsOfWork_StoresAVerifiableChain()
    {
        var clock = new FakeTimeProvider(new DateTimeOffset(TestData.Instant));
        await AppendAndSaveAsync(
            clock,
            new AuditEntry("person-1", "alice", "recovery.approve", AuditOutcome.Succeeded, Channel.Web, "Approved request r-1.", SubjectId: "person-2", TargetId: "r-1"),
            new AuditEntry(null, "sync-client", "auth.sign_in", AuditOutcome.Refused, Channel.Api, "The client id or secret is not valid.", Code: "auth.invalid_client"));
        clock.Advance(TimeSpan.FromSeconds(90));
        await AppendAndSaveAsync(
            clock,
            new AuditEntry("person-1", "alice", "people.import", AuditOutcome.Failed, Channel.Cli, "Row 3: bad e-mail."));

        var events = await ListAsync(s => s.AuditEvents.OrderBy(e => e.Sequence));

        AssertChainIntact(events);
        Assert.Equal(
            [
                ("person-1", "alice", "recovery.approve", AuditOutcome.Succeeded, Channel.Web, "Approved request r-1.", "person-2", "r-1", null),
                (null, "sync-client", "auth.sign_in", AuditOutcome.Refused, Channel.Api, "The client id or secret is not valid.", null, null, "auth.invalid_client"),
                ("person-1", "alice", "people.import", AuditOutcome.Failed, Channel.Cli, "Row 3: bad e-mail.", null, null, (string?)null),
            ],
            events.Select(e => (e.ActorId, e.ActorName, e.Action, e.Outcome, e.Channel, e.Details, e.SubjectId, e.TargetId, e.Code)));
        AssertStored.Instant(TestData.Instant, events[0].At);
        AssertStored.Instant(TestData.Instant.AddSeconds(90), events[2].At);
    }

    [Fact]
    public async Task AppendAsync_ClockWithSubMicrosecondTicks_StoredChainStillVerifies()
    {
        // A real clock has 100 ns ticks; PostgreSQL keeps microseconds. The hash must cover what is stored.
        var clock = new FakeTimeProvider(new DateTimeOffset(TestData.Instant.AddTicks(7)));
        await AppendAndSaveAsync(clock, Entry("first"));
        clock.Advance(TimeSpan.FromTicks(1_234_567));
        await AppendAndSaveAsync(clock, Entry("second"), Entry("third"));

        var events = await ListAsync(s => s.AuditEvents.OrderBy(e => e.Sequence));

        Assert.Equal(3, events.Count);
        AssertChainIntact(events);
    }

    [Fact]
    public async Task SaveChangesAsync_TwoUnitsOfWorkFromTheSameTail_BothSaveChainedInTheOrderTheySaved()
    {
        var clock = new FakeTimeProvider(new DateTimeOffset(TestData.Instant));
        await AppendAndSaveAsync(clock, Entry("seed"));
        await using var first = NewScope();
        await using var second = NewScope();
        await new AuditTrail(StoreOf(first), clock).AppendAsync(Entry("staged first"), CancellationToken.None);
        await new AuditTrail(StoreOf(second), clock).AppendAsync(Entry("staged second"), CancellationToken.None);
        var changeOfTheSecond = TestData.Group("Audited by the second");
        StoreOf(second).Add(changeOfTheSecond);

        await StoreOf(second).SaveChangesAsync(CancellationToken.None);
        await StoreOf(first).SaveChangesAsync(CancellationToken.None);

        var events = await ListAsync(s => s.AuditEvents.OrderBy(e => e.Sequence));
        Assert.Equal(["seed", "staged second", "staged first"], events.Select(e => e.Action));
        AssertChainIntact(events);
        Assert.NotNull(await FindAsync(s => s.Groups.Where(g => g.Id == changeOfTheSecond.Id)));
    }

    [Fact]
    public async Task SaveChangesAsync_TwentyUnitsOfWorkAtOnce_AllSaveAsOneChainWithoutGaps()
    {
        const int units = 20;
        var clock = new FakeTimeProvider(new DateTimeOffset(TestData.Instant));
        var scopes = Enumerable.Range(0, units).Select(_ => NewScope()).ToList();
        try
        {
            // Each unit of work reads the trail and stages a business change and its entry before any saves.
            var groups = new List<string>();
            for (var i = 0; i < units; i++)
            {
                var store = StoreOf(scopes[i]);
                Assert.Equal(0, await store.CountAsync(store.AuditEvents, CancellationToken.None));
                var group = TestData.Group($"Unit {i}");
                groups.Add(group.Id);
                store.Add(group);
                await new AuditTrail(store, clock).AppendAsync(Entry($"unit {i}"), CancellationToken.None);
            }

            using var start = new ManualResetEventSlim();
            var saves = scopes.Select(scope => Task.Run(async () =>
            {
                start.Wait();
                await StoreOf(scope).SaveChangesAsync(CancellationToken.None);
            })).ToList();
            start.Set();
            await Task.WhenAll(saves);

            var events = await ListAsync(s => s.AuditEvents.OrderBy(e => e.Sequence));
            Assert.Equal(Enumerable.Range(1, units).Select(i => (long)i), events.Select(e => e.Sequence));
            AssertChainIntact(events);
            Assert.Equal(Enumerable.Range(0, units).Select(i => $"unit {i}").Order(), events.Select(e => e.Action).Order());
            Assert.Equal(units, (await ListAsync(s => s.Groups.Where(g => groups.Contains(g.Id)))).Count);
        }
        finally
        {
            foreach (var scope in scopes)
            {
                await scope.DisposeAsync();
            }
        }
    }

    [Fact]
    public async Task SaveChangesAsync_BusinessRowConflicts_RollsBackTheAuditEntryToo()
    {
        var clock = new FakeTimeProvider(new DateTimeOffset(TestData.Instant));
        var basics = await SeedBasicsAsync();
        var card = TestData.SmartCard(basics.Target, basics.Profile);
        await SaveAsync(card);
        await AppendAndSaveAsync(clock, Entry("seed"));
        await using var winner = NewScope();
        await using var loser = NewScope();
        var loserTrail = new AuditTrail(StoreOf(loser), clock);
        (await LoadDeviceAsync(winner, card.Id)).ChangeStatus(DeviceStatus.Lost);
        await new AuditTrail(StoreOf(winner), clock).AppendAsync(Entry("card lost"), CancellationToken.None);
        (await LoadDeviceAsync(loser, card.Id)).ChangeStatus(DeviceStatus.Cancelled);
        await loserTrail.AppendAsync(Entry("card cancelled"), CancellationToken.None);
        var alsoOfTheLoser = TestData.Group("Saved with the loser");
        StoreOf(loser).Add(alsoOfTheLoser);

        await StoreOf(winner).SaveChangesAsync(CancellationToken.None);
        await Assert.ThrowsAsync<ConcurrencyConflictException>(() => StoreOf(loser).SaveChangesAsync(CancellationToken.None));

        var events = await ListAsync(s => s.AuditEvents.OrderBy(e => e.Sequence));
        Assert.Equal(["seed", "card lost"], events.Select(e => e.Action));
        AssertChainIntact(events);
        Assert.Equal(DeviceStatus.Lost, (await FindAsync(s => s.Devices.Where(d => d.Id == card.Id)))?.Status);
        Assert.Null(await FindAsync(s => s.Groups.Where(g => g.Id == alsoOfTheLoser.Id)));

        // The loser records its refusal with the same trail and unit of work: it follows what is really stored.
        await loserTrail.AppendAsync(Entry("refused"), CancellationToken.None);
        await StoreOf(loser).SaveChangesAsync(CancellationToken.None);

        events = await ListAsync(s => s.AuditEvents.OrderBy(e => e.Sequence));
        Assert.Equal(["seed", "card lost", "refused"], events.Select(e => e.Action));
        AssertChainIntact(events);
    }

    [Fact]
    public async Task SaveChangesAsync_Cancelled_KeepsTheEntriesForTheNextSave()
    {
        var clock = new FakeTimeProvider(new DateTimeOffset(TestData.Instant));
        await AppendAndSaveAsync(clock, Entry("seed"));
        await using var scope = NewScope();
        var store = StoreOf(scope);
        var trail = new AuditTrail(store, clock);
        await trail.AppendAsync(Entry("first try"), CancellationToken.None);
        using var cancelled = new CancellationTokenSource();
        await cancelled.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => store.SaveChangesAsync(cancelled.Token));
        await AppendAndSaveAsync(clock, Entry("saved meanwhile"));
        await trail.AppendAsync(Entry("second"), CancellationToken.None);
        await store.SaveChangesAsync(CancellationToken.None);

        var events = await ListAsync(s => s.AuditEvents.OrderBy(e => e.Sequence));
        Assert.Equal(["seed", "saved meanwhile", "first try", "second"], events.Select(e => e.Action));
        AssertChainIntact(events);
    }

    [Fact]
    public async Task DiscardChanges_StagedEntry_IsNeverSaved()
    {
        var clock = new FakeTimeProvider(new DateTimeOffset(TestData.Instant));
        await using var scope = NewScope();
        var store = StoreOf(scope);
        var trail = new AuditTrail(store, clock);
        await trail.AppendAsync(Entry("discarded"), CancellationToken.None);
        store.DiscardChanges();
        await trail.AppendAsync(Entry("kept"), CancellationToken.None);
        await store.SaveChangesAsync(CancellationToken.None);

        var events = await ListAsync(s => s.AuditEvents.OrderBy(e => e.Sequence));
        Assert.Equal(["kept"], events.Select(e => e.Action));
        AssertChainIntact(events);
    }

    [Fact]
    public async Task SaveChangesAsync_WhileAnotherUnitOfWorkHoldsTheLockWithItsEntry_ChainsAfterThatEntryOnceItCommits()
    {
        var clock = new FakeTimeProvider(new DateTimeOffset(TestData.Instant));
        await AppendAndSaveAsync(clock, Entry("seed"));

        // The holder saves its entry inside a transaction it began itself, so it holds the trail's lock (and, on
        // SQLite, the write lock) with the entry written but not committed.
        await using var holder = NewScope();
        await new AuditTrail(StoreOf(holder), clock).AppendAsync(Entry("held"), CancellationToken.None);
        var holderDb = DbOf(holder);
        await using var transaction = Provider == DatabaseProvider.Sqlite
            ? await holderDb.Database.BeginTransactionAsync(System.Data.IsolationLevel.Serializable)
            : await holderDb.Database.BeginTransactionAsync();
        await Task.Run(() => StoreOf(holder).SaveChangesAsync(CancellationToken.None));

        await using var waiting = NewScope();
        await new AuditTrail(StoreOf(waiting), clock).AppendAsync(Entry("waited"), CancellationToken.None);
        var save = Task.Run(() => StoreOf(waiting).SaveChangesAsync(CancellationToken.None));
        await Task.Delay(TimeSpan.FromMilliseconds(750));
        Assert.False(save.IsCompleted, "The save did not wait for the trail's lock.");
        await transaction.CommitAsync();
        await save;

        // The waiting save read the tail only once it had the lock: after the holder's entry, not beside it.
        var events = await ListAsync(s => s.AuditEvents.OrderBy(e => e.Sequence));
        Assert.Equal(["seed", "held", "waited"], events.Select(e => e.Action));
        AssertChainIntact(events);
    }

    private static async Task<Device> LoadDeviceAsync(AsyncServiceScope scope, string id)
    {
        var store = StoreOf(scope);
        var device = await store.FirstOrDefaultAsync(store.Devices.Where(d => d.Id == id), CancellationToken.None);
        Assert.NotNull(device);
        return device;
    }

    private static AuditEntry Entry(string action) => new("person-1", "alice", action, AuditOutcome.Succeeded, Channel.Web, $"Did {action}.");

    private async Task AppendAndSaveAsync(TimeProvider clock, params AuditEntry[] entries)
    {
        await using var scope = NewScope();
        var store = StoreOf(scope);
        var trail = new AuditTrail(store, clock);
        foreach (var entry in entries)
        {
            await trail.AppendAsync(entry, CancellationToken.None);
        }

        await store.SaveChangesAsync(CancellationToken.None);
    }

    internal static void AssertChainIntact(List<AuditEvent> events)
    {
        var previous = AuditEvent.GenesisHash;
        for (var i = 0; i < events.Count; i++)
        {
            Assert.Equal(i + 1, events[i].Sequence);
            Assert.Equal(previous, events[i].PreviousHash);
            Assert.Equal(events[i].Hash, events[i].ComputeHash());
            previous = events[i].Hash;
        }
    }
}

[Collection(OnSqlite.Name)]
public sealed class SqliteAuditTrailStorageTests(SqliteDatabases databases) : AuditTrailStorageTests(databases);

[Collection(OnPostgres.Name)]
public sealed class PostgresAuditTrailStorageTests(PostgresServer server) : AuditTrailStorageTests(server);

/// <summary>
/// The trail's lock as another database client sees it: a unit of work that appends to the trail waits while
/// someone else holds the lock, then chains after what was committed meanwhile.
/// </summary>
public abstract class AuditTrailLockTests(ITestDatabaseSource source) : StorageTestBase(source)
{
    /// <summary>The advisory lock key documented in docs/audit.md ("KWAUDIT1").</summary>
    private const long PostgresLockKey = 0x4B57_4155_4449_5431;

    [Fact]
    public async Task SaveChangesAsync_WhileAnotherClientHoldsTheLock_WaitsForItAndChainsAfterward()
    {
        var clock = new FakeTimeProvider(new DateTimeOffset(TestData.Instant));
        string connectionString;
        await using (var probe = NewScope())
        {
            connectionString = DbOf(probe).Database.GetConnectionString()!;
        }

        await using var other = await HoldLockAsync(connectionString);
        await using var scope = NewScope();
        var store = StoreOf(scope);
        await new AuditTrail(store, clock).AppendAsync(new AuditEntry(null, "keyward", "waited", AuditOutcome.Succeeded, Channel.System, "Waited."), CancellationToken.None);
        var group = TestData.Group("Written while the lock was held");

        // Microsoft.Data.Sqlite runs "async" calls synchronously (waiting included): save on another thread.
        var save = Task.Run(() => store.SaveChangesAsync(CancellationToken.None));
        await Task.Delay(TimeSpan.FromMilliseconds(750));
        Assert.False(save.IsCompleted, "The save did not wait for the trail's lock.");
        await other.WriteAndReleaseAsync(group);
        await save;

        var events = await ListAsync(s => s.AuditEvents.OrderBy(e => e.Sequence));
        Assert.Equal(["waited"], events.Select(e => e.Action));
        Assert.NotNull(await FindAsync(s => s.Groups.Where(g => g.Id == group.Id)));
    }

    private async Task<LockHolder> HoldLockAsync(string connectionString)
    {
        if (Provider == DatabaseProvider.Sqlite)
        {
            var sqlite = new Microsoft.Data.Sqlite.SqliteConnection(connectionString);
            await sqlite.OpenAsync();
            return new LockHolder(sqlite, await Task.Run(() => sqlite.BeginTransaction(System.Data.IsolationLevel.Serializable, deferred: false)));
        }

        var postgres = new Npgsql.NpgsqlConnection(connectionString);
        await postgres.OpenAsync();
        var transaction = await postgres.BeginTransactionAsync();
        await using var command = postgres.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = $"SELECT pg_advisory_xact_lock({PostgresLockKey})";
        await command.ExecuteNonQueryAsync();
        return new LockHolder(postgres, transaction);
    }

    /// <summary>Another client in a transaction that holds the lock; it writes a group, then commits.</summary>
    private sealed class LockHolder(System.Data.Common.DbConnection connection, System.Data.Common.DbTransaction transaction) : IAsyncDisposable
    {
        public async Task WriteAndReleaseAsync(Keyward.People.Group group)
        {
            await using var command = connection.CreateCommand();
            command.Transaction = transaction;
            command.CommandText = "INSERT INTO \"Groups\" (\"Id\", \"Name\", \"ParentId\", \"Path\") VALUES (@id, @name, NULL, @name)";
            Add(command, "id", group.Id);
            Add(command, "name", group.Name);
            await command.ExecuteNonQueryAsync();
            await transaction.CommitAsync();
        }

        public async ValueTask DisposeAsync()
        {
            await transaction.DisposeAsync();
            await connection.DisposeAsync();
        }

        private static void Add(System.Data.Common.DbCommand command, string name, object value)
        {
            var parameter = command.CreateParameter();
            parameter.ParameterName = name;
            parameter.Value = value;
            command.Parameters.Add(parameter);
        }
    }
}

[Collection(OnSqlite.Name)]
public sealed class SqliteAuditTrailLockTests(SqliteDatabases databases) : AuditTrailLockTests(databases);

[Collection(OnPostgres.Name)]
public sealed class PostgresAuditTrailLockTests(PostgresServer server) : AuditTrailLockTests(server);
