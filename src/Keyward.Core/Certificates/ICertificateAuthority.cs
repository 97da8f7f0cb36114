using Keyward.Common;
using Keyward.KeyArchive;

namespace Keyward.Certificates;

/// <summary>The facts of one certificate to issue.</summary>
public sealed record CertificateOrder(string CertificateId, string CommonName, string Email, KeyAlgorithm Algorithm, KeyUsage Usage, DateTime NotBefore, DateTime NotAfter);

/// <summary>A certificate as issued or imported, with its key sealed for the archive when there is one.</summary>
public sealed record IssuedCertificate(
    byte[] RawData,
    string SerialNumber,
    string Issuer,
    string Subject,
    string Thumbprint,
    DateTime NotBefore,
    DateTime NotAfter,
    KeyAlgorithm Algorithm,
    SealedKey? Key);

/// <summary>A revoked certificate as the CRL lists it.</summary>
public sealed record RevokedCertificate(string SerialNumber, DateTime RevokedAt, RevocationReason Reason);

/// <summary>
/// The certificate authority as the core uses it. Implementations make and seal keys inside the key-material
/// project: the core receives certificates and sealed envelopes, never a plaintext private key.
/// </summary>
public interface ICertificateAuthority
{
    /// <summary>The CA certificate (DER).</summary>
    byte[] CaCertificate { get; }

    /// <summary>Makes a key pair, issues its certificate and seals the private key, bound to <see cref="CertificateOrder.CertificateId"/>.</summary>
    IssuedCertificate IssueWithArchivedKey(CertificateOrder order);

    /// <summary>Issues a certificate for a holder-made key (PKCS#10, DER or PEM). Nothing is archived.</summary>
    Result<IssuedCertificate> IssueFromRequest(CertificateOrder order, byte[] request);

    /// <summary>Reads a PFX and seals its key for the archive, bound to <paramref name="certificateId"/>.</summary>
    Result<IssuedCertificate> ImportPfx(string certificateId, byte[] pfx, string password);

    /// <summary>A signed CRL (DER) listing <paramref name="revoked"/>, valid from <paramref name="now"/>.</summary>
    byte[] CreateCrl(IReadOnlyList<RevokedCertificate> revoked, DateTime now);
}
