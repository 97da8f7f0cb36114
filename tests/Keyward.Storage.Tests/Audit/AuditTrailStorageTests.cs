using Keyward.Audit;
using Keyward.Common;
using Keyward.Recovery;
using Keyward.Storage.Tests.Infrastructure;
using Microsoft.Extensions.Time.Testing;

namespace Keyward.Storage.Tests.Audit;

/// <summary>The hash-chained audit trail as stored: fields round-trip, the chain verifies, and it stays linear.</summary>
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
    public async Task AppendAsync_TwoTrailsFromTheSameTail_SecondSaveConflictsAndWritesNothing()
    {
        var clock = new FakeTimeProvider(new DateTimeOffset(TestData.Instant));
        await AppendAndSaveAsync(clock, Entry("seed"));
        await using var first = NewScope();
        await using var second = NewScope();
        await new AuditTrail(StoreOf(first), clock).AppendAsync(Entry("first"), CancellationToken.None);
        await new AuditTrail(StoreOf(second), clock).AppendAsync(Entry("second"), CancellationToken.None);
        var changeOfTheLoser = TestData.Group("Audited by the loser");
        StoreOf(second).Add(changeOfTheLoser);

        await StoreOf(first).SaveChangesAsync(CancellationToken.None);
        await Assert.ThrowsAsync<ConcurrencyConflictException>(() => StoreOf(second).SaveChangesAsync(CancellationToken.None));

        var events = await ListAsync(s => s.AuditEvents.OrderBy(e => e.Sequence));
        Assert.Equal(["seed", "first"], events.Select(e => e.Action));
        AssertChainIntact(events);
        Assert.Null(await FindAsync(s => s.Groups.Where(g => g.Id == changeOfTheLoser.Id)));
    }

    [Fact]
    public async Task AppendAsync_AfterLosingARace_ChainsTheRefusalOntoTheStoredTail()
    {
        var clock = new FakeTimeProvider(new DateTimeOffset(TestData.Instant));
        await AppendAndSaveAsync(clock, Entry("seed"));
        await using var winner = NewScope();
        await using var loser = NewScope();
        var loserTrail = new AuditTrail(StoreOf(loser), clock);
        await new AuditTrail(StoreOf(winner), clock).AppendAsync(Entry("won"), CancellationToken.None);
        await loserTrail.AppendAsync(Entry("lost"), CancellationToken.None);
        await StoreOf(winner).SaveChangesAsync(CancellationToken.None);
        await Assert.ThrowsAsync<ConcurrencyConflictException>(() => StoreOf(loser).SaveChangesAsync(CancellationToken.None));

        // The loser records its refusal with the same trail: it must link to "won", not to its unsaved "lost".
        await loserTrail.AppendAsync(Entry("refused"), CancellationToken.None);
        await StoreOf(loser).SaveChangesAsync(CancellationToken.None);

        var events = await ListAsync(s => s.AuditEvents.OrderBy(e => e.Sequence));
        Assert.Equal(["seed", "won", "refused"], events.Select(e => e.Action));
        AssertChainIntact(events);
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

    private static void AssertChainIntact(List<AuditEvent> events)
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
