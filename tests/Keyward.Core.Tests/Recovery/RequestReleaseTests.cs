using Keyward.Recovery;
using Microsoft.Extensions.Time.Testing;

namespace Keyward.Tests.Recovery;

/// <summary>
/// Releases, the release limit, re-collection and certificate claims (docs/recovery.md, "Releases" and "One outstanding
/// request per certificate"): the rules a request enforces on itself.
/// </summary>
public class RequestReleaseTests
{
    private const string Requester = "olivia";
    private const string Target = "carol";
    private const string Approver = "victor";
    private static readonly TimeSpan Window = TimeSpan.FromMinutes(10);

    private readonly FakeTimeProvider _clock = new(new DateTimeOffset(2026, 3, 1, 9, 0, 0, TimeSpan.Zero));

    private DateTime Now => _clock.GetUtcNow().UtcDateTime;

    [Fact]
    public void Release_WithinCollection_CountsAndHandsTheCollectionToTheClient()
    {
        var request = Collecting(releasesAllowed: 2);

        Assert.True(request.Release(Target, Now, Channel.Cli).IsSuccess);

        Assert.Equal((1, Target, (string?)null), (request.Releases, request.LastReleasedTo, request.CollectionHolder));
        Assert.Equal(("Released", "Release 1 of 2."), (request.History[^1].Action, request.History[^1].Notes));
    }

    [Fact]
    public void Release_BySomeoneOtherThanTheCollector_WrongState()
    {
        var request = Collecting(releasesAllowed: 2);

        var result = request.Release(Requester, Now, Channel.Cli);

        Assert.Equal("recovery.wrong_state", result.Error?.Code);
        Assert.Equal(0, request.Releases);
    }

    [Fact]
    public void Fail_AfterReleaseWithReleasesLeft_CollectableAgain()
    {
        var request = Collecting(releasesAllowed: 2);
        Assert.True(request.Release(Target, Now, Channel.Cli).IsSuccess);

        var reapprove = request.Fail(Target, "card pulled", Now, Channel.Cli);

        Assert.False(reapprove.Value);
        Assert.Equal((RequestStatus.AwaitingIssue, 1), (request.Status, request.Releases));
        Assert.Single(request.Approvals);
    }

    [Fact]
    public void Fail_WhenReleasesAreUsedUp_NeedsANewApproval()
    {
        var request = Collecting(releasesAllowed: 2);
        Assert.True(request.Release(Target, Now, Channel.Cli).IsSuccess);
        Assert.True(request.Fail(Target, "lost", Now, Channel.Cli).IsSuccess);
        Assert.True(request.BeginCollection(Target, "lease-1", Now, Channel.Cli).IsSuccess);
        Assert.True(request.Release(Target, Now, Channel.Cli).IsSuccess);

        var reapprove = request.Fail(Target, "lost again", Now, Channel.Cli);

        Assert.True(reapprove.Value);
        Assert.Equal((RequestStatus.AwaitingValidation, 0), (request.Status, request.Releases));
        Assert.Empty(request.Approvals);
        Assert.Equal("ApprovalsWithdrawn", request.History[^1].Action);
        Assert.Equal("recovery.not_collectable", request.BeginCollection(Target, "lease-1", Now, Channel.Cli).Error?.Code);

        // The same validator may approve again: a new approval restores the releases.
        Assert.True(request.Approve(Approver, "second look", Now, Channel.Web).IsSuccess);
        Assert.Equal(RequestStatus.AwaitingIssue, request.Status);
        Assert.True(request.BeginCollection(Target, "lease-1", Now, Channel.Cli).IsSuccess);
        Assert.True(request.Release(Target, Now, Channel.Cli).IsSuccess);
    }

    [Fact]
    public void Fail_BeforeAnyRelease_DoesNotSpendARelease()
    {
        var request = Collecting(releasesAllowed: 1);

        var reapprove = request.Fail(null, "server stopped", Now, Channel.System);

        Assert.False(reapprove.Value);
        Assert.Equal((RequestStatus.AwaitingIssue, 0), (request.Status, request.Releases));
    }

    [Fact]
    public void ReleaseAgain_SameCollectorWithinWindow_CountsAnotherRelease()
    {
        var request = Completed(releasesAllowed: 2);
        _clock.Advance(TimeSpan.FromMinutes(9));

        Assert.True(request.ReleaseAgain(Target, Now, Window, Channel.Api).IsSuccess);

        Assert.Equal((RequestStatus.Completed, 2), (request.Status, request.Releases));
        Assert.Equal("ReleasedAgain", request.History[^1].Action);
    }

    [Fact]
    public void ReleaseAgain_PastTheLimit_ReleaseLimit()
    {
        var request = Completed(releasesAllowed: 2);
        Assert.True(request.ReleaseAgain(Target, Now, Window, Channel.Api).IsSuccess);

        var third = request.ReleaseAgain(Target, Now, Window, Channel.Api);

        Assert.Equal("recovery.release_limit", third.Error?.Code);
        Assert.Equal(2, request.Releases);
    }

    [Fact]
    public void ReleaseAgain_AfterTheWindow_NotCollectable()
    {
        var request = Completed(releasesAllowed: 2);
        _clock.Advance(Window + TimeSpan.FromSeconds(1));

        Assert.Equal("recovery.not_collectable", request.ReleaseAgain(Target, Now, Window, Channel.Api).Error?.Code);
    }

    [Fact]
    public void ReleaseAgain_ByAnotherPerson_NotCollectable()
    {
        var request = Completed(releasesAllowed: 2);

        Assert.Equal("recovery.not_collectable", request.ReleaseAgain(Requester, Now, Window, Channel.Api).Error?.Code);
        Assert.Equal(1, request.Releases);
    }

    [Fact]
    public void Claims_OutstandingRequest_OneClaimPerCertificate()
    {
        var request = Open(releasesAllowed: 2);

        Assert.Equal(["cert-1", "cert-2"], request.Claims.Select(c => c.CertificateId));
        Assert.All(request.Claims, c => Assert.Equal(request.Id, c.RequestId));
    }

    [Theory]
    [InlineData(RequestStatus.Completed)]
    [InlineData(RequestStatus.Rejected)]
    [InlineData(RequestStatus.Cancelled)]
    public void Claims_FinalRequest_Dropped(RequestStatus final)
    {
        var request = Open(releasesAllowed: 2);
        switch (final)
        {
            case RequestStatus.Completed:
                request = Completed(releasesAllowed: 2);
                break;
            case RequestStatus.Rejected:
                Assert.True(request.Reject(Approver, null, Now, Channel.Web).IsSuccess);
                break;
            default:
                Assert.True(request.Cancel(Requester, null, Now, Channel.Web).IsSuccess);
                break;
        }

        Assert.Equal(final, request.Status);
        Assert.Empty(request.Claims);
    }

    [Fact]
    public void Claims_ExpiredRequest_Dropped()
    {
        var request = RecoveryRequest.Open("req-1", RequestKind.SoftCertificate, Target, "group-1", null, "profile-1", ["cert-1"], Requester, 1, 2, Now, TimeSpan.FromDays(1), Channel.Api);

        Assert.True(request.ExpireIfDue(Now.AddDays(2)));

        Assert.Empty(request.Claims);
    }

    [Fact]
    public void Claims_CollectionFailedBackToValidation_Kept()
    {
        var request = Collecting(releasesAllowed: 1);
        Assert.True(request.Release(Target, Now, Channel.Cli).IsSuccess);

        Assert.True(request.Fail(Target, "lost", Now, Channel.Cli).Value);

        Assert.Equal(2, request.Claims.Count);
    }

    private RecoveryRequest Open(int releasesAllowed) => RecoveryRequest.Open(
        "req-1", RequestKind.SoftCertificate, Target, "group-1", null, "profile-1", ["cert-1", "cert-2"], Requester, 1, releasesAllowed, Now, null, Channel.Api);

    private RecoveryRequest Collecting(int releasesAllowed)
    {
        var request = Open(releasesAllowed);
        Assert.True(request.Approve(Approver, null, Now, Channel.Web).IsSuccess);
        Assert.True(request.BeginCollection(Target, "lease-1", Now, Channel.Cli).IsSuccess);
        Assert.Equal("lease-1", request.CollectionHolder);
        return request;
    }

    private RecoveryRequest Completed(int releasesAllowed)
    {
        var request = Collecting(releasesAllowed);
        Assert.True(request.Release(Target, Now, Channel.Api).IsSuccess);
        Assert.True(request.Complete(Target, "pfx-1", Now, Channel.Api).IsSuccess);
        return request;
    }
}
