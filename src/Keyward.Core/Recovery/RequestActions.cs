using Keyward.People;
using Keyward.Profiles;
using Keyward.Scopes;

namespace Keyward.Recovery;

/// <summary>
/// What the calling person may do with a request now: the steps a client offers them
/// (docs/recovery.md#what-a-request-answer-carries). Each flag asks the very rules that the step's use case asks
/// before it acts, so a client that offers only these meets a refusal only when someone else acted first or its
/// input breaks a rule (a note too long, a PFX password the policy refuses).
/// </summary>
public sealed record RequestActions(bool Approve, bool Reject, bool Cancel, bool Collect)
{
    /// <summary>No step at all.</summary>
    public static RequestActions None { get; } = new(false, false, false, false);

    /// <summary>
    /// The steps <paramref name="access"/>'s caller may take on <paramref name="request"/> for
    /// <paramref name="target"/> (its recipient) under <paramref name="profile"/> (its profile), at <paramref name="now"/>
    /// with a File Store re-collect window of <paramref name="recollectWindow"/>. Pure: reads nothing but its arguments.
    /// </summary>
    public static RequestActions For(AccessContext access, RecoveryRequest request, PersonRef target, CredentialProfile profile, DateTime now, TimeSpan recollectWindow)
    {
        ArgumentNullException.ThrowIfNull(access);
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(target);
        ArgumentNullException.ThrowIfNull(profile);
        var me = access.Caller.PersonId;
        return new RequestActions(
            Approve: RecoveryWorkflow.ValidateRules(access, request, target, profile, approve: true) is null && request.ApprovalRefusal(me) is null,
            Reject: RecoveryWorkflow.ValidateRules(access, request, target, profile, approve: false) is null && request.RejectionRefusal(me) is null,
            Cancel: RecoveryWorkflow.CancelRules(access, request, target) is null && request.CancellationRefusal() is null,

            // Collectable means awaiting issue (the state RecoveryRequest.BeginCollection takes a request from), a
            // collection of the caller's whose client never reported back (RecoveryRequest.ResumableBy), or a
            // completed File Store request its collector may collect once more (RecoveryRequest.ReleaseAgain).
            Collect: RecoveryWorkflow.CollectRules(access, request, target, profile) is null
                     && (request.Status == RequestStatus.AwaitingIssue
                         || request.ResumableBy(me)
                         || (request.CollectionMethodUnder(profile) == CollectionMethod.FileStore && request.ReleaseAgainRefusal(me, now, recollectWindow) is null)));
    }
}
