using Keyward.Certificates;

namespace Keyward.Recovery;

/// <summary>
/// A recovery request as the caller sees it (docs/recovery.md#what-a-request-answer-carries): with how it is collected
/// and what the caller may do with it now, both decided by the core so that every client shows the same.
/// </summary>
public sealed record RequestView(
    string Id,
    RequestKind Kind,
    CollectionMethod CollectionMethod,
    RequestStatus Status,
    string TargetId,
    string? TargetName,
    string? DeviceId,
    string CredentialProfileId,
    string? CredentialProfileName,
    IReadOnlyList<RequestCertificateView> Certificates,
    string RequestedBy,
    string? RequestedByName,
    int ApprovalsRequired,
    int Releases,
    int ReleasesAllowed,
    IReadOnlyList<ApprovalView> Approvals,
    IReadOnlyList<HistoryView> History,
    DateTime CreatedAt,
    DateTime? ExpiresAt,
    RequestActions Actions);

/// <summary>A certificate a request recovers.</summary>
public sealed record RequestCertificateView(string Id, string SerialNumber, string Subject, CertificateStatus Status, DateTime NotBefore, DateTime NotAfter, bool Archived);

/// <summary>One approval.</summary>
public sealed record ApprovalView(string ApproverId, string? ApproverName, DateTime At, string? Notes);

/// <summary>One step of a request's history.</summary>
public sealed record HistoryView(int Sequence, DateTime At, string? ActorId, string? ActorName, string Action, string? Notes, Channel Channel);

/// <summary>
/// What to recover to a new device or as soft certificates, or onto an existing device: the profile (id or name;
/// for a device update, null means the device's own profile) and the certificates whose keys to recover.
/// </summary>
public sealed record NewRequest(string? CredentialProfileId, IReadOnlyList<string>? RecoverCertificateIds);

/// <summary>Filters of the request list; all optional.</summary>
public sealed record RequestFilter(RequestStatus? Status, string? TargetId);

/// <summary>A collected File Store request: the PFX and, when the server generated it, its password (shown once).</summary>
public sealed record CollectedPfx(byte[] Pfx, string? Password, IReadOnlyList<RequestCertificateView> Certificates, RequestView Request);

/// <summary>A collection begun by a collecting client: the certificates, their keys wrapped for its transport key, the chain.</summary>
public sealed record CollectionView(
    string CollectionId,
    string Algorithm,
    byte[] WrappedTransportKey,
    IReadOnlyList<CollectedKeyView> Keys,
    IReadOnlyList<byte[]> Chain,
    string? DeviceSerialNumber,
    IReadOnlyList<string> RemoveCertificateIds,
    RequestView Request);

/// <summary>One certificate with its key wrapped for the collection.</summary>
public sealed record CollectedKeyView(string CertificateId, string SerialNumber, byte[] Certificate, byte[] WrappedKey);
