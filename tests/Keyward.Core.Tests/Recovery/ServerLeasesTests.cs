using Keyward.Audit;
using Keyward.Common;
using Keyward.Recovery;
using Keyward.Tests.Support;
using Microsoft.Extensions.Time.Testing;

namespace Keyward.Tests.Recovery;

/// <summary>
/// Interrupted collections (docs/recovery.md, "Interrupted collections"): which collections a server's heartbeat
/// returns to AwaitingIssue — those of a process whose lease lapsed, and its own that no call of it works on any
/// more — and which it never touches.
/// </summary>
public class ServerLeasesTests
{
    private static readonly TimeSpan Lease = TimeSpan.FromSeconds(15);

    private readonly FakeTimeProvider _clock = new(new DateTimeOffset(2026, 3, 1, 9, 0, 0, TimeSpan.Zero));
    private readonly InMemoryKeywardStore _store = new();
    private readonly ServerInstance _instance = new("test/1");

    private DateTime Now => _clock.GetUtcNow().UtcDateTime;

    [Fact]
    public async Task ReleaseInterruptedAsync_OwnCollectionNoCallWorksOnAnyMore_ReturnedToAwaitingIssueAndAudited()
    {
        // The call took the request, then could save neither the release nor the failure (the database was full).
        var request = Collecting(_instance.Id, "collection-1");
        await Leases().RenewAsync(CancellationToken.None);

        var released = await Leases().ReleaseInterruptedAsync(10, CancellationToken.None);

        Assert.Equal(1, released);
        Assert.Equal((RequestStatus.AwaitingIssue, (string?)null, (string?)null), (request.Status, request.CollectionId, request.CollectionHolder));
        Assert.Equal(("CollectionFailed", Channel.System), (request.History[^1].Action, request.History[^1].Channel));
        Assert.Contains("could not record its failure", request.History[^1].Notes, StringComparison.Ordinal);
        var audit = Assert.Single(_store.AuditEvents);
        Assert.Equal(("recovery.collect", AuditOutcome.Failed, (string?)request.Id), (audit.Action, audit.Outcome, audit.TargetId));
    }

    [Fact]
    public async Task ReleaseInterruptedAsync_OwnCollectionACallStillWorksOn_Untouched()
    {
        var request = Collecting(_instance.Id, "collection-1");
        using var working = _instance.WorkOn("collection-1");
        await Leases().RenewAsync(CancellationToken.None);
        _clock.Advance(Lease * 4);
        await Leases().RenewAsync(CancellationToken.None);

        var released = await Leases().ReleaseInterruptedAsync(10, CancellationToken.None);

        Assert.Equal(0, released);
        Assert.Equal((RequestStatus.InProgress, (string?)_instance.Id), (request.Status, request.CollectionHolder));
        Assert.Empty(_store.AuditEvents);
    }

    [Fact]
    public async Task ReleaseInterruptedAsync_CollectionOfAnotherLiveProcess_Untouched()
    {
        var other = new ServerInstance("test/2");
        var request = Collecting(other.Id, "collection-1");
        await Leases(other).RenewAsync(CancellationToken.None);
        _clock.Advance(Lease / 2);

        var released = await Leases().ReleaseInterruptedAsync(10, CancellationToken.None);

        Assert.Equal(0, released);
        Assert.Equal(RequestStatus.InProgress, request.Status);
    }

    [Fact]
    public async Task ReleaseInterruptedAsync_CollectionOfAProcessWhoseLeaseLapsed_ReturnedToAwaitingIssue()
    {
        var other = new ServerInstance("test/2");
        var request = Collecting(other.Id, "collection-1");
        await Leases(other).RenewAsync(CancellationToken.None);
        _clock.Advance(Lease + TimeSpan.FromSeconds(1));

        var released = await Leases().ReleaseInterruptedAsync(10, CancellationToken.None);

        Assert.Equal(1, released);
        Assert.Equal(RequestStatus.AwaitingIssue, request.Status);
        Assert.Contains("stopped before any key was released", request.History[^1].Notes, StringComparison.Ordinal);
        Assert.Contains($"lease {other.Id} lapsed", Assert.Single(_store.AuditEvents).Details, StringComparison.Ordinal);
    }

    private ServerLeases Leases(ServerInstance? instance = null) =>
        new(_store, new AuditTrail(_store, _clock), _clock, instance ?? _instance, new CollectionOptions { LeaseDuration = Lease });

    /// <summary>An approved request taken by a collection that <paramref name="holder"/>'s process works on.</summary>
    private RecoveryRequest Collecting(string holder, string collectionId)
    {
        var request = RecoveryRequest.Open(Ids.New(), RequestKind.SoftCertificate, "p-carol", "g-payroll", null, "profile-1", ["cert-1"], "p-olivia", 1, 2, Now, null, Channel.Api);
        Assert.True(request.Approve("p-victor", null, Now, Channel.Api).IsSuccess);
        Assert.True(request.BeginCollection("p-carol", holder, Now, Channel.Api, collectionId).IsSuccess);
        _store.Seed(request);
        return request;
    }
}
