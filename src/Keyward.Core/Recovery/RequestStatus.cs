namespace Keyward.Recovery;

/// <summary>Where a recovery request stands (docs/recovery.md#lifecycle). Never renumber.</summary>
public enum RequestStatus
{
    /// <summary>Waiting for the approvals its profile requires.</summary>
    AwaitingValidation = 1,

    /// <summary>Approved (or needing no approval): ready to be collected.</summary>
    AwaitingIssue = 2,

    /// <summary>A collector holds it; keys are on their way. Ends in Completed, or back to AwaitingIssue on failure.</summary>
    InProgress = 3,

    /// <summary>Collected. Final.</summary>
    Completed = 4,

    /// <summary>An approver rejected it. Final.</summary>
    Rejected = 5,

    /// <summary>Cancelled by an operator or expired. Final.</summary>
    Cancelled = 6,

    /// <summary>Abandoned after a failure that cannot be retried. Final.</summary>
    Failed = 7,
}

/// <summary>What a request recovers to. Never renumber.</summary>
public enum RequestKind
{
    /// <summary>Recovery onto a new smart card.</summary>
    NewDevice = 1,

    /// <summary>Recovery as soft certificates (PFX or system store).</summary>
    SoftCertificate = 2,

    /// <summary>Recovery onto the owner's existing, issued device.</summary>
    DeviceUpdate = 3,
}

/// <summary>
/// Through which adapter a step was taken; recorded in history and audit. Never renumber. <see cref="Api"/>,
/// <see cref="Web"/> and <see cref="Cli"/> are what the client claims (the <c>Keyward-Channel</c> header): a
/// record of where a step says it came from, never a security boundary.
/// </summary>
public enum Channel
{
    /// <summary>The REST Core API.</summary>
    Api = 1,

    /// <summary>The Operator Client (web).</summary>
    Web = 2,

    /// <summary>The keyward command.</summary>
    Cli = 3,

    /// <summary>Keyward itself (background jobs such as expiry).</summary>
    System = 4,
}
