using System.Text.Json;
using Keyward.Audit;
using Keyward.Certificates;
using Keyward.Common;
using Keyward.Profiles;
using Keyward.Recovery;
using Keyward.Scopes;

namespace Keyward.Changes;

/// <summary>One approval of a change request as the Core API shows it.</summary>
public sealed record ChangeApprovalView(string ApproverId, string ApproverName, DateTime At, string? Notes);

/// <summary>A change request as the Core API shows it: what changes, before and after, and who approved.</summary>
public sealed record ChangeRequestView(
    string Id,
    ChangeKind Kind,
    string TargetId,
    string TargetName,
    ChangeStatus Status,
    string Summary,
    string Changes,
    JsonElement Before,
    JsonElement After,
    string RequestedById,
    string RequestedByName,
    int ApprovalsRequired,
    IReadOnlyList<ChangeApprovalView> Approvals,
    DateTime CreatedAt,
    DateTime? DecidedAt,
    string? RejectionReason)
{
    public static ChangeRequestView Of(ChangeRequest change)
    {
        ArgumentNullException.ThrowIfNull(change);
        return new(
            change.Id, change.Kind, change.TargetId, change.TargetName, change.Status, change.Summary, ChangeJson.Diff(change.Before, change.After),
            JsonDocument.Parse(change.Before).RootElement.Clone(), JsonDocument.Parse(change.After).RootElement.Clone(),
            change.RequestedById, change.RequestedByName, change.ApprovalsRequired,
            change.Approvals.OrderBy(a => a.At).Select(a => new ChangeApprovalView(a.ApproverId, a.ApproverName, a.At, a.Notes)).ToList(),
            change.CreatedAt, change.DecidedAt, change.RejectionReason);
    }
}

/// <summary>
/// Dual control over changes that weaken recovery controls: opening a change request, listing, approving (the m-th
/// distinct approval applies it, atomically, in the same transaction) and rejecting. The requester never approves.
/// Every step and every refusal is audited; an applied change's entry carries its before and after values.
/// </summary>
public sealed class ChangeControl
{
    private readonly IKeywardStore _store;
    private readonly AuditedChange _steps;
    private readonly TimeProvider _clock;

    public ChangeControl(IKeywardStore store, AuditedChange steps, TimeProvider clock)
    {
        _store = store;
        _steps = steps;
        _clock = clock;
    }

    /// <summary>Stages a new change request for <paramref name="targetId"/>, or refuses when one is pending already.</summary>
    public async Task<Result<ChangeRequest>> OpenAsync(
        AccessContext access, ChangeKind kind, string targetId, string targetName, IReadOnlyList<string> weakenings, string before, string after, int approvalsRequired, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(access);
        ArgumentNullException.ThrowIfNull(weakenings);
        if (await _store.AnyAsync(_store.ChangeRequests.Where(c => c.TargetId == targetId && c.Status == ChangeStatus.Pending), cancellationToken).ConfigureAwait(false))
        {
            return ChangeErrors.PendingExists;
        }

        var change = ChangeRequest.Open(
            Ids.New(), kind, targetId, targetName, string.Join("; ", weakenings), before, after, access.Caller.PersonId, access.Caller.LogonName, approvalsRequired, _clock.GetUtcNow().UtcDateTime);
        _store.Add(change);
        return change;
    }

    public async Task<Result<Page<ChangeRequestView>>> ListAsync(AccessContext access, ChangeStatus? status, PageRequest page, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(access);
        if (!access.Caller.Holds(Operation.ManageProfiles))
        {
            return ChangeErrors.Forbidden;
        }

        var query = _store.ChangeRequests.Where(c => status == null || c.Status == status);
        var total = await _store.CountAsync(query, cancellationToken).ConfigureAwait(false);
        var rows = await _store.ToListAsync(query.OrderByDescending(c => c.CreatedAt).ThenBy(c => c.Id).Skip(page.Skip).Take(page.Size), cancellationToken).ConfigureAwait(false);
        return new Page<ChangeRequestView>(rows.Select(ChangeRequestView.Of).ToList(), page.Page, page.Size, total);
    }

    public async Task<Result<ChangeRequestView>> GetAsync(AccessContext access, string id, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(access);
        var change = access.Caller.Holds(Operation.ManageProfiles) ? await FindAsync(id, cancellationToken).ConfigureAwait(false) : null;
        return change is null ? ChangeErrors.NotFound : ChangeRequestView.Of(change);
    }

    /// <summary>Approves; the m-th distinct approval applies the change with its audit entry in one transaction.</summary>
    public Task<Result<ChangeRequestView>> ApproveAsync(AccessContext access, string id, string? notes, Channel channel, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(access);
        return _steps.RunAsync<ChangeRequestView>(access, "changes.approve", channel, ChangeErrors.Conflict, async () =>
        {
            var change = access.Caller.Holds(Operation.ManageProfiles) ? await FindAsync(id, cancellationToken).ConfigureAwait(false) : null;
            if (change is null)
            {
                return ChangeErrors.NotFound;
            }

            var now = _clock.GetUtcNow().UtcDateTime;
            var approved = change.Approve(access.Caller.PersonId, access.Caller.LogonName, notes, now);
            if (!approved.IsSuccess)
            {
                return approved.Error;
            }

            IReadOnlyList<AuditEntry>? then = null;
            var details = $"Approved change request {change.Id} ({change.Kind} '{change.TargetName}': {change.Summary}), approvals {change.Approvals.Count}/{change.ApprovalsRequired}.";
            if (approved.Value)
            {
                var applied = await ApplyAsync(change, cancellationToken).ConfigureAwait(false);
                if (applied.Error is { } error)
                {
                    return error;
                }

                then =
                [
                    new AuditEntry(access.Caller.PersonId, access.Caller.LogonName, "changes.apply", AuditOutcome.Succeeded, channel,
                        $"Applied change request {change.Id} to {change.Kind} '{change.TargetName}', requested by {change.RequestedByName}: {ChangeJson.Diff(change.Before, change.After)}. Before: {change.Before} After: {change.After}",
                        TargetId: change.TargetId),
                ];
            }

            return new AuditedOutcome<ChangeRequestView>(ChangeRequestView.Of(change), change.Id, details, Then: then);
        }, cancellationToken);
    }

    /// <summary>Rejects (or, by its requester, withdraws) a pending change; nothing is applied.</summary>
    public Task<Result<ChangeRequestView>> RejectAsync(AccessContext access, string id, string? reason, Channel channel, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(access);
        return _steps.RunAsync<ChangeRequestView>(access, "changes.reject", channel, ChangeErrors.Conflict, async () =>
        {
            var change = access.Caller.Holds(Operation.ManageProfiles) ? await FindAsync(id, cancellationToken).ConfigureAwait(false) : null;
            if (change is null)
            {
                return ChangeErrors.NotFound;
            }

            var rejected = change.Reject(access.Caller.PersonId, reason, _clock.GetUtcNow().UtcDateTime);
            return rejected.IsSuccess
                ? new AuditedOutcome<ChangeRequestView>(ChangeRequestView.Of(change), change.Id, $"Rejected change request {change.Id} ({change.Kind} '{change.TargetName}': {change.Summary}).")
                : rejected.Error;
        }, cancellationToken);
    }

    private Task<ChangeRequest?> FindAsync(string id, CancellationToken cancellationToken) =>
        _store.FirstOrDefaultAsync(_store.ChangeRequests.Where(c => c.Id == id), cancellationToken);

    /// <summary>Applies the change to its record, provided the record still holds the change's "before".</summary>
    private async Task<Result> ApplyAsync(ChangeRequest change, CancellationToken cancellationToken)
    {
        switch (change.Kind)
        {
            case ChangeKind.CredentialProfile:
                var profile = await _store.FirstOrDefaultAsync(_store.CredentialProfiles.Where(p => p.Id == change.TargetId), cancellationToken).ConfigureAwait(false);
                if (profile is null || ChangeJson.Write(profile.Settings()) != change.Before)
                {
                    return ChangeErrors.TargetChanged;
                }

                return profile.Update(ChangeJson.Read<CredentialProfileSettings>(change.After));

            case ChangeKind.CertificatePolicy:
                var policy = await _store.FirstOrDefaultAsync(_store.CertificatePolicies.Where(p => p.Id == change.TargetId), cancellationToken).ConfigureAwait(false);
                if (policy is null || ChangeJson.Write(policy.Settings()) != change.Before)
                {
                    return ChangeErrors.TargetChanged;
                }

                return policy.Update(ChangeJson.Read<CertificatePolicySettings>(change.After));

            default:
                throw new InvalidOperationException($"Unknown change kind {change.Kind}.");
        }
    }
}
