using System.Linq.Expressions;
using Keyward.Common;
using Keyward.Profiles;

namespace Keyward.Recovery;

/// <summary>
/// A request to recover archived keys for one person, and its lifecycle. Every transition is a method that
/// guards itself, appends to <see cref="History"/> and changes <see cref="ConcurrencyStamp"/>, so two
/// writers racing on one request get one success and one conflict when saved.
/// </summary>
/// <remarks>Authorization (scope, profile role lists, dual control by role) is checked by the use cases
/// before these methods; the methods enforce what the request alone can know.</remarks>
public sealed class RecoveryRequest
{
    private readonly List<RequestCertificate> _certificates = [];
    private readonly List<Approval> _approvals = [];
    private readonly List<RequestHistoryEntry> _history = [];
    private readonly List<CertificateClaim> _claims = [];

    private RecoveryRequest()
    {
        Id = TargetId = TargetGroupId = CredentialProfileId = RequestedById = string.Empty;
    }

    public string Id { get; private set; }

    public RequestKind Kind { get; private set; }

    public RequestStatus Status { get; private set; }

    /// <summary>The person whose keys are recovered and who receives them.</summary>
    public string TargetId { get; private set; }

    /// <summary>
    /// The group of <see cref="TargetId"/>, kept on the request so that a list or the review queue tests a reach on the
    /// request's own row instead of looking the person up (docs/scopes.md, "Requests in a reach"). The database keeps it:
    /// it is taken from the person when the request is written and follows the person when they move, in the same
    /// transaction. Every decision about one request reads the person itself.
    /// </summary>
    public string TargetGroupId { get; private set; }

    /// <summary>For a device update, the device; for a collected new device, the device created.</summary>
    public string? DeviceId { get; private set; }

    public string CredentialProfileId { get; private set; }

    public string RequestedById { get; private set; }

    /// <summary>The number of distinct approvals needed to leave AwaitingValidation (fixed at creation).</summary>
    public int ApprovalsRequired { get; private set; }

    /// <summary>How many releases one approval allows (the profile's setting, fixed at creation).</summary>
    public int ReleasesAllowed { get; private set; }

    /// <summary>UTC.</summary>
    public DateTime CreatedAt { get; private set; }

    /// <summary>UTC; null when the profile never expires requests.</summary>
    public DateTime? ExpiresAt { get; private set; }

    public Guid ConcurrencyStamp { get; private set; }

    /// <summary>While <see cref="RequestStatus.InProgress"/>: the id of the collection that holds the request.</summary>
    public string? CollectionId { get; private set; }

    /// <summary>While <see cref="RequestStatus.InProgress"/>: the person collecting.</summary>
    public string? CollectorId { get; private set; }

    /// <summary>While <see cref="RequestStatus.InProgress"/>: when the collection began (UTC).</summary>
    public DateTime? CollectionStartedAt { get; private set; }

    /// <summary>
    /// While a server process works on the collection inside one call (building a PFX, wrapping keys): that
    /// process's lease id. A collection whose holder's lease has lapsed was interrupted (the process died) and is
    /// returned to AwaitingIssue. Null once the keys are released to a collecting client, which then holds it.
    /// </summary>
    public string? CollectionHolder { get; private set; }

    /// <summary>
    /// While a card collection is <see cref="RequestStatus.InProgress"/>: the serial number of the token the collecting
    /// client reported at its start — read from the token, checked against the request's device for an update — which
    /// the collection's completion records.
    /// </summary>
    public string? CollectionSerial { get; private set; }

    /// <summary>How many times the keys left the server since the last approval (docs/recovery.md, "Releases").</summary>
    public int Releases { get; private set; }

    /// <summary>When the keys last left the server (UTC), and to whom: a File Store collector may collect again shortly after.</summary>
    public DateTime? LastReleasedAt { get; private set; }

    /// <summary>The person the keys were last released to.</summary>
    public string? LastReleasedTo { get; private set; }

    public IReadOnlyList<RequestCertificate> Certificates => _certificates;

    public IReadOnlyList<Approval> Approvals => _approvals;

    public IReadOnlyList<RequestHistoryEntry> History => _history;

    /// <summary>
    /// While the request is outstanding, one claim per certificate it recovers. The claim's key is the certificate
    /// id alone, so the database holds at most one outstanding request per certificate; a final request drops its
    /// claims.
    /// </summary>
    public IReadOnlyList<CertificateClaim> Claims => _claims;

    public bool IsFinal => Status is RequestStatus.Completed or RequestStatus.Rejected or RequestStatus.Cancelled or RequestStatus.Failed;

    /// <summary>
    /// How this request is collected under <paramref name="profile"/> (its own, read now: the profile's recovery
    /// location may have changed since the request was made). Soft certificates are a PFX only when the profile says
    /// File Store; otherwise they go through the collecting client into the owner's store, as the collection use
    /// cases decide.
    /// </summary>
    public CollectionMethod CollectionMethodUnder(CredentialProfile? profile) => Kind switch
    {
        RequestKind.NewDevice => CollectionMethod.NewCard,
        RequestKind.DeviceUpdate => CollectionMethod.CardUpdate,
        _ => profile?.SoftCertificateLocation == SoftCertificateLocation.FileStore ? CollectionMethod.FileStore : CollectionMethod.SystemStore,
    };

    /// <summary>
    /// A request's own row, none of its lists: the projection a page of views reads the page's requests with, each list
    /// then read by a query of its own and given back by <see cref="Shown"/>. Every column is read, so that the rules a
    /// view asks (<see cref="RequestActions"/>) see the request as it is (docs/performance.md, "A page of requests read
    /// flat").
    /// </summary>
    internal static Expression<Func<RecoveryRequest, RecoveryRequest>> Row { get; } = r => new RecoveryRequest
    {
        Id = r.Id,
        Kind = r.Kind,
        Status = r.Status,
        TargetId = r.TargetId,
        TargetGroupId = r.TargetGroupId,
        DeviceId = r.DeviceId,
        CredentialProfileId = r.CredentialProfileId,
        RequestedById = r.RequestedById,
        ApprovalsRequired = r.ApprovalsRequired,
        ReleasesAllowed = r.ReleasesAllowed,
        CreatedAt = r.CreatedAt,
        ExpiresAt = r.ExpiresAt,
        ConcurrencyStamp = r.ConcurrencyStamp,
        CollectionId = r.CollectionId,
        CollectorId = r.CollectorId,
        CollectionStartedAt = r.CollectionStartedAt,
        CollectionHolder = r.CollectionHolder,
        CollectionSerial = r.CollectionSerial,
        Releases = r.Releases,
        LastReleasedAt = r.LastReleasedAt,
        LastReleasedTo = r.LastReleasedTo,
    };

    /// <summary>
    /// This request read by <see cref="Row"/>, given its certificates, approvals and history (its claims are not
    /// shown). For showing only: the store never saves a request it did not track.
    /// </summary>
    internal RecoveryRequest Shown(IEnumerable<RequestCertificate> certificates, IEnumerable<Approval> approvals, IEnumerable<RequestHistoryEntry> history)
    {
        _certificates.AddRange(certificates);
        _approvals.AddRange(approvals);
        _history.AddRange(history.OrderBy(h => h.Sequence));
        return this;
    }

    /// <summary>Opens a request; it starts awaiting validation when approvals are required, else awaiting issue.</summary>
    public static RecoveryRequest Open(
        string id,
        RequestKind kind,
        string targetId,
        string targetGroupId,
        string? deviceId,
        string credentialProfileId,
        IEnumerable<string> certificateIds,
        string requestedById,
        int approvalsRequired,
        int releasesAllowed,
        DateTime now,
        TimeSpan? expiresAfter,
        Channel channel)
    {
        var request = new RecoveryRequest
        {
            Id = id,
            Kind = kind,
            TargetId = targetId,
            TargetGroupId = targetGroupId,
            DeviceId = deviceId,
            CredentialProfileId = credentialProfileId,
            RequestedById = requestedById,
            ApprovalsRequired = approvalsRequired,
            ReleasesAllowed = Math.Max(1, releasesAllowed),
            CreatedAt = now,
            ExpiresAt = expiresAfter is { } after ? now + after : null,
            Status = approvalsRequired > 0 ? RequestStatus.AwaitingValidation : RequestStatus.AwaitingIssue,
            ConcurrencyStamp = Guid.NewGuid(),
        };
        request._certificates.AddRange(certificateIds.Select(c => new RequestCertificate(id, c)));
        request._claims.AddRange(request._certificates.Select(c => new CertificateClaim(c.CertificateId, id)));
        request.Record(now, requestedById, "Requested", null, channel);
        return request;
    }

    /// <summary>Records one approval; the m-th distinct approval moves the request to AwaitingIssue.</summary>
    public Result Approve(string approverId, string? notes, DateTime now, Channel channel)
    {
        if (ApprovalRefusal(approverId) is { } refused)
        {
            return refused;
        }

        _approvals.Add(new Approval(Id, approverId, now, notes));
        Record(now, approverId, "Approved", notes, channel);
        if (_approvals.Count >= ApprovalsRequired)
        {
            Status = RequestStatus.AwaitingIssue;
        }

        Touch();
        return Result.Ok();
    }

    /// <summary>One rejection ends the request.</summary>
    public Result Reject(string approverId, string? reason, DateTime now, Channel channel)
    {
        if (RejectionRefusal(approverId) is { } refused)
        {
            return refused;
        }

        Status = RequestStatus.Rejected;
        _claims.Clear();
        Record(now, approverId, "Rejected", reason, channel);
        Touch();
        return Result.Ok();
    }

    /// <summary>Cancels an outstanding request (awaiting validation or issue).</summary>
    public Result Cancel(string actorId, string? reason, DateTime now, Channel channel)
    {
        if (CancellationRefusal() is { } refused)
        {
            return refused;
        }

        Status = RequestStatus.Cancelled;
        _claims.Clear();
        Record(now, actorId, "Cancelled", reason, channel);
        Touch();
        return Result.Ok();
    }

    /// <summary>Cancels the request when it is outstanding and past its expiry; returns whether it did.</summary>
    public bool ExpireIfDue(DateTime now)
    {
        if (ExpiresAt is not { } due || now < due || Status is not (RequestStatus.AwaitingValidation or RequestStatus.AwaitingIssue))
        {
            return false;
        }

        Status = RequestStatus.Cancelled;
        _claims.Clear();
        Record(now, null, "Expired", "Not collected before its expiry.", Channel.System);
        Touch();
        return true;
    }

    /// <summary>
    /// Why <paramref name="approverId"/> cannot approve the request now — its state, dual control, or an approval
    /// they already gave — or null when the request allows it. <see cref="Approve"/> and the actions a client is
    /// offered (<see cref="RequestActions"/>) both ask this.
    /// </summary>
    public Error? ApprovalRefusal(string approverId)
    {
        if (Status != RequestStatus.AwaitingValidation)
        {
            return RequestErrors.WrongState.WithDetail($"Only a request awaiting validation can be approved; this one is {Status}.");
        }

        if (DualControl(approverId) is { } refused)
        {
            return refused;
        }

        return _approvals.Any(a => a.ApproverId == approverId) ? RequestErrors.AlreadyApproved : null;
    }

    /// <summary>Why <paramref name="approverId"/> cannot reject the request now (its state, dual control), or null.</summary>
    public Error? RejectionRefusal(string approverId)
    {
        if (Status != RequestStatus.AwaitingValidation)
        {
            return RequestErrors.WrongState.WithDetail($"Only a request awaiting validation can be rejected; this one is {Status}.");
        }

        return DualControl(approverId);
    }

    /// <summary>Why the request cannot be cancelled now — it is no longer outstanding — or null.</summary>
    public Error? CancellationRefusal() =>
        Status is RequestStatus.AwaitingValidation or RequestStatus.AwaitingIssue
            ? null
            : RequestErrors.WrongState.WithDetail($"Only an outstanding request can be cancelled; this one is {Status}.");

    /// <summary>
    /// Dual control: the requester and the recipient never validate. Null when <paramref name="approverId"/> may.
    /// </summary>
    public Error? DualControl(string approverId)
    {
        if (approverId == RequestedById)
        {
            return RequestErrors.RequesterCannotValidate;
        }

        return approverId == TargetId ? RequestErrors.RecipientCannotValidate : null;
    }

    /// <summary>
    /// A collector takes the request. Single-use: a second collector finds it InProgress. The collection gets an
    /// id (<c>collectionId</c>, or a new one) that the collector quotes to complete or fail it; <paramref name="holder"/>
    /// is the lease of the server process that works on it until the keys are released; <paramref name="serial"/> the
    /// token a card collection writes to.
    /// </summary>
    public Result BeginCollection(string collectorId, string holder, DateTime now, Channel channel, string? collectionId = null, string? serial = null)
    {
        if (Status != RequestStatus.AwaitingIssue)
        {
            return RequestErrors.NotCollectable.WithDetail($"Only a request awaiting issue can be collected; this one is {Status}.");
        }

        Status = RequestStatus.InProgress;
        CollectionId = collectionId ?? Ids.New();
        CollectorId = collectorId;
        CollectionStartedAt = now;
        CollectionHolder = holder;
        CollectionSerial = serial;
        Record(now, collectorId, "CollectionStarted", null, channel);
        Touch();
        return Result.Ok();
    }

    /// <summary>
    /// Whether <paramref name="collectorId"/> holds a collection whose keys went to their collecting client, which never
    /// reported back (it died, or the card was pulled): that collector may begin again, the open collection then
    /// counting as a failed release (docs/recovery.md#cards).
    /// </summary>
    public bool ResumableBy(string collectorId) =>
        Status == RequestStatus.InProgress && CollectorId == collectorId && CollectionHolder is null && CollectionId is not null;

    /// <summary>
    /// The keys leave the server for the collector of the collection in progress: counted against
    /// <see cref="ReleasesAllowed"/>, and from now on the collecting client, not a server process, holds the collection.
    /// </summary>
    public Result Release(string collectorId, DateTime now, Channel channel)
    {
        if (Status != RequestStatus.InProgress || CollectorId != collectorId)
        {
            return RequestErrors.WrongState.WithDetail($"Keys are released only within a collection in progress; this request is {Status}.");
        }

        if (Releases >= ReleasesAllowed)
        {
            return RequestErrors.ReleaseLimit;
        }

        Releases++;
        LastReleasedAt = now;
        LastReleasedTo = collectorId;
        CollectionHolder = null;
        Record(now, collectorId, "Released", $"Release {Releases} of {ReleasesAllowed}.", channel);
        Touch();
        return Result.Ok();
    }

    /// <summary>
    /// A File Store collector whose answer may have been lost collects a completed request once more: allowed to the
    /// same person within <paramref name="window"/> of the last release, and only while releases remain.
    /// </summary>
    public Result ReleaseAgain(string collectorId, DateTime now, TimeSpan window, Channel channel)
    {
        if (ReleaseAgainRefusal(collectorId, now, window) is { } refused)
        {
            return refused;
        }

        Releases++;
        LastReleasedAt = now;
        Record(now, collectorId, "ReleasedAgain", $"Release {Releases} of {ReleasesAllowed}: collected again after an answer that may not have arrived.", channel);
        Touch();
        return Result.Ok();
    }

    /// <summary>Why <see cref="ReleaseAgain"/> would refuse <paramref name="collectorId"/> now; null when it would not.</summary>
    public Error? ReleaseAgainRefusal(string collectorId, DateTime now, TimeSpan window)
    {
        if (Status != RequestStatus.Completed || LastReleasedTo != collectorId || LastReleasedAt is not { } last || now - last > window)
        {
            return RequestErrors.NotCollectable.WithDetail($"Only a request awaiting issue can be collected; this one is {Status}.");
        }

        return Releases >= ReleasesAllowed ? RequestErrors.ReleaseLimit : null;
    }

    /// <summary>The collection finished; the keys are with the recipient.</summary>
    public Result Complete(string collectorId, string? deviceId, DateTime now, Channel channel)
    {
        if (Status != RequestStatus.InProgress)
        {
            return RequestErrors.WrongState.WithDetail($"Only a collection in progress can complete; this request is {Status}.");
        }

        Status = RequestStatus.Completed;
        DeviceId = deviceId ?? DeviceId;
        EndCollection();
        _claims.Clear();
        Record(now, collectorId, "Completed", null, channel);
        Touch();
        return Result.Ok();
    }

    /// <summary>
    /// The collection failed. The request is collectable again, with the failure on record — unless its releases are
    /// used up: then it needs a new approval, and goes back to AwaitingValidation with its approvals withdrawn.
    /// </summary>
    /// <returns>Whether the request now needs a new approval.</returns>
    public Result<bool> Fail(string? collectorId, string failure, DateTime now, Channel channel)
    {
        if (Status != RequestStatus.InProgress)
        {
            return RequestErrors.WrongState.WithDetail($"Only a collection in progress can fail; this request is {Status}.");
        }

        EndCollection();
        Record(now, collectorId, "CollectionFailed", failure, channel);
        var reapprove = Releases >= ReleasesAllowed;
        if (reapprove && ApprovalsRequired == 0)
        {
            // Nobody could approve it again: the request ends here.
            Status = RequestStatus.Failed;
            _claims.Clear();
        }
        else if (reapprove)
        {
            Status = RequestStatus.AwaitingValidation;
            _approvals.Clear();
            Releases = 0;
            Record(now, null, "ApprovalsWithdrawn", $"All {ReleasesAllowed} release(s) this approval allowed were used: the request needs a new approval.", Channel.System);
        }
        else
        {
            Status = RequestStatus.AwaitingIssue;
        }

        Touch();
        return reapprove;
    }

    private void Record(DateTime at, string? actorId, string action, string? notes, Channel channel) =>
        _history.Add(new RequestHistoryEntry(Id, _history.Count + 1, at, actorId, action, notes, channel));

    private void EndCollection()
    {
        CollectionId = null;
        CollectorId = null;
        CollectionStartedAt = null;
        CollectionHolder = null;
        CollectionSerial = null;
    }

    private void Touch() => ConcurrencyStamp = Guid.NewGuid();
}

/// <summary>A certificate whose key a request recovers.</summary>
public sealed record RequestCertificate(string RequestId, string CertificateId);

/// <summary>An outstanding request's hold on one certificate: unique per certificate across all requests.</summary>
public sealed record CertificateClaim(string CertificateId, string RequestId);

/// <summary>One approver's approval, with their notes.</summary>
public sealed record Approval(string RequestId, string ApproverId, DateTime At, string? Notes);

/// <summary>One step in a request's life: who, when, what, from which channel.</summary>
public sealed record RequestHistoryEntry(string RequestId, int Sequence, DateTime At, string? ActorId, string Action, string? Notes, Channel Channel);
