using Keyward.Common;
using Keyward.Recovery;
using Keyward.Storage.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace Keyward.Storage.Tests.Recovery;

/// <summary>Recovery requests with their certificates, approvals and history, and their concurrency token.</summary>
public abstract class RecoveryRequestStorageTests(ITestDatabaseSource source) : StorageTestBase(source)
{
    private static readonly DateTime T0 = TestData.Instant;

    [Fact]
    public async Task RecoveryRequest_ThroughItsLifecycle_RoundTripsCertificatesApprovalsAndHistory()
    {
        var basics = await SeedBasicsAsync();
        var request = TestData.Request(basics, approvalsRequired: 2, "cert-1", "cert-2");
        await SaveAsync(request);
        var collector = basics.Approver.Id;

        await using (var scope = NewScope())
        {
            var loaded = await LoadAsync(scope, request.Id);
            Assert.True(loaded.Approve(basics.Approver.Id, "Checked with the manager.", T0.AddMinutes(1), Channel.Api).IsSuccess);
            await StoreOf(scope).SaveChangesAsync(CancellationToken.None);
        }

        await using (var scope = NewScope())
        {
            var loaded = await LoadAsync(scope, request.Id);
            Assert.True(loaded.Approve(basics.SecondApprover.Id, null, T0.AddMinutes(2), Channel.Web).IsSuccess);
            Assert.True(loaded.BeginCollection(collector, "lease-1", T0.AddMinutes(3), Channel.Cli).IsSuccess);
            Assert.True(loaded.Fail(collector, "Card removed.", T0.AddMinutes(4), Channel.Cli).IsSuccess);
            Assert.True(loaded.BeginCollection(collector, "lease-1", T0.AddMinutes(5), Channel.Cli).IsSuccess);
            Assert.True(loaded.Complete(collector, "device-1", T0.AddMinutes(6), Channel.Cli).IsSuccess);
            await StoreOf(scope).SaveChangesAsync(CancellationToken.None);
        }

        var stored = await FindAsync(s => s.Requests.Where(r => r.Id == request.Id));

        Assert.NotNull(stored);
        Assert.Equal((RequestKind.SoftCertificate, RequestStatus.Completed, basics.Target.Id, "device-1", basics.Profile.Id, basics.Requester.Id, 2),
            (stored.Kind, stored.Status, stored.TargetId, stored.DeviceId, stored.CredentialProfileId, stored.RequestedById, stored.ApprovalsRequired));
        AssertStored.Instant(T0, stored.CreatedAt);
        AssertStored.Instant(T0.AddDays(7), stored.ExpiresAt);
        Assert.Equal(["cert-1", "cert-2"], stored.Certificates.Select(c => c.CertificateId).Order());
        Assert.All(stored.Certificates, c => Assert.Equal(request.Id, c.RequestId));

        var approvals = stored.Approvals.OrderBy(a => a.At).ToList();
        Assert.Equal(
            [(basics.Approver.Id, "Checked with the manager."), (basics.SecondApprover.Id, (string?)null)],
            approvals.Select(a => (a.ApproverId, a.Notes)));
        AssertStored.Instant(T0.AddMinutes(1), approvals[0].At);
        AssertStored.Instant(T0.AddMinutes(2), approvals[1].At);

        Assert.Equal([1, 2, 3, 4, 5, 6, 7], stored.History.Select(h => h.Sequence));
        Assert.Equal(
            [
                ("Requested", basics.Requester.Id, null, Channel.Web),
                ("Approved", basics.Approver.Id, "Checked with the manager.", Channel.Api),
                ("Approved", basics.SecondApprover.Id, null, Channel.Web),
                ("CollectionStarted", collector, null, Channel.Cli),
                ("CollectionFailed", collector, "Card removed.", Channel.Cli),
                ("CollectionStarted", collector, null, Channel.Cli),
                ("Completed", collector, (string?)null, Channel.Cli),
            ],
            stored.History.Select(h => (h.Action, h.ActorId, h.Notes, h.Channel)));
        for (var i = 0; i < stored.History.Count; i++)
        {
            AssertStored.Instant(T0.AddMinutes(i), stored.History[i].At);
        }
    }

    [Fact]
    public async Task RecoveryRequest_WithoutExpiry_RoundTripsNullExpiryAndExpiredByTheSystem()
    {
        var basics = await SeedBasicsAsync();
        var never = RecoveryRequest.Open(Ids.New(), RequestKind.DeviceUpdate, basics.Target.Id, basics.Target.GroupId, "card-1", basics.Profile.Id, [], basics.Requester.Id, 0, 2, T0, null, Channel.Cli);
        var due = TestData.Request(basics, approvalsRequired: 1);
        Assert.True(due.ExpireIfDue(T0.AddDays(8)));
        await SaveAsync(never, due);

        var storedNever = await FindAsync(s => s.Requests.Where(r => r.Id == never.Id));
        var storedDue = await FindAsync(s => s.Requests.Where(r => r.Id == due.Id));

        Assert.NotNull(storedNever);
        Assert.Null(storedNever.ExpiresAt);
        Assert.Equal((RequestStatus.AwaitingIssue, "card-1", RequestKind.DeviceUpdate), (storedNever.Status, storedNever.DeviceId, storedNever.Kind));
        Assert.Empty(storedNever.Certificates);
        Assert.NotNull(storedDue);
        Assert.Equal(RequestStatus.Cancelled, storedDue.Status);
        var expired = storedDue.History[^1];
        Assert.Equal(("Expired", null, Channel.System), (expired.Action, expired.ActorId, expired.Channel));
    }

    [Fact]
    public async Task Approve_AndCancelInTwoUnitsOfWork_FirstSaveWinsSecondConflicts()
    {
        var basics = await SeedBasicsAsync();
        var request = TestData.Request(basics, approvalsRequired: 1, "cert-1");
        await SaveAsync(request);
        await using var first = NewScope();
        await using var second = NewScope();
        var a = await LoadAsync(first, request.Id);
        var b = await LoadAsync(second, request.Id);

        Assert.True(a.Approve(basics.Approver.Id, "ok", T0.AddMinutes(1), Channel.Web).IsSuccess);
        Assert.True(b.Cancel(basics.Requester.Id, "No longer needed.", T0.AddMinutes(2), Channel.Api).IsSuccess);
        await StoreOf(first).SaveChangesAsync(CancellationToken.None);

        await Assert.ThrowsAsync<ConcurrencyConflictException>(() => StoreOf(second).SaveChangesAsync(CancellationToken.None));
        var stored = await FindAsync(s => s.Requests.Where(r => r.Id == request.Id));
        Assert.NotNull(stored);
        Assert.Equal((RequestStatus.AwaitingIssue, a.ConcurrencyStamp), (stored.Status, stored.ConcurrencyStamp));
        Assert.Equal(basics.Approver.Id, Assert.Single(stored.Approvals).ApproverId);
        Assert.Equal(["Requested", "Approved"], stored.History.Select(h => h.Action));
    }

    [Fact]
    public async Task Cancel_AndApproveInTwoUnitsOfWork_FirstSaveWinsSecondConflicts()
    {
        var basics = await SeedBasicsAsync();
        var request = TestData.Request(basics, approvalsRequired: 1, "cert-1");
        await SaveAsync(request);
        await using var first = NewScope();
        await using var second = NewScope();
        var a = await LoadAsync(first, request.Id);
        var b = await LoadAsync(second, request.Id);

        Assert.True(a.Cancel(basics.Requester.Id, "No longer needed.", T0.AddMinutes(1), Channel.Api).IsSuccess);
        Assert.True(b.Approve(basics.Approver.Id, "ok", T0.AddMinutes(2), Channel.Web).IsSuccess);
        await StoreOf(first).SaveChangesAsync(CancellationToken.None);

        await Assert.ThrowsAsync<ConcurrencyConflictException>(() => StoreOf(second).SaveChangesAsync(CancellationToken.None));
        var stored = await FindAsync(s => s.Requests.Where(r => r.Id == request.Id));
        Assert.NotNull(stored);
        Assert.Equal((RequestStatus.Cancelled, a.ConcurrencyStamp), (stored.Status, stored.ConcurrencyStamp));
        Assert.Empty(stored.Approvals);
        Assert.Equal(["Requested", "Cancelled"], stored.History.Select(h => h.Action));
    }

    [Fact]
    public async Task Approve_ByTwoApproversInTwoUnitsOfWork_FirstSaveWinsSecondConflicts()
    {
        var basics = await SeedBasicsAsync();
        var request = TestData.Request(basics, approvalsRequired: 2, "cert-1");
        await SaveAsync(request);
        await using var first = NewScope();
        await using var second = NewScope();
        var a = await LoadAsync(first, request.Id);
        var b = await LoadAsync(second, request.Id);

        Assert.True(a.Approve(basics.Approver.Id, null, T0.AddMinutes(1), Channel.Web).IsSuccess);
        Assert.True(b.Approve(basics.SecondApprover.Id, null, T0.AddMinutes(1), Channel.Web).IsSuccess);
        await StoreOf(first).SaveChangesAsync(CancellationToken.None);

        // The loser read a request with no approvals; it must read again rather than count two.
        await Assert.ThrowsAsync<ConcurrencyConflictException>(() => StoreOf(second).SaveChangesAsync(CancellationToken.None));
        var stored = await FindAsync(s => s.Requests.Where(r => r.Id == request.Id));
        Assert.NotNull(stored);
        Assert.Equal(RequestStatus.AwaitingValidation, stored.Status);
        Assert.Equal(basics.Approver.Id, Assert.Single(stored.Approvals).ApproverId);
        Assert.Equal(2, stored.History.Count);
    }

    [Fact]
    public async Task BeginCollection_ByTwoCollectorsInTwoUnitsOfWork_OnlyOneCollects()
    {
        var basics = await SeedBasicsAsync();
        var request = TestData.Request(basics, approvalsRequired: 0, "cert-1");
        await SaveAsync(request);
        await using var first = NewScope();
        await using var second = NewScope();
        var a = await LoadAsync(first, request.Id);
        var b = await LoadAsync(second, request.Id);

        Assert.True(a.BeginCollection(basics.Approver.Id, "lease-1", T0.AddMinutes(1), Channel.Cli).IsSuccess);
        Assert.True(b.BeginCollection(basics.SecondApprover.Id, "lease-1", T0.AddMinutes(1), Channel.Web).IsSuccess);
        await StoreOf(first).SaveChangesAsync(CancellationToken.None);

        await Assert.ThrowsAsync<ConcurrencyConflictException>(() => StoreOf(second).SaveChangesAsync(CancellationToken.None));
        var stored = await FindAsync(s => s.Requests.Where(r => r.Id == request.Id));
        Assert.NotNull(stored);
        Assert.Equal(RequestStatus.InProgress, stored.Status);
        Assert.Equal(basics.Approver.Id, stored.History[^1].ActorId);
    }

    private static async Task<RecoveryRequest> LoadAsync(AsyncServiceScope scope, string id)
    {
        var store = StoreOf(scope);
        var request = await store.FirstOrDefaultAsync(store.Requests.Where(r => r.Id == id), CancellationToken.None);
        Assert.NotNull(request);
        return request;
    }
}

[Collection(OnSqlite.Name)]
public sealed class SqliteRecoveryRequestStorageTests(SqliteDatabases databases) : RecoveryRequestStorageTests(databases);

[Collection(OnPostgres.Name)]
public sealed class PostgresRecoveryRequestStorageTests(PostgresServer server) : RecoveryRequestStorageTests(server);
