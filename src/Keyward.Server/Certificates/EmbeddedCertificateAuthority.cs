using System.Numerics;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Keyward.Certificates;
using Keyward.Common;
using Keyward.Crypto.Authority;
using Keyward.Crypto.KeyArchive;
using Keyward.Crypto.Keys;
using Keyward.Crypto.Protection;
using Keyward.KeyArchive;

namespace Keyward.Server.Certificates;

/// <summary>
/// The core's <see cref="ICertificateAuthority"/> over the embedded CA of the key-material project. Holds the
/// CA once it is initialised (<see cref="CaInitializer"/>); maps the key-material project's types and refusals
/// onto the core's.
/// </summary>
internal sealed class EmbeddedCertificateAuthority : ICertificateAuthority
{
    private readonly IKeyProtector _protector;
    private readonly KeyPairSource _keys;
    private CertificateAuthority? _ca;

    public EmbeddedCertificateAuthority(IKeyProtector protector, KeyPairSource keys)
    {
        _protector = protector;
        _keys = keys;
    }

    public byte[] CaCertificate => Ca.Certificate.RawData;

    private CertificateAuthority Ca => _ca ?? throw new InvalidOperationException("The certificate authority has not been initialised.");

    public void Initialise(X509Certificate2 caCertificate, Uri? crlUrl) => _ca = new CertificateAuthority(_protector, caCertificate, crlUrl);

    public IssuedCertificate IssueWithArchivedKey(CertificateOrder order)
    {
        ArgumentNullException.ThrowIfNull(order);
        var issued = Ca.IssueWithArchivedKey(Leaf(order), _keys);
        return Describe(issued.Certificate, order.Algorithm, new SealedKey(issued.Envelope!, issued.StorageKeyId!));
    }

    public Result<IssuedCertificate> IssueFromRequest(CertificateOrder order, byte[] request)
    {
        ArgumentNullException.ThrowIfNull(order);
        ArgumentNullException.ThrowIfNull(request);
        try
        {
            var issued = Ca.IssueFromRequest(Leaf(order), Der(request));
            return Describe(issued.Certificate, order.Algorithm, null);
        }
        catch (CertificateRequestException ex)
        {
            return CertificateErrors.InvalidCsr.WithDetail(ex.Message);
        }
    }

    public Result<IssuedCertificate> ImportPfx(string certificateId, byte[] pfx, string password)
    {
        try
        {
            var imported = PfxArchiveImport.Seal(_protector, pfx, password, certificateId);
            return Describe(imported.Certificate, (KeyAlgorithm)(int)imported.Algorithm, new SealedKey(imported.Envelope, imported.StorageKeyId));
        }
        catch (PfxImportException ex)
        {
            return ex.Failure switch
            {
                PfxImportFailure.Unreadable => CertificateErrors.ImportUnreadable,
                PfxImportFailure.NoPrivateKey => CertificateErrors.ImportNoPrivateKey,
                PfxImportFailure.KeyMismatch => CertificateErrors.ImportKeyMismatch,
                PfxImportFailure.SigningOnly => CertificateErrors.ImportSigningOnly,
                _ => CertificateErrors.ImportUnsupportedKey,
            };
        }
    }

    public byte[] CreateCrl(IReadOnlyList<RevokedCertificate> revoked, DateTime now)
    {
        ArgumentNullException.ThrowIfNull(revoked);

        // A monotonic CRL number without shared state: seconds since the epoch at signing time.
        var number = new BigInteger(new DateTimeOffset(now).ToUnixTimeSeconds());
        return Ca.CreateCrl(
            revoked.Select(r => new RevokedSerial(r.SerialNumber, r.RevokedAt, (X509RevocationReason)(int)r.Reason)),
            number,
            now,
            now.AddDays(1));
    }

    private static LeafRequest Leaf(CertificateOrder order) =>
        new(order.CertificateId, order.CommonName, order.Email, (LeafKeyAlgorithm)(int)order.Algorithm, (LeafUsage)(int)order.Usage, order.NotBefore, order.NotAfter);

    private static IssuedCertificate Describe(byte[] der, KeyAlgorithm algorithm, SealedKey? key)
    {
        using var certificate = X509CertificateLoader.LoadCertificate(der);
        return new IssuedCertificate(
            der,
            certificate.SerialNumber.ToLowerInvariant(),
            certificate.Issuer,
            certificate.Subject,
            CertificateAuthority.Sha256Hex(der),
            certificate.NotBefore.ToUniversalTime(),
            certificate.NotAfter.ToUniversalTime(),
            algorithm,
            key);
    }

    /// <summary>Accepts a CSR as DER or PEM.</summary>
    private static byte[] Der(byte[] request)
    {
        var text = System.Text.Encoding.ASCII.GetString(request);
        if (PemEncoding.TryFind(text, out var fields))
        {
            return Convert.FromBase64String(text[fields.Base64Data]);
        }

        return request;
    }
}
