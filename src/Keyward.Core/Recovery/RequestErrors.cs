using Keyward.Common;

namespace Keyward.Recovery;

public static class RequestErrors
{
    public static readonly Error WrongState = new("recovery.wrong_state", ErrorKind.Conflict, "Request is not in the right state", "The request's status does not allow this step.");

    public static readonly Error SelfApproval = new("recovery.self_approval", ErrorKind.Forbidden, "Dual control", "The requester and the recipient of a request cannot validate it.");

    public static readonly Error AlreadyApproved = new("recovery.already_approved", ErrorKind.Conflict, "Already approved", "You have already approved this request; another approver is needed.");

    public static readonly Error NotCollectable = new("recovery.not_collectable", ErrorKind.Conflict, "Request cannot be collected", "Only a request awaiting issue can be collected.");
}
