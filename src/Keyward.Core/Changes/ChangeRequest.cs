using Keyward.Common;

namespace Keyward.Changes;

/// <summary>
/// A change that weakens recovery controls, held until administrators other than its requester approve it: m
/// distinct approvals, as a recovery request needs (docs/operations.md#administration). It keeps the record's
/// settings before and after, as JSON, so that approvers see exactly what they approve and the audit trail records
/// it. Every transition guards itself and changes <see cref="ConcurrencyStamp"/>, so two approvers racing get one
/// success and one conflict.
/// </summary>
public sealed class ChangeRequest
{
    /// <summary>The longest notes or reason an approver may give.</summary>
    public const int MaxNotesLength = 2000;

    private readonly List<ChangeApproval> _approvals = [];

    private ChangeRequest()
    {
        Id = TargetId = TargetName = Summary = Before = After = RequestedById = RequestedByName = string.Empty;
    }

    public string Id { get; private set; }

    public ChangeKind Kind { get; private set; }

    /// <summary>The id of the profile or policy changed.</summary>
    public string TargetId { get; private set; }

    /// <summary>Its name when the change was requested.</summary>
    public string TargetName { get; private set; }

    /// <summary>What the change weakens, one clause per control, for approvers to read.</summary>
    public string Summary { get; private set; }

    /// <summary>The record's settings when the change was requested (JSON). Approval applies only while they still hold.</summary>
    public string Before { get; private set; }

    /// <summary>The settings the change applies (JSON).</summary>
    public string After { get; private set; }

    public string RequestedById { get; private set; }

    public string RequestedByName { get; private set; }

    /// <summary>Distinct approvals needed, fixed when the change is requested.</summary>
    public int ApprovalsRequired { get; private set; }

    public ChangeStatus Status { get; private set; }

    /// <summary>UTC.</summary>
    public DateTime CreatedAt { get; private set; }

    /// <summary>When it was applied or rejected (UTC).</summary>
    public DateTime? DecidedAt { get; private set; }

    /// <summary>Who rejected it, and why.</summary>
    public string? RejectedById { get; private set; }

    public string? RejectionReason { get; private set; }

    public Guid ConcurrencyStamp { get; private set; }

    public IReadOnlyList<ChangeApproval> Approvals => _approvals;

    public static ChangeRequest Open(string id, ChangeKind kind, string targetId, string targetName, string summary, string before, string after, string requestedById, string requestedByName, int approvalsRequired, DateTime now) => new()
    {
        Id = id,
        Kind = kind,
        TargetId = targetId,
        TargetName = targetName,
        Summary = summary,
        Before = before,
        After = after,
        RequestedById = requestedById,
        RequestedByName = requestedByName,
        ApprovalsRequired = Math.Max(1, approvalsRequired),
        Status = ChangeStatus.Pending,
        CreatedAt = now,
        ConcurrencyStamp = Guid.NewGuid(),
    };

    /// <summary>
    /// Records one approval. Returns true when it is the m-th distinct one: the change is then Applied, and the caller
    /// applies it in the same unit of work.
    /// </summary>
    public Result<bool> Approve(string approverId, string approverName, string? notes, DateTime now)
    {
        if (Status != ChangeStatus.Pending)
        {
            return ChangeErrors.WrongState.WithDetail($"This change request is {Status}, not pending.");
        }

        if (string.Equals(approverId, RequestedById, StringComparison.Ordinal))
        {
            return ChangeErrors.RequesterCannotApprove;
        }

        if (_approvals.Any(a => a.ApproverId == approverId))
        {
            return ChangeErrors.AlreadyApproved;
        }

        if (notes?.Length > MaxNotesLength)
        {
            return ChangeErrors.NotesTooLong;
        }

        _approvals.Add(new ChangeApproval(Id, approverId, approverName, now, notes));
        ConcurrencyStamp = Guid.NewGuid();
        if (_approvals.Count < ApprovalsRequired)
        {
            return false;
        }

        Status = ChangeStatus.Applied;
        DecidedAt = now;
        return true;
    }

    /// <summary>Rejects the change (its requester may withdraw it this way); nothing is applied.</summary>
    public Result Reject(string actorId, string? reason, DateTime now)
    {
        if (Status != ChangeStatus.Pending)
        {
            return ChangeErrors.WrongState.WithDetail($"This change request is {Status}, not pending.");
        }

        if (reason?.Length > MaxNotesLength)
        {
            return ChangeErrors.NotesTooLong;
        }

        Status = ChangeStatus.Rejected;
        DecidedAt = now;
        RejectedById = actorId;
        RejectionReason = reason;
        ConcurrencyStamp = Guid.NewGuid();
        return Result.Ok();
    }
}
