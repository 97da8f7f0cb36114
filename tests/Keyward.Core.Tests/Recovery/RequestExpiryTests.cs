using Keyward.Audit;
using Keyward.Common;
using Keyward.Notifications;
using Keyward.People;
using Keyward.Recovery;
using Keyward.Tests.Support;
using Microsoft.Extensions.Time.Testing;

namespace Keyward.Tests.Recovery;

/// <summary>docs/notifications.md#request-expiry: an uncollected request past its expiry becomes Cancelled, by Keyward, audited, and the owner is told.</summary>
public class RequestExpiryTests
{
    private static readonly TimeSpan Week = TimeSpan.FromDays(7);

    private readonly FakeTimeProvider _clock = new(new DateTimeOffset(2026, 3, 1, 9, 0, 0, TimeSpan.Zero));
    private readonly InMemoryKeywardStore _store = new();
    private readonly Person _carol = new("p-carol", "carol", "Carol", "carol@acme.example", "g-payroll", true);
    private readonly Person _dave = new("p-dave", "dave", "Dave", string.Empty, "g-engineering", true);

    public RequestExpiryTests() => _store.Seed(_carol, _dave);

    private DateTime Now => _clock.GetUtcNow().UtcDateTime;

    public static TheoryData<RequestStatus> Outstanding => [RequestStatus.AwaitingValidation, RequestStatus.AwaitingIssue];

    public static TheoryData<RequestStatus> NotOutstanding => [RequestStatus.InProgress, RequestStatus.Completed, RequestStatus.Rejected, RequestStatus.Cancelled];

    [Theory]
    [MemberData(nameof(Outstanding))]
    public async Task ExpireDueAsync_OutstandingPastExpiry_CancelledAuditedAndOwnerNotified(RequestStatus status)
    {
        var request = Request(status, Week);
        _clock.Advance(TimeSpan.FromDays(8));

        var expired = await Expiry().ExpireDueAsync(10, CancellationToken.None);

        Assert.Equal(1, expired);
        Assert.Equal(RequestStatus.Cancelled, request.Status);
        var last = request.History[^1];
        Assert.Equal(("Expired", (string?)null, Channel.System, Now), (last.Action, last.ActorId, last.Channel, last.At));

        var audit = Assert.Single(_store.AuditEvents);
        Assert.Equal(
            ((string?)null, "keyward", "recovery.expire", AuditOutcome.Succeeded, Channel.System, (string?)_carol.Id, (string?)request.Id),
            (audit.ActorId, audit.ActorName, audit.Action, audit.Outcome, audit.Channel, audit.SubjectId, audit.TargetId));
        Assert.Contains(request.Id, audit.Details, StringComparison.Ordinal);
        Assert.Contains("expired", audit.Details, StringComparison.Ordinal);

        var notice = Assert.Single(_store.Notifications);
        Assert.Equal((_carol.Id, "carol@acme.example"), (notice.PersonId, notice.To));
        Assert.Contains("cancelled", notice.Subject, StringComparison.Ordinal);
        Assert.Contains($"Your key recovery request {request.Id}", notice.Body, StringComparison.Ordinal);
        Assert.Contains("was cancelled: not collected before it expired", notice.Body, StringComparison.Ordinal);
        Assert.True(notice.IsDue(Now));
    }

    [Fact]
    public async Task ExpireDueAsync_ExactlyAtExpiry_Expires()
    {
        var request = Request(RequestStatus.AwaitingIssue, Week);
        _clock.Advance(Week);

        Assert.Equal(1, await Expiry().ExpireDueAsync(10, CancellationToken.None));
        Assert.Equal(RequestStatus.Cancelled, request.Status);
    }

    [Fact]
    public async Task ExpireDueAsync_NotYetDue_Untouched()
    {
        var request = Request(RequestStatus.AwaitingValidation, Week);
        _clock.Advance(Week - TimeSpan.FromSeconds(1));

        Assert.Equal(0, await Expiry().ExpireDueAsync(10, CancellationToken.None));

        Assert.Equal(RequestStatus.AwaitingValidation, request.Status);
        Assert.Single(request.History);
        Assert.Empty(_store.AuditEvents);
        Assert.Empty(_store.Notifications);
        Assert.Equal(0, _store.Saves);
    }

    [Theory]
    [MemberData(nameof(NotOutstanding))]
    public async Task ExpireDueAsync_NotOutstanding_NeverExpires(RequestStatus status)
    {
        var request = Request(status, Week);
        var history = request.History.Count;
        _clock.Advance(TimeSpan.FromDays(30));

        Assert.Equal(0, await Expiry().ExpireDueAsync(10, CancellationToken.None));

        Assert.Equal(status, request.Status);
        Assert.Equal(history, request.History.Count);
        Assert.Empty(_store.AuditEvents);
        Assert.Empty(_store.Notifications);
    }

    [Theory]
    [MemberData(nameof(Outstanding))]
    public async Task ExpireDueAsync_NoExpiry_NeverExpires(RequestStatus status)
    {
        var request = Request(status, expiresAfter: null);
        _clock.Advance(TimeSpan.FromDays(3650));

        Assert.Equal(0, await Expiry().ExpireDueAsync(10, CancellationToken.None));

        Assert.Equal(status, request.Status);
        Assert.Empty(_store.AuditEvents);
    }

    [Fact]
    public async Task ExpireDueAsync_MoreThanOneBatch_ExpiresAllEachInItsOwnUnitOfWork()
    {
        var requests = Enumerable.Range(0, 7).Select(_ => Request(RequestStatus.AwaitingIssue, Week)).ToList();
        var notDue = Request(RequestStatus.AwaitingIssue, TimeSpan.FromDays(20));
        _clock.Advance(TimeSpan.FromDays(8));

        var expired = await Expiry().ExpireDueAsync(3, CancellationToken.None);

        Assert.Equal(7, expired);
        Assert.All(requests, r => Assert.Equal(RequestStatus.Cancelled, r.Status));
        Assert.Equal(RequestStatus.AwaitingIssue, notDue.Status);
        Assert.Equal(7, _store.Saves);
        Assert.Equal(requests.Select(r => r.Id).Order(), _store.AuditEvents.Select(e => e.TargetId!).Order());
        Assert.Equal([.. Enumerable.Range(1, 7).Select(i => (long)i)], _store.AuditEvents.Select(e => e.Sequence));
        Assert.Equal(7, _store.Notifications.Count());
    }

    [Fact]
    public async Task ExpireDueAsync_OwnerWithoutEmail_ExpiresWithoutNotice()
    {
        var request = Request(RequestStatus.AwaitingIssue, Week, _dave);
        _clock.Advance(TimeSpan.FromDays(8));

        Assert.Equal(1, await Expiry().ExpireDueAsync(10, CancellationToken.None));

        Assert.Equal(RequestStatus.Cancelled, request.Status);
        Assert.Single(_store.AuditEvents);
        Assert.Empty(_store.Notifications);
    }

    [Fact]
    public async Task ExpireDueAsync_ConflictOnOneRequest_SkipsItAndExpiresTheOthers()
    {
        var first = Request(RequestStatus.AwaitingIssue, Week);
        var raced = Request(RequestStatus.AwaitingIssue, Week + TimeSpan.FromHours(1));
        var third = Request(RequestStatus.AwaitingIssue, Week + TimeSpan.FromHours(2));
        _clock.Advance(TimeSpan.FromDays(8));
        var saves = 0;

        // The second save (the second request in expiry order) loses a race, as when someone collected it meanwhile.
        _store.BeforeSave = () =>
        {
            if (++saves == 2)
            {
                throw new ConcurrencyConflictException();
            }
        };

        var expired = await Expiry().ExpireDueAsync(10, CancellationToken.None);

        Assert.Equal(2, expired);
        Assert.Equal(RequestStatus.Cancelled, first.Status);
        Assert.Equal(RequestStatus.Cancelled, third.Status);
        Assert.Equal([first.Id, third.Id], _store.AuditEvents.Select(e => e.TargetId));
        Assert.DoesNotContain(_store.Notifications, n => n.Body.Contains(raced.Id, StringComparison.Ordinal));
        Assert.Equal(2, _store.Notifications.Count());
    }

    private RequestExpiry Expiry() => new(_store, new AuditTrail(_store, _clock), _clock);

    private RecoveryRequest Request(RequestStatus status, TimeSpan? expiresAfter, Person? owner = null)
    {
        var request = RecoveryRequest.Open(
            Ids.New(), RequestKind.SoftCertificate, (owner ?? _carol).Id, (owner ?? _carol).GroupId, null, "profile-1", ["cert-1"], "p-olivia", 1, 2, Now, expiresAfter, Channel.Api);
        switch (status)
        {
            case RequestStatus.AwaitingValidation:
                break;
            case RequestStatus.AwaitingIssue:
                Ok(request.Approve("p-victor", null, Now, Channel.Api));
                break;
            case RequestStatus.InProgress:
                Ok(request.Approve("p-victor", null, Now, Channel.Api));
                Ok(request.BeginCollection("p-olivia", "lease-1", Now, Channel.Api));
                break;
            case RequestStatus.Completed:
                Ok(request.Approve("p-victor", null, Now, Channel.Api));
                Ok(request.BeginCollection("p-olivia", "lease-1", Now, Channel.Api));
                Ok(request.Complete("p-olivia", null, Now, Channel.Api));
                break;
            case RequestStatus.Rejected:
                Ok(request.Reject("p-victor", null, Now, Channel.Api));
                break;
            case RequestStatus.Cancelled:
                Ok(request.Cancel("p-olivia", null, Now, Channel.Api));
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(status), status, null);
        }

        _store.Seed(request);
        return request;

        static void Ok(Result result) => Assert.True(result.IsSuccess, result.Error?.Code);
    }
}
