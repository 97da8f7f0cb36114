using Keyward.Profiles;
using Keyward.Recovery;
using Microsoft.Extensions.Time.Testing;

namespace Keyward.Tests.Recovery;

/// <summary>Which guarded method a table row calls.</summary>
public enum Step
{
    Approve,
    Reject,
    Cancel,
    BeginCollection,
    Complete,
    Fail,
}

/// <summary>The request lifecycle of docs/recovery.md#lifecycle, every step from every state.</summary>
public class RecoveryRequestTests
{
    private const string Requester = "olivia";
    private const string Target = "carol";
    private const string Approver = "victor";
    private const string Actor = "vera";

    private readonly FakeTimeProvider _clock = new(new DateTimeOffset(2026, 3, 1, 9, 0, 0, TimeSpan.Zero));

    private DateTime Now => _clock.GetUtcNow().UtcDateTime;

    /// <summary>The lifecycle table: from which states a step is allowed, where it leads, what history says.</summary>
    private static (RequestStatus[] From, RequestStatus To, string Action, string RefusalCode) Rule(Step step) => step switch
    {
        Step.Approve => ([RequestStatus.AwaitingValidation], RequestStatus.AwaitingIssue, "Approved", "recovery.wrong_state"),
        Step.Reject => ([RequestStatus.AwaitingValidation], RequestStatus.Rejected, "Rejected", "recovery.wrong_state"),
        Step.Cancel => ([RequestStatus.AwaitingValidation, RequestStatus.AwaitingIssue], RequestStatus.Cancelled, "Cancelled", "recovery.wrong_state"),
        Step.BeginCollection => ([RequestStatus.AwaitingIssue], RequestStatus.InProgress, "CollectionStarted", "recovery.not_collectable"),
        Step.Complete => ([RequestStatus.InProgress], RequestStatus.Completed, "Completed", "recovery.wrong_state"),
        Step.Fail => ([RequestStatus.InProgress], RequestStatus.AwaitingIssue, "CollectionFailed", "recovery.wrong_state"),
        _ => throw new ArgumentOutOfRangeException(nameof(step), step, null),
    };

    public static TheoryData<RequestStatus, Step> EveryStepFromEveryState()
    {
        var data = new TheoryData<RequestStatus, Step>();
        foreach (var status in Enum.GetValues<RequestStatus>())
        {
            foreach (var step in Enum.GetValues<Step>())
            {
                data.Add(status, step);
            }
        }

        return data;
    }

    public static TheoryData<RequestStatus> EveryState() => [.. Enum.GetValues<RequestStatus>()];

    [Theory]
    [MemberData(nameof(EveryState))]
    public void InState_EveryStatus_BuildsRequestInThatStatus(RequestStatus status)
    {
        Assert.Equal(status, InState(status).Status);
    }

    [Theory]
    [MemberData(nameof(EveryStepFromEveryState))]
    public void Step_FromEveryState_AllowedMovesAndRecordsRefusedChangesNothing(RequestStatus from, Step step)
    {
        var request = InState(from);
        var rule = Rule(step);
        var stamp = request.ConcurrencyStamp;
        var historyCount = request.History.Count;
        var approvals = request.Approvals.Count;
        _clock.Advance(TimeSpan.FromMinutes(5));

        var result = Apply(request, step, "note for " + step);

        if (rule.From.Contains(from))
        {
            Assert.True(result.IsSuccess, result.Error?.Code);
            Assert.Equal(rule.To, request.Status);
            Assert.NotEqual(stamp, request.ConcurrencyStamp);
            Assert.Equal(historyCount + 1, request.History.Count);
            var entry = request.History[^1];
            Assert.Equal(request.Id, entry.RequestId);
            Assert.Equal(historyCount + 1, entry.Sequence);
            Assert.Equal(Now, entry.At);
            Assert.Equal(Actor, entry.ActorId);
            Assert.Equal(rule.Action, entry.Action);
            Assert.Equal(step is Step.BeginCollection or Step.Complete ? null : "note for " + step, entry.Notes);
            Assert.Equal(Channel.Web, entry.Channel);
        }
        else
        {
            Assert.False(result.IsSuccess);
            Assert.Equal(rule.RefusalCode, result.Error.Code);
            Assert.Equal(from, request.Status);
            Assert.Equal(stamp, request.ConcurrencyStamp);
            Assert.Equal(historyCount, request.History.Count);
            Assert.Equal(approvals, request.Approvals.Count);
        }
    }

    [Theory]
    [InlineData(0, RequestStatus.AwaitingIssue)]
    [InlineData(1, RequestStatus.AwaitingValidation)]
    [InlineData(3, RequestStatus.AwaitingValidation)]
    public void Open_ApprovalsRequired_StartsInMatchingStatusWithRequestedEntry(int approvalsRequired, RequestStatus expected)
    {
        var request = Open(approvalsRequired, TimeSpan.FromDays(7));

        Assert.Equal(expected, request.Status);
        Assert.Equal(approvalsRequired, request.ApprovalsRequired);
        Assert.Equal(Now, request.CreatedAt);
        Assert.Equal(Now.AddDays(7), request.ExpiresAt);
        Assert.Equal(["cert-1", "cert-2"], request.Certificates.Select(c => c.CertificateId));
        var entry = Assert.Single(request.History);
        Assert.Equal((1, Requester, "Requested", Channel.Api, Now), (entry.Sequence, entry.ActorId, entry.Action, entry.Channel, entry.At));
    }

    [Fact]
    public void Approve_TwoOfNFirstApproval_StaysAwaitingValidation()
    {
        var request = Open(approvalsRequired: 2);
        var stamp = request.ConcurrencyStamp;

        var result = request.Approve(Approver, "looks right", Now, Channel.Web);

        Assert.True(result.IsSuccess);
        Assert.Equal(RequestStatus.AwaitingValidation, request.Status);
        Assert.NotEqual(stamp, request.ConcurrencyStamp);
        var approval = Assert.Single(request.Approvals);
        Assert.Equal((Approver, "looks right", Now), (approval.ApproverId, approval.Notes, approval.At));
        Assert.Equal("Approved", request.History[^1].Action);
    }

    [Fact]
    public void Approve_TwoOfNSecondDistinctApprover_MovesToAwaitingIssue()
    {
        var request = Open(approvalsRequired: 2);
        Assert.True(request.Approve(Approver, null, Now, Channel.Web).IsSuccess);

        var result = request.Approve(Actor, null, Now, Channel.Api);

        Assert.True(result.IsSuccess);
        Assert.Equal(RequestStatus.AwaitingIssue, request.Status);
        Assert.Equal([Approver, Actor], request.Approvals.Select(a => a.ApproverId));
        Assert.Equal(["Requested", "Approved", "Approved"], request.History.Select(h => h.Action));
    }

    [Fact]
    public void Approve_SameApproverTwice_AlreadyApprovedAndNothingChanges()
    {
        var request = Open(approvalsRequired: 2);
        Assert.True(request.Approve(Approver, null, Now, Channel.Web).IsSuccess);
        var stamp = request.ConcurrencyStamp;

        var result = request.Approve(Approver, null, Now, Channel.Web);

        Assert.Equal("recovery.already_approved", result.Error?.Code);
        Assert.Equal(RequestStatus.AwaitingValidation, request.Status);
        Assert.Single(request.Approvals);
        Assert.Equal(2, request.History.Count);
        Assert.Equal(stamp, request.ConcurrencyStamp);
    }

    [Theory]
    [InlineData(Requester, Step.Approve)]
    [InlineData(Target, Step.Approve)]
    [InlineData(Requester, Step.Reject)]
    [InlineData(Target, Step.Reject)]
    public void ApproveOrReject_ByRequesterOrTarget_DualControlRefusesAndNothingChanges(string who, Step step)
    {
        var request = Open(approvalsRequired: 1);
        var stamp = request.ConcurrencyStamp;

        var result = step == Step.Approve ? request.Approve(who, null, Now, Channel.Web) : request.Reject(who, null, Now, Channel.Web);

        Assert.Equal(who == Requester ? "recovery.requester_cannot_validate" : "recovery.recipient_cannot_validate", result.Error?.Code);
        Assert.Equal(RequestStatus.AwaitingValidation, request.Status);
        Assert.Empty(request.Approvals);
        Assert.Single(request.History);
        Assert.Equal(stamp, request.ConcurrencyStamp);
    }

    [Fact]
    public void Reject_AfterOneOfTwoApprovals_EndsRequest()
    {
        var request = Open(approvalsRequired: 2);
        Assert.True(request.Approve(Approver, null, Now, Channel.Web).IsSuccess);

        var result = request.Reject(Actor, "not this one", Now, Channel.Web);

        Assert.True(result.IsSuccess);
        Assert.Equal(RequestStatus.Rejected, request.Status);
        Assert.True(request.IsFinal);
    }

    [Fact]
    public void BeginCollection_SecondCollector_NotCollectable()
    {
        var request = InState(RequestStatus.AwaitingIssue);
        Assert.True(request.BeginCollection(Requester, "lease-1", Now, Channel.Cli).IsSuccess);

        var result = request.BeginCollection(Target, "lease-1", Now, Channel.Cli);

        Assert.Equal("recovery.not_collectable", result.Error?.Code);
        Assert.Equal(RequestStatus.InProgress, request.Status);
    }

    [Fact]
    public void Fail_DuringCollection_RecordsFailureAndCollectableAgain()
    {
        var request = InState(RequestStatus.InProgress);

        Assert.True(request.Fail(Requester, "card removed", Now, Channel.Cli).IsSuccess);

        Assert.Equal(("CollectionFailed", "card removed"), (request.History[^1].Action, request.History[^1].Notes));
        Assert.True(request.BeginCollection(Requester, "lease-1", Now, Channel.Cli).IsSuccess);
        Assert.Equal(RequestStatus.InProgress, request.Status);
    }

    [Fact]
    public void Complete_WithDeviceId_RecordsDevice()
    {
        var request = InState(RequestStatus.InProgress);

        Assert.True(request.Complete(Requester, "device-new", Now, Channel.Cli).IsSuccess);

        Assert.Equal("device-new", request.DeviceId);
    }

    [Fact]
    public void Complete_DeviceUpdateWithoutDeviceId_KeepsRequestDevice()
    {
        var request = RecoveryRequest.Open(
            "req-2", RequestKind.DeviceUpdate, Target, "group-1", "device-card", "profile-1", ["cert-1"], Requester, 0, 2, Now, null, Channel.Api);
        Assert.True(request.BeginCollection(Target, "lease-1", Now, Channel.Cli).IsSuccess);

        Assert.True(request.Complete(Target, null, Now, Channel.Cli).IsSuccess);

        Assert.Equal("device-card", request.DeviceId);
    }

    [Theory]
    [MemberData(nameof(EveryState))]
    public void IsFinal_EveryState_OnlyCompletedRejectedCancelledFailed(RequestStatus status)
    {
        var final = status is RequestStatus.Completed or RequestStatus.Rejected or RequestStatus.Cancelled or RequestStatus.Failed;

        Assert.Equal(final, InState(status).IsFinal);
    }

    [Fact]
    public void ExpireIfDue_BeforeDue_FalseAndNothingChanges()
    {
        var request = Open(approvalsRequired: 1, expiresAfter: TimeSpan.FromDays(7));
        var stamp = request.ConcurrencyStamp;
        _clock.Advance(TimeSpan.FromDays(7) - TimeSpan.FromTicks(1));

        Assert.False(request.ExpireIfDue(Now));

        Assert.Equal(RequestStatus.AwaitingValidation, request.Status);
        Assert.Single(request.History);
        Assert.Equal(stamp, request.ConcurrencyStamp);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(86_400)]
    public void ExpireIfDue_AtOrAfterDue_CancelledWithExpiredEntry(int secondsPastDue)
    {
        var request = Open(approvalsRequired: 1, expiresAfter: TimeSpan.FromDays(7));
        var stamp = request.ConcurrencyStamp;
        _clock.Advance(TimeSpan.FromDays(7) + TimeSpan.FromSeconds(secondsPastDue));

        Assert.True(request.ExpireIfDue(Now));

        Assert.Equal(RequestStatus.Cancelled, request.Status);
        Assert.NotEqual(stamp, request.ConcurrencyStamp);
        var entry = request.History[^1];
        Assert.Equal(("Expired", (string?)null, Channel.System, Now, 2), (entry.Action, entry.ActorId, entry.Channel, entry.At, entry.Sequence));
        Assert.False(request.ExpireIfDue(Now), "An expired request expires once.");
        Assert.Equal(2, request.History.Count);
    }

    [Theory]
    [MemberData(nameof(EveryState))]
    public void ExpireIfDue_PastDueInEveryState_OnlyOutstandingRequestsExpire(RequestStatus status)
    {
        var request = InState(status);
        var stamp = request.ConcurrencyStamp;
        var historyCount = request.History.Count;
        _clock.Advance(TimeSpan.FromDays(30));

        var expired = request.ExpireIfDue(Now);

        var outstanding = status is RequestStatus.AwaitingValidation or RequestStatus.AwaitingIssue;
        Assert.Equal(outstanding, expired);
        Assert.Equal(outstanding ? RequestStatus.Cancelled : status, request.Status);
        Assert.Equal(outstanding ? historyCount + 1 : historyCount, request.History.Count);
        Assert.Equal(outstanding, stamp != request.ConcurrencyStamp);
    }

    [Fact]
    public void ExpireIfDue_NoExpiry_NeverExpires()
    {
        var request = Open(approvalsRequired: 0, expiresAfter: null);
        _clock.Advance(TimeSpan.FromDays(365 * 50));

        Assert.Null(request.ExpiresAt);
        Assert.False(request.ExpireIfDue(Now));
        Assert.Equal(RequestStatus.AwaitingIssue, request.Status);
    }

    [Theory]
    [InlineData(RequestKind.NewDevice, CardEncoding.SmartCard, null, CollectionMethod.NewCard)]
    [InlineData(RequestKind.DeviceUpdate, CardEncoding.SmartCard, null, CollectionMethod.CardUpdate)]
    [InlineData(RequestKind.SoftCertificate, CardEncoding.SoftwareCertificates, SoftCertificateLocation.FileStore, CollectionMethod.FileStore)]
    [InlineData(RequestKind.SoftCertificate, CardEncoding.SoftwareCertificates, SoftCertificateLocation.SystemStore, CollectionMethod.SystemStore)]
    [InlineData(RequestKind.SoftCertificate, CardEncoding.SmartCard, null, CollectionMethod.SystemStore)]
    public void CollectionMethodUnder_KindAndProfile_FileStoreOnlyWhenTheProfileSaysSo(RequestKind kind, CardEncoding encoding, SoftCertificateLocation? location, CollectionMethod expected)
    {
        var profile = CredentialProfile.Create("profile-1", new CredentialProfileSettings { Name = "profile", CardEncoding = encoding, SoftCertificateLocation = location }).Value;
        var request = RecoveryRequest.Open("req-1", kind, Target, "group-1", null, profile.Id, ["cert-1"], Requester, 0, 2, Now, null, Channel.Api);

        Assert.Equal(expected, request.CollectionMethodUnder(profile));
    }

    private RecoveryRequest Open(int approvalsRequired, TimeSpan? expiresAfter = null) => RecoveryRequest.Open(
        "req-1", RequestKind.SoftCertificate, Target, "group-1", null, "profile-1", ["cert-1", "cert-2"], Requester, approvalsRequired, 2, Now, expiresAfter, Channel.Api);

    /// <summary>A request (one approval required, expiring after 7 days) brought to a status through its own methods.</summary>
    private RecoveryRequest InState(RequestStatus status)
    {
        var request = Open(approvalsRequired: 1, expiresAfter: TimeSpan.FromDays(7));
        switch (status)
        {
            case RequestStatus.AwaitingValidation:
                break;
            case RequestStatus.AwaitingIssue:
                Ok(request.Approve(Approver, null, Now, Channel.Web));
                break;
            case RequestStatus.InProgress:
                Ok(request.Approve(Approver, null, Now, Channel.Web));
                Ok(request.BeginCollection(Requester, "lease-1", Now, Channel.Cli));
                break;
            case RequestStatus.Completed:
                Ok(request.Approve(Approver, null, Now, Channel.Web));
                Ok(request.BeginCollection(Requester, "lease-1", Now, Channel.Cli));
                Ok(request.Complete(Requester, "device-1", Now, Channel.Cli));
                break;
            case RequestStatus.Rejected:
                Ok(request.Reject(Approver, null, Now, Channel.Web));
                break;
            case RequestStatus.Cancelled:
                Ok(request.Cancel(Requester, null, Now, Channel.Web));
                break;
            case RequestStatus.Failed:
                // No method leads here yet; storage materialises it like this.
                typeof(RecoveryRequest).GetProperty(nameof(RecoveryRequest.Status))!.SetValue(request, RequestStatus.Failed);
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(status), status, "A new status needs a way to reach it here.");
        }

        return request;

        static void Ok(Keyward.Common.Result result) => Assert.True(result.IsSuccess, result.Error?.Code);
    }

    private Keyward.Common.Result Apply(RecoveryRequest request, Step step, string notes) => step switch
    {
        Step.Approve => request.Approve(Actor, notes, Now, Channel.Web),
        Step.Reject => request.Reject(Actor, notes, Now, Channel.Web),
        Step.Cancel => request.Cancel(Actor, notes, Now, Channel.Web),
        Step.BeginCollection => request.BeginCollection(Actor, "lease-1", Now, Channel.Web),
        Step.Complete => request.Complete(Actor, null, Now, Channel.Web),
        Step.Fail => request.Fail(Actor, notes, Now, Channel.Web) is { IsSuccess: false } failed ? failed.Error : Keyward.Common.Result.Ok(),
        _ => throw new ArgumentOutOfRangeException(nameof(step), step, null),
    };
}
