using Keyward.Common;

namespace Keyward.Changes;

public static class ChangeErrors
{
    public static readonly Error NotFound = new("changes.not_found", ErrorKind.NotFound, "Change request not found", "No change request with that id is visible to you.");

    public static readonly Error Forbidden = new("changes.forbidden", ErrorKind.Forbidden, "Not allowed", "None of your roles allows deciding this change request.");

    public static readonly Error RequesterCannotApprove = new("changes.requester_cannot_approve", ErrorKind.Forbidden, "Requester cannot approve", "Dual control: a change that weakens recovery controls is approved by an administrator other than the one who asked for it.");

    public static readonly Error AlreadyApproved = new("changes.already_approved", ErrorKind.Conflict, "Already approved", "You have already approved this change request; it needs approvals by other administrators.");

    public static readonly Error WrongState = new("changes.wrong_state", ErrorKind.Conflict, "Change request decided", "This change request is no longer pending.");

    public static readonly Error TargetChanged = new("changes.target_changed", ErrorKind.Conflict, "Record changed since the request", "The record was changed since this change was requested, so its 'before' no longer holds; reject it and request the change again.");

    public static readonly Error PendingExists = new("changes.pending_exists", ErrorKind.Conflict, "A change is already pending", "This record already has a pending change request; approve or reject it first.");

    public static readonly Error NotesTooLong = new("changes.notes_too_long", ErrorKind.Validation, "Notes too long", "Notes and reasons are at most 2000 characters.");

    public static readonly Error Conflict = new("changes.conflict", ErrorKind.Conflict, "Changed by someone else", "Someone else decided or changed this at the same moment; read it again.");
}
