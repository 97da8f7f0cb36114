using Keyward.Audit;
using Keyward.Recovery;
using Keyward.Storage.Tests.Infrastructure;
using Microsoft.Extensions.Time.Testing;

namespace Keyward.Storage.Tests.Recovery;

/// <summary>Request expiry on a real database: its queries run in SQL, and two processes expiring at once expire each request once.</summary>
public abstract class RequestExpiryStorageTests(ITestDatabaseSource source) : StorageTestBase(source)
{
    private static readonly DateTime T0 = TestData.Instant;

    [Fact]
    public async Task ExpireDueAsync_OnTheDatabase_ExpiresOnlyDueOutstandingRequestsWithAuditAndNotice()
    {
        var basics = await SeedBasicsAsync();
        var due = TestData.Request(basics, approvalsRequired: 1, "cert-1");
        var approvedDue = TestData.Request(basics, approvalsRequired: 1, "cert-2");
        Assert.True(approvedDue.Approve(basics.Approver.Id, null, T0, Channel.Web).IsSuccess);
        var collecting = TestData.Request(basics, approvalsRequired: 0, "cert-3");
        Assert.True(collecting.BeginCollection(basics.Requester.Id, "lease-1", T0, Channel.Cli).IsSuccess);
        await SaveAsync(due, approvedDue, collecting);

        // A week and a day later: the week-long requests are due, except the one being collected.
        var expired = await ReadAsync(store => Expiry(store, T0.AddDays(8)).ExpireDueAsync(1, CancellationToken.None));

        Assert.Equal(2, expired);
        var requests = await ListAsync(s => s.Requests.OrderBy(r => r.Id));
        Assert.Equal(RequestStatus.Cancelled, requests.Single(r => r.Id == due.Id).Status);
        Assert.Equal(RequestStatus.Cancelled, requests.Single(r => r.Id == approvedDue.Id).Status);
        Assert.Equal(RequestStatus.InProgress, requests.Single(r => r.Id == collecting.Id).Status);
        Assert.Equal("Expired", requests.Single(r => r.Id == due.Id).History.MaxBy(h => h.Sequence)!.Action);
        var audit = await ListAsync(s => s.AuditEvents.Where(e => e.Action == RequestExpiry.Action).OrderBy(e => e.Sequence));
        Assert.Equal(new[] { due.Id, approvedDue.Id }.Order(), audit.Select(e => e.TargetId!).Order());
        Assert.All(audit, e => Assert.Equal((null, "keyward", Channel.System, basics.Target.Id), (e.ActorId, e.ActorName, e.Channel, e.SubjectId)));
        var notices = await ListAsync(s => s.Notifications);
        Assert.Equal(2, notices.Count);
        Assert.All(notices, n => Assert.Equal((basics.Target.Id, basics.Target.Email), (n.PersonId, n.To)));
    }

    [Fact]
    public async Task ExpireDueAsync_TwoProcessesAtOnce_EachRequestExpiresOnceAndTheChainStaysLinear()
    {
        const int count = 24;
        var basics = await SeedBasicsAsync();
        var requests = Enumerable.Range(0, count).Select(i => TestData.Request(basics, approvalsRequired: 1, $"cert-{i}")).ToArray();
        await SaveAsync(requests);
        var now = T0.AddDays(8);

        // Two servers' expiry runs overlap; each skips what the other changed first. A later run picks up the rest.
        var runs = await Task.WhenAll(
            Task.Run(() => ReadAsync(store => Expiry(store, now).ExpireDueAsync(5, CancellationToken.None))),
            Task.Run(() => ReadAsync(store => Expiry(store, now).ExpireDueAsync(5, CancellationToken.None))));
        var later = await ReadAsync(store => Expiry(store, now).ExpireDueAsync(5, CancellationToken.None));

        Assert.Equal(count, runs.Sum() + later);
        var stored = await ListAsync(s => s.Requests);
        Assert.All(stored, r =>
        {
            Assert.Equal(RequestStatus.Cancelled, r.Status);
            Assert.Single(r.History, h => h.Action == "Expired");
        });
        var audit = await ListAsync(s => s.AuditEvents.OrderBy(e => e.Sequence));
        Assert.Equal(Enumerable.Range(1, count).Select(i => (long)i), audit.Select(e => e.Sequence));
        Assert.Equal(requests.Select(r => r.Id).Order(), audit.Select(e => e.TargetId!).Order());
        for (var i = 0; i < audit.Count; i++)
        {
            Assert.Equal(audit[i].ComputeHash(), audit[i].Hash);
            Assert.Equal(i == 0 ? AuditEvent.GenesisHash : audit[i - 1].Hash, audit[i].PreviousHash);
        }

        Assert.Equal(count, (await ListAsync(s => s.Notifications)).Count);
    }

    private static RequestExpiry Expiry(Keyward.Common.IKeywardStore store, DateTime now)
    {
        var clock = new FakeTimeProvider(new DateTimeOffset(now));
        return new RequestExpiry(store, new AuditTrail(store, clock), clock);
    }
}

[Collection(OnSqlite.Name)]
public sealed class SqliteRequestExpiryStorageTests(SqliteDatabases databases) : RequestExpiryStorageTests(databases);

[Collection(OnPostgres.Name)]
public sealed class PostgresRequestExpiryStorageTests(PostgresServer server) : RequestExpiryStorageTests(server);
