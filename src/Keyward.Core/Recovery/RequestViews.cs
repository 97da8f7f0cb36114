using System.Linq.Expressions;
using Keyward.Certificates;

namespace Keyward.Recovery;

/// <summary>
/// A recovery request as the caller sees it (docs/recovery.md#what-a-request-answer-carries): with how it is collected
/// and what the caller may do with it now, both decided by the core so that every client shows the same.
/// <see cref="Removes"/> lists, while a device update is outstanding, the certificates with archived keys on the card that
/// the request does not recover: collecting it removes them from the card, so a client shows them before it writes.
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
    IReadOnlyList<RequestCertificateView> Removes,
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

/// <summary>A certificate a request recovers (or, in <c>removes</c>, takes off a card).</summary>
/// <param name="Id">The certificate's id.</param>
/// <param name="SerialNumber">Its serial number, hexadecimal.</param>
/// <param name="Subject">Its subject.</param>
/// <param name="Status">Its status now.</param>
/// <param name="NotBefore">The start of its validity.</param>
/// <param name="NotAfter">The end of its validity.</param>
/// <param name="Archived">Whether its key is archived.</param>
/// <param name="Thumbprint">
/// SHA-256 of its DER, lowercase hexadecimal: enough for a collecting client to find it among a card's certificates
/// without fetching each one (docs/recovery.md#what-a-request-answer-carries). Empty for a certificate no longer on record.
/// </param>
public sealed record RequestCertificateView(string Id, string SerialNumber, string Subject, CertificateStatus Status, DateTime NotBefore, DateTime NotAfter, bool Archived, string Thumbprint)
{
    /// <summary>The columns a view shows, as a query reads them (no DER); the status is as stored, not yet as of now.</summary>
    internal static readonly Expression<Func<Certificate, RequestCertificateView>> Columns =
        c => new RequestCertificateView(c.Id, c.SerialNumber, c.Subject, c.Status, c.NotBefore, c.NotAfter, c.ArchivedKeyId != null, c.Thumbprint);

    private static readonly Func<Certificate, RequestCertificateView> FromLoaded = Columns.Compile();

    /// <summary>The same columns from a certificate a step has loaded already.</summary>
    internal static RequestCertificateView Of(Certificate certificate) => FromLoaded(certificate);

    /// <summary>
    /// A request's certificate with the <see cref="Columns"/> of the certificate it names: a page of requests reads both
    /// in one statement. Left-joined, so a certificate no longer on record is still named, without columns.
    /// </summary>
    internal static readonly Expression<Func<RequestCertificate, Certificate?, NamedCertificate>> Named = NamedColumns();

    private static Expression<Func<RequestCertificate, Certificate?, NamedCertificate>> NamedColumns()
    {
        var named = Expression.Parameter(typeof(RequestCertificate), "named");
        var certificate = Columns.Parameters[0];
        var view = Expression.Condition(
            Expression.Equal(certificate, Expression.Constant(null, typeof(Certificate))),
            Expression.Constant(null, typeof(RequestCertificateView)),
            Columns.Body);
        var row = Expression.New(
            typeof(NamedCertificate).GetConstructor([typeof(string), typeof(string), typeof(RequestCertificateView)])!,
            Expression.Property(named, nameof(RequestCertificate.RequestId)),
            Expression.Property(named, nameof(RequestCertificate.CertificateId)),
            view);
        return Expression.Lambda<Func<RequestCertificate, Certificate?, NamedCertificate>>(row, named, certificate);
    }
}

/// <summary>A certificate a request names, with what its view shows when it is on record (<see cref="RequestCertificateView.Named"/>).</summary>
internal sealed record NamedCertificate(string RequestId, string CertificateId, RequestCertificateView? View);

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

/// <summary>
/// A collection begun by a collecting client: the certificates, their keys wrapped for its transport key, the chain.
/// It never names the device a card update is for: the client reads the serial from the token and reports it.
/// </summary>
/// <param name="CollectionId">The collection, for completing or failing it.</param>
/// <param name="Algorithm">The transport scheme's name (docs/recovery.md#system-store-and-smart-cards-the-collecting-client).</param>
/// <param name="WrappedTransportKey">The transport key, for the collector's transport key only.</param>
/// <param name="EphemeralPublicKey">For an EC transport key: the server's one-time P-256 public key (SubjectPublicKeyInfo DER) to agree the KEK with; null for RSA.</param>
/// <param name="Keys">Each certificate with its key wrapped under the transport key.</param>
/// <param name="Chain">The CA certificates (DER).</param>
/// <param name="Request">The request as it now is.</param>
public sealed record CollectionView(
    string CollectionId,
    string Algorithm,
    byte[] WrappedTransportKey,
    byte[]? EphemeralPublicKey,
    IReadOnlyList<CollectedKeyView> Keys,
    IReadOnlyList<byte[]> Chain,
    RequestView Request);

/// <summary>
/// How a collecting client begins a collection (docs/recovery.md#system-store-and-smart-cards-the-collecting-client): its one-time transport public key
/// (SubjectPublicKeyInfo DER, RSA or EC P-256), the OAEP hash an RSA key unwraps with, and — for a card — the token
/// it writes to; <see cref="TransportKdf"/> is the KDF an EC key derives the KEK with.
/// </summary>
public sealed record CollectionStart(byte[]? TransportKey, TransportHash TransportHash, TokenReport? Token)
{
    /// <summary>For an EC transport key: how its holder derives the KEK from the shared secret. Not used for RSA.</summary>
    public TransportKdf TransportKdf { get; init; } = TransportKdf.X963Sha256;
}

/// <summary>
/// The token a card collection writes to, as the collecting client read it from the token's information
/// (<c>C_GetTokenInfo</c>). Client-reported: Keyward records it as such and never claims more.
/// </summary>
/// <param name="SerialNumber">The token's serial number (<c>serialNumber</c> of its token information).</param>
/// <param name="Label">The token's label.</param>
/// <param name="Manufacturer">The token's manufacturer.</param>
/// <param name="Model">The token's model.</param>
/// <param name="TransportKeyOnToken">Whether the transport key pair was generated on the token (non-extractable), so that the keys are unwrapped inside it.</param>
public sealed record TokenReport(string? SerialNumber, string? Label, string? Manufacturer, string? Model, bool TransportKeyOnToken);

/// <summary>What a collecting client reports at completion: the token's serial again (optional) and the certificates it removed from a card.</summary>
public sealed record CollectionReport(string? SerialNumber, IReadOnlyList<string>? RemovedCertificateIds);

/// <summary>One certificate with its key wrapped for the collection.</summary>
public sealed record CollectedKeyView(string CertificateId, string SerialNumber, byte[] Certificate, byte[] WrappedKey);
