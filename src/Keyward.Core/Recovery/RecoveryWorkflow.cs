using System.Linq.Expressions;
using Keyward.Audit;
using Keyward.Certificates;
using Keyward.Common;
using Keyward.Devices;
using Keyward.Notifications;
using Keyward.People;
using Keyward.Profiles;
using Keyward.Scopes;

namespace Keyward.Recovery;

/// <summary>
/// The key recovery workflow of docs/recovery.md: request, validate (approve / reject), cancel, read, and — in
/// <c>RecoveryWorkflow.Collect.cs</c> — collect. Every step checks its rules in a fixed order, saves the state
/// change together with its audit entry (and the owner's notification) in one unit of work, and audits
/// refusals too. A refused step changes nothing but the audit trail.
/// </summary>
public sealed partial class RecoveryWorkflow
{
    /// <summary>The most certificates one request may name.</summary>
    public const int MaxCertificates = 50;

    /// <summary>The longest note or reason kept with a request.</summary>
    public const int MaxNotes = 2000;

    /// <summary>The audit action of every release of archived keys (docs/recovery.md, "Releases").</summary>
    public const string ReleaseAction = "recovery.release";

    // A transition that loses a race is re-read and re-decided; each retry follows someone else's success.
    private const int MaxAttempts = 16;

    private readonly IKeywardStore _store;
    private readonly AuditTrail _audit;
    private readonly IKeyRecovery _keys;
    private readonly CommonPasswords _commonPasswords;
    private readonly TimeProvider _clock;
    private readonly ServerInstance _instance;
    private readonly CollectionOptions _collection;

    public RecoveryWorkflow(IKeywardStore store, AuditTrail audit, IKeyRecovery keys, CommonPasswords commonPasswords, TimeProvider clock, ServerInstance instance, CollectionOptions collection)
    {
        _store = store;
        _audit = audit;
        _keys = keys;
        _commonPasswords = commonPasswords;
        _clock = clock;
        _instance = instance;
        _collection = collection;
    }

    private DateTime Now => _clock.GetUtcNow().UtcDateTime;

    /// <summary>
    /// Requests recovery of a person's archived keys to a new device or as soft certificates, as the profile's
    /// card encoding says (docs/recovery.md#requesting). The target asking for their own keys is self-service.
    /// A person the caller cannot see is answered exactly like one who does not exist.
    /// </summary>
    public async Task<Result<RequestView>> RequestAsync(AccessContext access, string personId, NewRequest command, Channel channel, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(access);
        ArgumentNullException.ThrowIfNull(command);
        const string action = "recovery.request";
        var target = await PersonAsync(personId, cancellationToken).ConfigureAwait(false);
        var selfService = target?.Id == access.Caller.PersonId;
        var operation = selfService ? Operation.RequestMyRecovery : Operation.RecoverCertificatesToNewDevice;
        if (target is null || !access.Policy.Sees(access.Caller, PersonRef.From(target), Operation.ViewPerson, operation))
        {
            return await RefuseAsync(access, action, target?.Id, null, PeopleErrors.NotFound, channel, cancellationToken).ConfigureAwait(false);
        }

        var profile = await ProfileAsync(access, command.CredentialProfileId, cancellationToken).ConfigureAwait(false);
        var refused = await RequestRulesAsync(access, target, profile, operation, selfService, cancellationToken).ConfigureAwait(false);
        if (refused is not null)
        {
            return await RefuseAsync(access, action, target.Id, null, refused, channel, cancellationToken).ConfigureAwait(false);
        }

        var kind = profile!.CardEncoding == CardEncoding.SmartCard ? RequestKind.NewDevice : RequestKind.SoftCertificate;
        return await OpenAsync(access, action, kind, target, null, profile, command.RecoverCertificateIds, channel, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Requests recovery onto an issued device (a device update; docs/recovery.md#requesting). The certificate list is
    /// the complete desired set of recovered certificates on the device. A device whose owner the caller cannot
    /// see is answered exactly like one that does not exist.
    /// </summary>
    public async Task<Result<RequestView>> RequestDeviceUpdateAsync(AccessContext access, string deviceId, NewRequest command, Channel channel, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(access);
        ArgumentNullException.ThrowIfNull(command);
        const string action = "recovery.request_update";
        var device = await _store.FirstOrDefaultAsync(_store.Devices.Where(d => d.Id == deviceId), cancellationToken).ConfigureAwait(false);
        var owner = device is null ? null : await PersonAsync(device.OwnerId, cancellationToken).ConfigureAwait(false);
        var selfService = owner is not null && owner.Id == access.Caller.PersonId;
        var operation = selfService ? Operation.RequestMyRecovery : Operation.RecoverCertificates;
        if (device is null || owner is null || !access.Policy.Sees(access.Caller, PersonRef.From(owner), Operation.ViewDevice, operation))
        {
            return await RefuseAsync(access, action, owner?.Id, null, RequestErrors.DeviceNotFound, channel, cancellationToken).ConfigureAwait(false);
        }

        if (selfService && !access.Caller.Holds(Operation.RequestMyRecovery) && access.Caller.Holds(Operation.RecoverCertificates))
        {
            // Operator operations never act on the operator's own device (docs/recovery.md#requesting, check 2).
            return await RefuseAsync(access, action, owner.Id, device.Id, RequestErrors.OwnDevice, channel, cancellationToken).ConfigureAwait(false);
        }

        var profile = await ProfileAsync(access, command.CredentialProfileId ?? device.CredentialProfileId, cancellationToken).ConfigureAwait(false);
        var refused = await RequestRulesAsync(access, owner, profile, operation, selfService: false, cancellationToken).ConfigureAwait(false)
                      ?? (profile!.CardEncoding != CardEncoding.SmartCard
                          ? RequestErrors.ProfileMismatch.WithDetail($"Profile '{profile.Name}' is for soft certificates; a device update needs a smart-card profile.")
                          : null)
                      ?? (device.Type != DeviceType.SmartCard || device.Status != DeviceStatus.Active
                          ? RequestErrors.DeviceNotUpdatable.WithDetail($"Device {device.SerialNumber} is a {device.Type} with status {device.Status}; only an active smart card can be updated.")
                          : null);
        if (refused is not null)
        {
            return await RefuseAsync(access, action, owner.Id, device.Id, refused, channel, cancellationToken).ConfigureAwait(false);
        }

        return await OpenAsync(access, action, RequestKind.DeviceUpdate, owner, device, profile!, command.RecoverCertificateIds, channel, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Approves a request (docs/recovery.md#validating); the m-th distinct approval makes it collectable.</summary>
    public Task<Result<RequestView>> ApproveAsync(AccessContext access, string requestId, string? notes, Channel channel, CancellationToken cancellationToken) =>
        ValidateAsync(access, requestId, approve: true, notes, channel, cancellationToken);

    /// <summary>Rejects a request (docs/recovery.md#validating): one rejection ends it.</summary>
    public Task<Result<RequestView>> RejectAsync(AccessContext access, string requestId, string? reason, Channel channel, CancellationToken cancellationToken) =>
        ValidateAsync(access, requestId, approve: false, reason, channel, cancellationToken);

    /// <summary>Cancels an outstanding request: an operator with CancelRequest in scope, or the person who asked for their own keys.</summary>
    public async Task<Result<RequestView>> CancelAsync(AccessContext access, string requestId, string? reason, Channel channel, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(access);
        const string action = "recovery.cancel";
        if (reason is { Length: > MaxNotes })
        {
            return await RefuseAsync(access, action, null, requestId.Length <= 64 ? requestId : null, RequestErrors.NotesTooLong, channel, cancellationToken).ConfigureAwait(false);
        }

        for (var attempt = 1; ; attempt++)
        {
            var (request, target, profile) = await LoadVisibleAsync(access, requestId, cancellationToken).ConfigureAwait(false);
            if (request is null)
            {
                return await RefuseAsync(access, action, null, null, RequestErrors.NotFound, channel, cancellationToken).ConfigureAwait(false);
            }

            if (CancelRules(access, request, PersonRef.From(target!)) is { } refused)
            {
                return await RefuseAsync(access, action, request.TargetId, request.Id, refused, channel, cancellationToken).ConfigureAwait(false);
            }

            var cancelled = request.Cancel(access.Caller.PersonId, Trim(reason), Now, channel);
            if (!cancelled.IsSuccess)
            {
                return await RefuseAsync(access, action, request.TargetId, request.Id, cancelled.Error, channel, cancellationToken).ConfigureAwait(false);
            }

            await AuditAsync(access, action, request, $"Cancelled recovery request {request.Id}{Because(reason)}.", channel, cancellationToken).ConfigureAwait(false);
            if (await TrySaveAsync(attempt, cancellationToken).ConfigureAwait(false))
            {
                return await ViewAsync(access, request, target!, profile, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    /// <summary>One request with its certificates, approvals and history, when the caller may see it.</summary>
    public async Task<Result<RequestView>> GetAsync(AccessContext access, string requestId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(access);
        var (request, target, profile) = await LoadVisibleAsync(access, requestId, cancellationToken).ConfigureAwait(false);
        return request is null ? RequestErrors.NotFound : await ViewAsync(access, request, target!, profile, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Requests in the caller's SearchRequests scope, those they asked for, and those for them when they may view
    /// their own, newest first. Asked for <see cref="RequestStatus.AwaitingValidation"/>
    /// by someone who holds ValidateRequest, it is their review queue: exactly the requests they may approve now.
    /// </summary>
    public async Task<Result<Page<RequestView>>> ListAsync(AccessContext access, RequestFilter filter, PageRequest page, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(access);
        ArgumentNullException.ThrowIfNull(filter);
        if (filter.Status == RequestStatus.AwaitingValidation && access.Caller.Holds(Operation.ValidateRequest))
        {
            return await ReviewQueueAsync(access, filter, page, cancellationToken).ConfigureAwait(false);
        }

        var reach = access.ReachFor(Operation.SearchRequests);
        var self = access.Caller.PersonId;

        // The requests for the caller, which they may view one by one (GetAsync), are in their list too: "my requests".
        var forMe = access.ReachFor(Operation.ViewRequest).Covers(self, access.Caller.GroupId);
        IQueryable<RecoveryRequest> Filtered(IQueryable<RecoveryRequest> requests)
        {
            if (filter.Status is { } status)
            {
                requests = requests.Where(r => r.Status == status);
            }

            return string.IsNullOrWhiteSpace(filter.TargetId) ? requests : requests.Where(r => r.TargetId == filter.TargetId);
        }

        List<string> ids;
        (int Total, bool Capped) counted;
        if (reach.IsNarrow)
        {
            // A few groups (a Department): their people are few, so each part is found from its own index — the people's
            // requests through Requests (TargetId, CreatedAt), the caller's through (RequestedById) and (TargetId) — and
            // only the matches are sorted. One predicate with OR would test every request in the table for a handful.
            var targets = PeopleDirectory.Within(_store.People, reach).Select(p => p.Id);
            var keys = Filtered(_store.Requests.Where(r => targets.Contains(r.TargetId))).Select(r => new { r.Id, r.CreatedAt })
                .Union(Filtered(_store.Requests.Where(r => r.RequestedById == self)).Select(r => new { r.Id, r.CreatedAt }));
            if (forMe)
            {
                keys = keys.Union(Filtered(_store.Requests.Where(r => r.TargetId == self)).Select(r => new { r.Id, r.CreatedAt }));
            }

            ids = await _store.ToListAsync(keys.OrderByDescending(k => k.CreatedAt).ThenByDescending(k => k.Id).Skip(page.Skip).Take(page.Size).Select(k => k.Id), cancellationToken).ConfigureAwait(false);
            counted = await _store.TotalAsync(keys, page, ids.Count, cancellationToken).ConfigureAwait(false);
        }
        else
        {
            IQueryable<RecoveryRequest> query;
            if (reach.Everyone)
            {
                // Every request has a target, and everyone is reached.
                query = _store.Requests;
            }
            else if (reach.Groups.Count == 0)
            {
                // No group reached: tests on the request's own columns, each on an index, not a search through people.
                var reached = reach.Self;
                query = _store.Requests.Where(r => r.TargetId == reached || r.RequestedById == self || (forMe && r.TargetId == self));
            }
            else
            {
                // Many groups (a Division): read newest first and test each request's target group on its own row, which
                // stops after a page (or the count's limit) of matches without looking anyone up.
                query = _store.Requests.Where(Either(TargetWithin(reach), r => r.RequestedById == self || (forMe && r.TargetId == self)));
            }

            query = Filtered(query);
            ids = await _store.ToListAsync(query.OrderByDescending(r => r.CreatedAt).ThenByDescending(r => r.Id).Skip(page.Skip).Take(page.Size).Select(r => r.Id), cancellationToken).ConfigureAwait(false);
            counted = await _store.TotalAsync(query, page, ids.Count, cancellationToken).ConfigureAwait(false);
        }

        // The page's rows are read by their ids: the scope's predicate and the order were asked once, of narrow keys.
        var (rows, certificates) = await PageRowsAsync(ids, cancellationToken).ConfigureAwait(false);
        return new Page<RequestView>(await ViewsAsync(access, rows, cancellationToken, knownCertificates: certificates).ConfigureAwait(false), page.Page, page.Size, counted.Total, counted.Capped);
    }

    private async Task<Page<RequestView>> ReviewQueueAsync(AccessContext access, RequestFilter filter, PageRequest page, CancellationToken cancellationToken)
    {
        // The queue is exactly the requests whose actions offer the caller approve (RequestActions.For). Every part of
        // that rule that depends on the request's row is asked in SQL, so the database pages and counts the queue:
        // the state, dual control (not the caller's own request, nor one for them, nor one they approved already), an
        // enabled target, and — per credential profile — the reach of the caller's ValidateRequest assignments whose
        // role is on that profile's Can validate list (the same assignment must satisfy both, as Decide asks).
        var me = access.Caller.PersonId;
        var profiles = access.Profiles?.Values.ToList() ?? await _store.ReadOnlyAsync(_store.CredentialProfiles, cancellationToken).ConfigureAwait(false);
        Expression<Func<RecoveryRequest, bool>>? validatable = null;
        foreach (var byReach in profiles
                     .Select(p => (p.Id, Reach: access.Policy.ReachFor(access.Caller, Operation.ValidateRequest, p)))
                     .Where(p => !p.Reach.IsEmpty)
                     .GroupBy(p => p.Reach.Identity, StringComparer.Ordinal))
        {
            var profileIds = byReach.Select(p => p.Id).ToList();
            var reach = byReach.First().Reach;

            // Every request has a target, so a reach of everyone asks nothing of it. A few groups (a Department): their
            // people are found by their groups and each one's requests by Requests (TargetId); many (a Division): the
            // target's group is tested on each awaiting request's row, oldest first.
            Expression<Func<RecoveryRequest, bool>> ofProfiles = r => profileIds.Contains(r.CredentialProfileId);
            var targets = PeopleDirectory.Within(_store.People, reach);
            var part = reach.Everyone ? ofProfiles
                : reach.IsNarrow ? Both(ofProfiles, r => targets.Any(p => p.Id == r.TargetId))
                : Both(ofProfiles, TargetWithin(reach));
            validatable = validatable is null ? part : Either(validatable, part);
        }

        if (validatable is null)
        {
            return new Page<RequestView>([], page.Page, page.Size, 0);
        }

        // "An enabled target" as "no disabled person is its target": a probe of the small index of disabled people.
        var disabled = _store.People.Where(p => !p.Enabled);
        var query = _store.Requests.Where(validatable).Where(r => r.Status == RequestStatus.AwaitingValidation && r.RequestedById != me && r.TargetId != me
                                                                  && !r.Approvals.Any(a => a.ApproverId == me) && !disabled.Any(p => p.Id == r.TargetId));
        if (!string.IsNullOrWhiteSpace(filter.TargetId))
        {
            query = query.Where(r => r.TargetId == filter.TargetId);
        }

        var ids = await _store.ToListAsync(query.OrderBy(r => r.CreatedAt).ThenBy(r => r.Id).Skip(page.Skip).Take(page.Size).Select(r => r.Id), cancellationToken).ConfigureAwait(false);
        var (total, capped) = await _store.TotalAsync(query, page, ids.Count, cancellationToken).ConfigureAwait(false);
        var (rows, certificates) = await PageRowsAsync(ids, cancellationToken).ConfigureAwait(false);

        // The whole rule once more on the page, as approve decides it: the SQL above narrows, this decides.
        var byId = profiles.ToDictionary(p => p.Id, StringComparer.Ordinal);
        var people = await PeopleOfAsync(rows, cancellationToken).ConfigureAwait(false);
        var mine = rows
            .Where(r => people.Targets.TryGetValue(r.TargetId, out var target)
                        && byId.TryGetValue(r.CredentialProfileId, out var profile)
                        && RequestActions.For(access, r, target, profile, Now, _collection.RecollectWindow).Approve)
            .ToList();
        return new Page<RequestView>(await ViewsAsync(access, mine, cancellationToken, byId, people, certificates).ConfigureAwait(false), page.Page, page.Size, total, capped);
    }

    /// <summary>
    /// The requests whose target <paramref name="reach"/> covers, asked of the target's group as the request keeps it
    /// (<see cref="RecoveryRequest.TargetGroupId"/>): <see cref="Reach.Filter"/> on the request's own row, as
    /// <see cref="PeopleDirectory.Within"/> asks it of a person's, so that a list or the queue walks requests in order
    /// without a lookup of People for each.
    /// </summary>
    private static Expression<Func<RecoveryRequest, bool>> TargetWithin(Reach reach) =>
        reach.Filter(TargetColumns);

    /// <summary>A request names its target, with the target's group as the request keeps it.</summary>
    private static readonly PersonColumns<RecoveryRequest> TargetColumns = new(r => r.TargetGroupId, r => r.TargetId);

    private static Expression<Func<RecoveryRequest, bool>> Both(Expression<Func<RecoveryRequest, bool>> left, Expression<Func<RecoveryRequest, bool>> right) =>
        Expression.Lambda<Func<RecoveryRequest, bool>>(Expression.AndAlso(left.Body, Expression.Invoke(right, left.Parameters[0])), left.Parameters);

    private static Expression<Func<RecoveryRequest, bool>> Either(Expression<Func<RecoveryRequest, bool>> left, Expression<Func<RecoveryRequest, bool>> right) =>
        Expression.Lambda<Func<RecoveryRequest, bool>>(Expression.OrElse(left.Body, Expression.Invoke(right, left.Parameters[0])), left.Parameters);

    private async Task<Result<RequestView>> ValidateAsync(AccessContext access, string requestId, bool approve, string? notes, Channel channel, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(access);
        var action = approve ? "recovery.approve" : "recovery.reject";
        if (notes is { Length: > MaxNotes })
        {
            return await RefuseAsync(access, action, null, requestId.Length <= 64 ? requestId : null, RequestErrors.NotesTooLong, channel, cancellationToken).ConfigureAwait(false);
        }

        for (var attempt = 1; ; attempt++)
        {
            var (request, target, profile) = await LoadVisibleAsync(access, requestId, cancellationToken).ConfigureAwait(false);
            if (request is null)
            {
                return await RefuseAsync(access, action, null, null, RequestErrors.NotFound, channel, cancellationToken).ConfigureAwait(false);
            }

            var refused = ValidateRules(access, request, PersonRef.From(target!), profile, approve);
            if (refused is not null)
            {
                return await RefuseAsync(access, action, request.TargetId, request.Id, refused, channel, cancellationToken).ConfigureAwait(false);
            }

            var now = Now;
            var done = approve
                ? request.Approve(access.Caller.PersonId, Trim(notes), now, channel)
                : request.Reject(access.Caller.PersonId, Trim(notes), now, channel);
            if (!done.IsSuccess)
            {
                return await RefuseAsync(access, action, request.TargetId, request.Id, done.Error, channel, cancellationToken).ConfigureAwait(false);
            }

            var details = approve
                ? $"Approved recovery request {request.Id} ({request.Approvals.Count} of {request.ApprovalsRequired}){(request.Status == RequestStatus.AwaitingIssue ? "; it can now be collected" : string.Empty)}."
                : $"Rejected recovery request {request.Id}{Because(notes)}.";
            await AuditAsync(access, action, request, details, channel, cancellationToken).ConfigureAwait(false);
            if (await TrySaveAsync(attempt, cancellationToken).ConfigureAwait(false))
            {
                return await ViewAsync(access, request, target!, profile, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    /// <summary>
    /// Who may approve or reject (docs/recovery.md#validating), before the request's own state and approvals are
    /// asked: dual control first — the requester and the recipient are told so, whatever roles they hold — then
    /// ValidateRequest with the person in scope and a role on the profile's Can validate list. A disabled person's
    /// request may be rejected, not approved. Null when allowed. <see cref="RequestActions"/> asks the same.
    /// </summary>
    internal static Error? ValidateRules(AccessContext access, RecoveryRequest request, PersonRef target, CredentialProfile? profile, bool approve) =>
        request.DualControl(access.Caller.PersonId) ?? access.Policy.Decide(access.Caller, Operation.ValidateRequest, target, profile) switch
        {
            AccessDecision.Allowed => null,
            AccessDecision.TargetDisabled when !approve => null,
            AccessDecision.TargetDisabled => RequestErrors.TargetDisabled.WithDetail("The person is disabled: the request can be rejected or cancelled, not approved."),
            AccessDecision.RoleNotPermittedByProfile => RequestErrors.CannotValidate.WithDetail($"None of your roles is on the Can validate list of profile '{profile!.Name}'."),
            AccessDecision.TargetOutOfScope => RequestErrors.Forbidden.WithDetail("The person is outside the scope of your ValidateRequest role."),
            _ => RequestErrors.Forbidden.WithDetail("Validating needs a role that grants ValidateRequest."),
        };

    /// <summary>
    /// Who may cancel (docs/recovery.md#validating): the person who asked for their own keys, or CancelRequest with
    /// the person in scope — a disabled person's request included. Null when allowed; the request's state is its own
    /// guard. <see cref="RequestActions"/> asks the same.
    /// </summary>
    internal static Error? CancelRules(AccessContext access, RecoveryRequest request, PersonRef target)
    {
        var ownRequest = request.RequestedById == access.Caller.PersonId && request.TargetId == access.Caller.PersonId && access.Caller.Enabled;
        return ownRequest || access.Policy.Decide(access.Caller, Operation.CancelRequest, target) is AccessDecision.Allowed or AccessDecision.TargetDisabled
            ? null
            : RequestErrors.Forbidden.WithDetail("Cancelling needs CancelRequest with the person in scope, unless you asked for your own keys.");
    }

    /// <summary>
    /// The rules after visibility: operation and scope, self-service, the profile and its role lists. The caller
    /// already sees the person (the request route answered "not found" otherwise), so a refusal here tells them
    /// nothing about who exists.
    /// </summary>
    private async Task<Error?> RequestRulesAsync(AccessContext access, Person target, CredentialProfile? profile, Operation operation, bool selfService, CancellationToken cancellationToken)
    {
        var withoutProfile = access.Policy.Decide(access.Caller, operation, PersonRef.From(target));
        switch (withoutProfile)
        {
            case AccessDecision.TargetOutOfScope:
                return RequestErrors.Forbidden.WithDetail($"The person is outside the scope of your {operation} role.");
            case AccessDecision.CallerDisabled or AccessDecision.OperationNotGranted or AccessDecision.NotSelf:
                return RequestErrors.Forbidden.WithDetail(selfService
                    ? "Asking for your own keys needs a role that grants RequestMyRecovery."
                    : $"Requesting recovery needs a role that grants {operation}.");
            case AccessDecision.TargetDisabled:
                return RequestErrors.TargetDisabled;
        }

        if (selfService)
        {
            var settings = await _store.FirstOrDefaultAsync(_store.Settings, cancellationToken).ConfigureAwait(false);
            if (settings is not { AllowSelfRequests: true })
            {
                return RequestErrors.SelfRequestsDisabled;
            }
        }

        if (profile is null)
        {
            return RequestErrors.ProfileNotFound;
        }

        if (!profile.KeyRecoveryOnly)
        {
            return RequestErrors.ProfileNotForRecovery.WithDetail($"Profile '{profile.Name}' is not marked Key recovery only.");
        }

        if (access.Policy.Decide(access.Caller, operation, PersonRef.From(target), profile) != AccessDecision.Allowed)
        {
            return RequestErrors.CannotRequest.WithDetail($"None of your roles that may request this is on the Can request list of profile '{profile.Name}'.");
        }

        return AccessPolicy.CanReceive(PersonRef.From(target), profile)
            ? null
            : RequestErrors.CannotReceive.WithDetail($"{target.Name} holds no role on the Can receive list of profile '{profile.Name}'.");
    }

    private async Task<Result<RequestView>> OpenAsync(
        AccessContext access, string action, RequestKind kind, Person target, Device? device, CredentialProfile profile, IReadOnlyList<string>? certificateIds, Channel channel, CancellationToken cancellationToken)
    {
        var ids = certificateIds ?? [];
        var (refused, certificates) = await CheckCertificatesAsync(target, ids, cancellationToken).ConfigureAwait(false);
        if (refused is not null)
        {
            return await RefuseAsync(access, action, target.Id, device?.Id, refused, channel, cancellationToken).ConfigureAwait(false);
        }

        var now = Now;
        var request = RecoveryRequest.Open(
            Ids.New(), kind, target.Id, target.GroupId, device?.Id, profile.Id, ids, access.Caller.PersonId,
            profile.ValidateIssuance ? profile.ApprovalsRequired : 0,
            profile.MaxReleases,
            now, profile.RequestExpiryDays > 0 ? TimeSpan.FromDays(profile.RequestExpiryDays) : null, channel);
        _store.Add(request);
        var to = kind switch
        {
            RequestKind.NewDevice => "a new smart card",
            RequestKind.DeviceUpdate => $"smart card {device!.SerialNumber}",
            _ => profile.SoftCertificateLocation == SoftCertificateLocation.SystemStore ? "the certificate store of your computer" : "a password-protected PFX file",
        };
        await AuditAsync(access, action, request, $"Requested recovery of {ids.Count} archived key(s) of {target.Name} to {to} with profile '{profile.Name}'; {(request.Status == RequestStatus.AwaitingValidation ? $"{request.ApprovalsRequired} approval(s) needed" : "no approval needed")}.", channel, cancellationToken).ConfigureAwait(false);
        StageNotice(
            target,
            "Key recovery requested for your certificates",
            $"{access.Caller.LogonName} asked Keyward to recover the keys of {ids.Count} of your encryption certificate(s) to {to}.\n" +
            $"Request: {request.Id}\nStatus: {request.Status}\n\nIf you did not expect this, contact your security team.");
        try
        {
            await _store.SaveChangesAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (ConcurrencyConflictException)
        {
            // The claims' key is the rule (one outstanding request per certificate; docs/recovery.md#requesting): an
            // outstanding request holds one of them. It is not read first: the common case has none, and the key decides
            // every race anyway.
            return await RefuseAsync(access, action, target.Id, device?.Id, RequestErrors.AlreadyRequested, channel, cancellationToken).ConfigureAwait(false);
        }

        return await ViewAsync(access, request, target, profile, cancellationToken, certificates).ConfigureAwait(false);
    }

    /// <summary>
    /// Check 6 of docs/recovery.md#requesting: a non-empty list without duplicates of the target's own certificates with archived keys. An id that
    /// names someone else's certificate gets exactly the answer of an id that names none, so that a request cannot
    /// be used to learn which certificate ids exist.
    /// </summary>
    private async Task<(Error? Refused, List<Certificate> Certificates)> CheckCertificatesAsync(Person target, IReadOnlyList<string> ids, CancellationToken cancellationToken)
    {
        if (ids.Count == 0)
        {
            return (RequestErrors.NoCertificates, []);
        }

        if (ids.Count > MaxCertificates)
        {
            return (RequestErrors.TooManyCertificates, []);
        }

        if (ids.Any(string.IsNullOrWhiteSpace))
        {
            return (RequestErrors.UnknownCertificate.WithDetail("A certificate id in the list is empty or null."), []);
        }

        var duplicate = ids.GroupBy(id => id, StringComparer.Ordinal).FirstOrDefault(g => g.Count() > 1);
        if (duplicate is not null)
        {
            return (RequestErrors.DuplicateCertificate.WithDetail($"Certificate {duplicate.Key} is named more than once."), []);
        }

        // Only the target's own certificates are read: someone else's is never loaded, so it cannot answer differently.
        var targetId = target.Id;
        var found = await _store.ToListAsync(_store.Certificates.Where(c => ids.Contains(c.Id) && c.OwnerId == targetId), cancellationToken).ConfigureAwait(false);
        var unknown = ids.FirstOrDefault(id => found.All(c => c.Id != id));
        if (unknown is not null)
        {
            return (RequestErrors.UnknownCertificate.WithDetail($"Certificate {unknown} is not one of {target.Name}'s certificates."), found);
        }

        var notArchived = found.FirstOrDefault(c => !c.Archived);
        return notArchived is null
            ? (null, found)
            : (RequestErrors.NotArchived.WithDetail($"Certificate {notArchived.SerialNumber} has no archived key (signing keys are never archived)."), found);
    }

    /// <summary>The request, its target and profile — or nulls when it does not exist or the caller may not see it.</summary>
    private async Task<(RecoveryRequest? Request, Person? Target, CredentialProfile? Profile)> LoadVisibleAsync(AccessContext access, string requestId, CancellationToken cancellationToken)
    {
        var request = await _store.FirstOrDefaultAsync(_store.Requests.Where(r => r.Id == requestId), cancellationToken).ConfigureAwait(false);
        var target = request is null ? null : await PersonAsync(request.TargetId, cancellationToken).ConfigureAwait(false);
        if (request is null || target is null || !(Sees(access, Operation.ViewRequest, target) || request.RequestedById == access.Caller.PersonId))
        {
            return (null, null, null);
        }

        var profileId = request.CredentialProfileId;
        var profile = await ProfileAsync(access, profileId, cancellationToken).ConfigureAwait(false);
        return (request, target, profile);
    }

    private static bool Sees(AccessContext access, Operation operation, Person person) =>
        access.Policy.Decide(access.Caller, operation, PersonRef.From(person)) is AccessDecision.Allowed;

    private async Task<Person?> PersonAsync(string personId, CancellationToken cancellationToken) =>
        await _store.FirstOrDefaultAsync(_store.People.Where(p => p.Id == personId), cancellationToken).ConfigureAwait(false);

    /// <summary>
    /// A profile by id or name: from the profiles the caller's access context holds for its access epoch when the
    /// process caches them (<see cref="AccessContext.Profiles"/>), otherwise read.
    /// </summary>
    private async Task<CredentialProfile?> ProfileAsync(AccessContext access, string? idOrName, CancellationToken cancellationToken)
    {
        if (string.IsNullOrWhiteSpace(idOrName))
        {
            return null;
        }

        if (access.Profiles is { } cached)
        {
            return cached.GetValueOrDefault(idOrName) ?? cached.Values.FirstOrDefault(p => string.Equals(p.Name, idOrName, StringComparison.Ordinal));
        }

        return await _store.FirstOrDefaultAsync(_store.CredentialProfiles.Where(p => p.Id == idOrName || p.Name == idOrName), cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// The requests of a page whose ids (in page order) were found first, read to be shown: each request's row, then its
    /// certificates, approvals and history, each list by a query of its own over the page's ids and each as flat columns.
    /// Reading them as entities with their owned lists cost most of a page (EF Core's split-query shaper builds delegates
    /// for every request it fills; docs/performance.md, "A page of requests read flat"). The certificates come with the
    /// columns their views show (<see cref="RequestCertificateView.Named"/>), returned beside the requests for
    /// <see cref="ViewsAsync"/>.
    /// </summary>
    private async Task<(List<RecoveryRequest> Rows, List<RequestCertificateView> Certificates)> PageRowsAsync(List<string> ids, CancellationToken cancellationToken)
    {
        if (ids.Count == 0)
        {
            return ([], []);
        }

        var page = _store.Requests.Where(r => ids.Contains(r.Id));
        var rows = await _store.ToListAsync(page.Select(RecoveryRequest.Row), cancellationToken).ConfigureAwait(false);
        var named = await _store.ToListAsync(
            page.SelectMany(r => r.Certificates).LeftJoin(_store.Certificates, n => n.CertificateId, c => c.Id, RequestCertificateView.Named),
            cancellationToken).ConfigureAwait(false);
        var certificates = named.Select(n => new RequestCertificate(n.RequestId, n.CertificateId)).ToLookup(c => c.RequestId, StringComparer.Ordinal);
        var approvals = (await _store.ToListAsync(page.SelectMany(r => r.Approvals).Select(a => new Approval(a.RequestId, a.ApproverId, a.At, a.Notes)), cancellationToken).ConfigureAwait(false))
            .ToLookup(a => a.RequestId, StringComparer.Ordinal);
        var history = (await _store.ToListAsync(
                page.SelectMany(r => r.History).Select(h => new RequestHistoryEntry(h.RequestId, h.Sequence, h.At, h.ActorId, h.Action, h.Notes, h.Channel)),
                cancellationToken).ConfigureAwait(false))
            .ToLookup(h => h.RequestId, StringComparer.Ordinal);
        var byId = rows.ToDictionary(r => r.Id, r => r.Shown(certificates[r.Id], approvals[r.Id], history[r.Id]), StringComparer.Ordinal);

        // A request that left the page's filter between the two reads (a status changed) is still shown as it now is.
        return (
            ids.Select(id => byId.GetValueOrDefault(id)).OfType<RecoveryRequest>().ToList(),
            named.Select(n => n.View).OfType<RequestCertificateView>().DistinctBy(v => v.Id, StringComparer.Ordinal).ToList());
    }

    private async Task<IReadOnlyDictionary<string, CredentialProfile>> ProfilesAsync(AccessContext access, IEnumerable<string> ids, CancellationToken cancellationToken)
    {
        if (access.Profiles is { } cached)
        {
            return cached;
        }

        var wanted = ids.Distinct(StringComparer.Ordinal).ToList();
        var profiles = await _store.ReadOnlyAsync(_store.CredentialProfiles.Where(p => wanted.Contains(p.Id)), cancellationToken).ConfigureAwait(false);
        return profiles.ToDictionary(p => p.Id, StringComparer.Ordinal);
    }

    /// <summary>
    /// Everyone a view of <paramref name="requests"/> names (targets, requesters, approvers and the actors of their
    /// history) by logon name, and each target as the rules see them: flat columns, not people with their assignments.
    /// </summary>
    private async Task<(Dictionary<string, PersonRef> Targets, Dictionary<string, string> Names)> PeopleOfAsync(IReadOnlyList<RecoveryRequest> requests, CancellationToken cancellationToken)
    {
        var wanted = Named(requests).ToList();
        var targetIds = requests.Select(r => r.TargetId).Distinct(StringComparer.Ordinal).ToList();
        // One statement: each person once per role they hold (once with none when they hold none). The few operators a
        // page names besides its targets hold a few roles each; only the targets' are used.
        var rows = await _store.ToListAsync(
            from p in _store.People.Where(p => wanted.Contains(p.Id))
            from a in p.Assignments.DefaultIfEmpty()
            select new { p.Id, p.LogonName, p.GroupId, p.Enabled, RoleId = a == null ? null : a.RoleId, Scope = a == null ? (Scope?)null : a.Scope },
            cancellationToken).ConfigureAwait(false);
        var people = rows.GroupBy(r => r.Id, StringComparer.Ordinal).ToList();
        var targets = people.Where(p => targetIds.Contains(p.Key, StringComparer.Ordinal))
            .ToDictionary(
                p => p.Key,
                p => PersonRef.Of(p.Key, p.First().GroupId, p.First().Enabled, p.Where(r => r.RoleId is not null).Select(r => (r.RoleId!, r.Scope!.Value))),
                StringComparer.Ordinal);
        return (targets, people.ToDictionary(p => p.Key, p => p.First().LogonName, StringComparer.Ordinal));
    }

    /// <summary>The ids of everyone a view of <paramref name="requests"/> names, each once.</summary>
    private static IEnumerable<string> Named(IReadOnlyList<RecoveryRequest> requests) =>
        requests.SelectMany(r => new[] { r.TargetId, r.RequestedById }
                .Concat(r.Approvals.Select(a => a.ApproverId))
                .Concat(r.History.Select(h => h.ActorId)))
            .OfType<string>()
            .Distinct(StringComparer.Ordinal);

    /// <summary>
    /// One request as the caller sees it, after a step that read its <paramref name="target"/> already: only the logon
    /// names of the other people it names (requester, approvers, history) are read, and nothing when the caller, the
    /// target and the recent callers this process holds (<see cref="AccessContext.KnownLogonName"/>) are all of them.
    /// </summary>
    private async Task<RequestView> ViewAsync(AccessContext access, RecoveryRequest request, Person target, CredentialProfile? profile, CancellationToken cancellationToken, IReadOnlyList<Certificate>? certificates = null)
    {
        var names = new Dictionary<string, string>(StringComparer.Ordinal) { [target.Id] = target.LogonName, [access.Caller.PersonId] = access.Caller.LogonName };
        var others = new List<string>();
        foreach (var id in Named([request]).Where(id => !names.ContainsKey(id)))
        {
            if (access.KnownLogonName(id) is { } known)
            {
                names[id] = known;
            }
            else
            {
                others.Add(id);
            }
        }

        if (others.Count > 0)
        {
            var read = await _store.ToListAsync(_store.People.Where(p => others.Contains(p.Id)).Select(p => new { p.Id, p.LogonName }), cancellationToken).ConfigureAwait(false);
            foreach (var person in read)
            {
                names[person.Id] = person.LogonName;
            }
        }

        var profiles = profile is null ? null : new Dictionary<string, CredentialProfile>(StringComparer.Ordinal) { [profile.Id] = profile };
        var targets = new Dictionary<string, PersonRef>(StringComparer.Ordinal) { [target.Id] = PersonRef.From(target) };
        return (await ViewsAsync(access, [request], cancellationToken, profiles, (targets, names), certificates?.Select(RequestCertificateView.Of).ToList()).ConfigureAwait(false))[0];
    }

    /// <summary>
    /// The requests as the caller sees them: each with how it is collected and what the caller may do with it now.
    /// <paramref name="knownProfiles"/> and <paramref name="knownPeople"/>, when given, are what the caller read already
    /// (every profile; every target, and the logon name of everyone the views name; the certificates the requests
    /// recover); otherwise they are read here.
    /// </summary>
    private async Task<IReadOnlyList<RequestView>> ViewsAsync(
        AccessContext access,
        IReadOnlyList<RecoveryRequest> requests,
        CancellationToken cancellationToken,
        Dictionary<string, CredentialProfile>? knownProfiles = null,
        (Dictionary<string, PersonRef> Targets, Dictionary<string, string> Names)? knownPeople = null,
        IReadOnlyList<RequestCertificateView>? knownCertificates = null)
    {
        var certificateIds = requests.SelectMany(r => r.Certificates.Select(c => c.CertificateId)).Distinct(StringComparer.Ordinal).ToList();
        // Only the columns a view shows (no DER, nothing tracked); the status as of now is decided below.
        var now = Now;
        var known = knownCertificates?.Select(c => c.Id).ToHashSet(StringComparer.Ordinal);
        var shown = knownCertificates is not null && certificateIds.All(known!.Contains)
            ? knownCertificates
            : await _store.ToListAsync(_store.Certificates.Where(c => certificateIds.Contains(c.Id)).Select(RequestCertificateView.Columns), cancellationToken).ConfigureAwait(false);
        var certificates = shown.ToDictionary(c => c.Id, c => c with { Status = Certificate.StatusAt(c.Status, c.NotAfter, now) }, StringComparer.Ordinal);
        var (targets, names) = knownPeople ?? await PeopleOfAsync(requests, cancellationToken).ConfigureAwait(false);
        var removals = await RemovalsAsync(requests, now, cancellationToken).ConfigureAwait(false);
        var profiles = knownProfiles is not null && requests.All(r => knownProfiles.ContainsKey(r.CredentialProfileId))
            ? knownProfiles
            : await ProfilesAsync(access, requests.Select(r => r.CredentialProfileId), cancellationToken).ConfigureAwait(false);
        string? Name(string? id) => id is not null && names.TryGetValue(id, out var logon) ? logon : null;
        RequestActions Actions(RecoveryRequest r, CredentialProfile? profile) =>
            profile is not null && targets.TryGetValue(r.TargetId, out var target) ? RequestActions.For(access, r, target, profile, now, _collection.RecollectWindow) : RequestActions.None;
        return requests.Select(r => new RequestView(
                r.Id,
                r.Kind,
                r.CollectionMethodUnder(profiles.GetValueOrDefault(r.CredentialProfileId)),
                r.Status,
                r.TargetId,
                Name(r.TargetId),
                r.DeviceId,
                r.CredentialProfileId,
                profiles.TryGetValue(r.CredentialProfileId, out var profile) ? profile.Name : null,
                r.Certificates.Select(c => certificates.TryGetValue(c.CertificateId, out var cert)
                        ? cert
                        : new RequestCertificateView(c.CertificateId, string.Empty, string.Empty, CertificateStatus.Issued, default, default, false, string.Empty))
                    .ToList(),
                removals.TryGetValue(r.Id, out var removes) ? removes : [],
                r.RequestedById,
                Name(r.RequestedById),
                r.ApprovalsRequired,
                r.Releases,
                r.ReleasesAllowed,
                r.Approvals.Select(a => new ApprovalView(a.ApproverId, Name(a.ApproverId), a.At, a.Notes)).ToList(),
                r.History.OrderBy(h => h.Sequence).Select(h => new HistoryView(h.Sequence, h.At, h.ActorId, Name(h.ActorId), h.Action, h.Notes, h.Channel)).ToList(),
                r.CreatedAt,
                r.ExpiresAt,
                Actions(r, profiles.GetValueOrDefault(r.CredentialProfileId))))
            .ToList();
    }

    /// <summary>
    /// For each outstanding device update of <paramref name="requests"/>: the certificates with archived keys on its card
    /// that it does not recover, which collecting it removes from the card (docs/recovery.md#cards).
    /// </summary>
    private async Task<Dictionary<string, List<RequestCertificateView>>> RemovalsAsync(IReadOnlyList<RecoveryRequest> requests, DateTime now, CancellationToken cancellationToken)
    {
        var updates = requests.Where(r => r.Kind == RequestKind.DeviceUpdate && !r.IsFinal && r.DeviceId is not null).ToList();
        if (updates.Count == 0)
        {
            return [];
        }

        // Only the columns a view shows (no DER, nothing tracked), as for the certificates a request recovers.
        var deviceIds = updates.Select(r => r.DeviceId!).Distinct(StringComparer.Ordinal).ToList();
        var onCards = await _store.ToListAsync(
                _store.Certificates.Where(c => c.DeviceId != null && deviceIds.Contains(c.DeviceId) && c.ArchivedKeyId != null)
                    .Select(c => new { c.DeviceId, View = new RequestCertificateView(c.Id, c.SerialNumber, c.Subject, c.Status, c.NotBefore, c.NotAfter, true, c.Thumbprint) }),
                cancellationToken).ConfigureAwait(false);
        return updates.ToDictionary(
            r => r.Id,
            r => onCards.Where(c => c.DeviceId == r.DeviceId && r.Certificates.All(k => k.CertificateId != c.View.Id))
                .Select(c => c.View with { Status = Certificate.StatusAt(c.View.Status, c.View.NotAfter, now) })
                .OrderBy(c => c.NotBefore)
                .ToList(),
            StringComparer.Ordinal);
    }

    private Task AuditAsync(AccessContext access, string action, RecoveryRequest request, string details, Channel channel, CancellationToken cancellationToken) =>
        _audit.AppendAsync(new AuditEntry(access.Caller.PersonId, access.Caller.LogonName, action, AuditOutcome.Succeeded, channel, details, SubjectId: request.TargetId, TargetId: request.Id), cancellationToken);

    /// <summary>Saves; on a lost race forgets everything and answers false so the step is decided again on fresh data.</summary>
    private async Task<bool> TrySaveAsync(int attempt, CancellationToken cancellationToken)
    {
        try
        {
            await _store.SaveChangesAsync(cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (ConcurrencyConflictException) when (attempt < MaxAttempts)
        {
            _store.DiscardChanges();
            return false;
        }
    }

    private async Task<Error> RefuseAsync(AccessContext access, string action, string? subjectId, string? targetId, Error error, Channel channel, CancellationToken cancellationToken)
    {
        _store.DiscardChanges();
        await _audit.AppendAsync(
            new AuditEntry(access.Caller.PersonId, access.Caller.LogonName, action, AuditOutcome.Refused, channel, error.Detail, SubjectId: subjectId, TargetId: targetId, Code: error.Code),
            cancellationToken).ConfigureAwait(false);
        await _store.SaveChangesAsync(cancellationToken).ConfigureAwait(false);
        return error;
    }

    /// <summary>Stages an e-mail to the owner in this unit of work: it is sent only if the change is saved.</summary>
    private void StageNotice(Person owner, string subject, string body)
    {
        if (OwnerNotices.For(owner, subject, body, Now) is { } notice)
        {
            _store.Add(notice);
        }
    }

    private static string? Trim(string? text) => string.IsNullOrWhiteSpace(text) ? null : text.Trim();

    private static string Because(string? reason) => string.IsNullOrWhiteSpace(reason) ? string.Empty : $": {reason.Trim()}";
}
