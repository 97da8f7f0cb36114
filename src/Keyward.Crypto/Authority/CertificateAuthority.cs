using System.Formats.Asn1;
using System.Numerics;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Keyward.Crypto.KeyArchive;
using Keyward.Crypto.Keys;
using Keyward.Crypto.Protection;

namespace Keyward.Crypto.Authority;

/// <summary>A certificate the CA issued, and — when the CA made the key — that key, sealed for the archive.</summary>
public sealed record IssuedLeaf(byte[] Certificate, byte[]? Envelope, string? StorageKeyId);

/// <summary>An entry of the certificate revocation list.</summary>
public sealed record RevokedSerial(string SerialNumberHex, DateTime RevokedAt, X509RevocationReason Reason);

/// <summary>Why a certificate signing request was refused.</summary>
public sealed class CertificateRequestException(string message) : Exception(message);

/// <summary>
/// Keyward's embedded certificate authority: one self-signed issuing CA whose ECDSA P-384 key stays in the
/// key protector. It issues leaf certificates from a CSR (the holder keeps the key) or with a key it makes
/// itself and seals into the archive before anyone sees it, and it signs CRLs.
/// </summary>
/// <remarks>
/// A single CA (not root + issuing) keeps the trust anchor one certificate that administrators can
/// distribute; a chain under an external root can be added by importing a CA certificate later.
/// Thread-safe.
/// </remarks>
public sealed class CertificateAuthority
{
    /// <summary>The label of the CA key inside the protector.</summary>
    public const string KeyLabel = "issuing-ca";

    private static readonly Oid EmailProtection = new("1.3.6.1.5.5.7.3.4", "Secure Email");
    private static readonly Oid ClientAuthentication = new("1.3.6.1.5.5.7.3.2", "Client Authentication");
    private static readonly Oid EncryptingFileSystem = new("1.3.6.1.4.1.311.10.3.4", "Encrypting File System");

    private readonly IKeyProtector _protector;
    private readonly ICaSigningKey _key;
    private readonly Uri? _crlUrl;

    public CertificateAuthority(IKeyProtector protector, X509Certificate2 certificate, Uri? crlUrl)
    {
        ArgumentNullException.ThrowIfNull(protector);
        _protector = protector;
        _key = protector.GetOrCreateCaKey(KeyLabel);
        Certificate = certificate;
        _crlUrl = crlUrl;
    }

    /// <summary>The CA certificate (public).</summary>
    public X509Certificate2 Certificate { get; }

    /// <summary>Makes the self-signed CA certificate for the protector's CA key.</summary>
    public static X509Certificate2 CreateCaCertificate(IKeyProtector protector, string name, DateTime notBefore, TimeSpan lifetime)
    {
        ArgumentNullException.ThrowIfNull(protector);
        var key = protector.GetOrCreateCaKey(KeyLabel);
        var subject = new X500DistinguishedName("CN=" + name);
        var request = new CertificateRequest(subject, key.PublicKey, key.HashAlgorithm);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, true, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign | X509KeyUsageFlags.DigitalSignature, true));
        var ski = new X509SubjectKeyIdentifierExtension(key.PublicKey, false);
        request.CertificateExtensions.Add(ski);
        request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromSubjectKeyIdentifier(ski));
        return request.Create(subject, key.SignatureGenerator, notBefore, notBefore + lifetime, RandomSerial());
    }

    /// <summary>Issues a certificate for a key the holder made (PKCS#10). The holder keeps the key; nothing is archived.</summary>
    /// <exception cref="CertificateRequestException">The CSR is malformed, badly signed, or its key does not match the policy.</exception>
    public IssuedLeaf IssueFromRequest(LeafRequest leaf, ReadOnlySpan<byte> pkcs10)
    {
        ArgumentNullException.ThrowIfNull(leaf);
        CertificateRequest csr;
        try
        {
            csr = CertificateRequest.LoadSigningRequest(pkcs10, HashAlgorithmName.SHA256, out _, CertificateRequestLoadOptions.Default);
        }
        catch (Exception ex) when (ex is CryptographicException or NotSupportedException)
        {
            // NotSupportedException: a key .NET cannot verify with (e.g. Ed25519) — the holder's error, not a bug.
            throw new CertificateRequestException($"The certificate signing request is not a valid, self-signed PKCS#10 request ({ex.Message}).");
        }

        var algorithm = AlgorithmOf(csr.PublicKey) ?? throw new CertificateRequestException("The request's key is not RSA or a NIST P-256/P-384 EC key.");
        if (algorithm != leaf.Algorithm)
        {
            throw new CertificateRequestException($"The request's key is {algorithm}, but the policy requires {leaf.Algorithm}.");
        }

        return new IssuedLeaf(Sign(leaf, csr.PublicKey), null, null);
    }

    /// <summary>
    /// Makes a key pair, issues its certificate, and seals the private key into an archive envelope bound to
    /// that certificate. The plaintext key is zeroed before this returns; only the envelope leaves.
    /// </summary>
    public IssuedLeaf IssueWithArchivedKey(LeafRequest leaf, KeyPairSource keys)
    {
        ArgumentNullException.ThrowIfNull(leaf);
        ArgumentNullException.ThrowIfNull(keys);
        using var key = keys.Take(leaf.Algorithm);
        var certificate = Sign(leaf, key.PublicKey());
        var pkcs8 = key.ExportPkcs8();
        try
        {
            var (envelope, storageKeyId) = ArchiveEnvelope.Seal(_protector, pkcs8, new CertificateBinding(leaf.CertificateId, Sha256Hex(certificate)));
            return new IssuedLeaf(certificate, envelope, storageKeyId);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(pkcs8);
        }
    }

    /// <summary>Signs a CRL listing <paramref name="revoked"/>.</summary>
    public byte[] CreateCrl(IEnumerable<RevokedSerial> revoked, BigInteger crlNumber, DateTime thisUpdate, DateTime nextUpdate)
    {
        ArgumentNullException.ThrowIfNull(revoked);
        var builder = new CertificateRevocationListBuilder();
        foreach (var entry in revoked)
        {
            builder.AddEntry(Convert.FromHexString(entry.SerialNumberHex), entry.RevokedAt, entry.Reason);
        }

        return builder.Build(
            Certificate.SubjectName,
            _key.SignatureGenerator,
            crlNumber,
            nextUpdate,
            _key.HashAlgorithm,
            X509AuthorityKeyIdentifierExtension.CreateFromCertificate(Certificate, true, false),
            thisUpdate);
    }

    /// <summary>Hex SHA-256 of a DER certificate: the thumbprint Keyward records and binds archived keys to.</summary>
    public static string Sha256Hex(ReadOnlySpan<byte> certificate) => Convert.ToHexStringLower(SHA256.HashData(certificate));

    internal static LeafKeyAlgorithm? AlgorithmOf(PublicKey key)
    {
        if (key.GetRSAPublicKey() is { } rsa)
        {
            using (rsa)
            {
                return rsa.KeySize switch { 2048 => LeafKeyAlgorithm.Rsa2048, 3072 => LeafKeyAlgorithm.Rsa3072, 4096 => LeafKeyAlgorithm.Rsa4096, _ => null };
            }
        }

        var ec = key.GetECDsaPublicKey() ?? (AsymmetricAlgorithm?)key.GetECDiffieHellmanPublicKey();
        using (ec)
        {
            return ec?.KeySize switch { 256 => LeafKeyAlgorithm.EcP256, 384 => LeafKeyAlgorithm.EcP384, _ => null };
        }
    }

    private byte[] Sign(LeafRequest leaf, PublicKey subjectKey)
    {
        var subject = new X500DistinguishedNameBuilder();
        subject.AddCommonName(leaf.CommonName);
        var request = new CertificateRequest(subject.Build(), subjectKey, _key.HashAlgorithm);
        var isRsa = leaf.Algorithm is LeafKeyAlgorithm.Rsa2048 or LeafKeyAlgorithm.Rsa3072 or LeafKeyAlgorithm.Rsa4096;
        var flags = X509KeyUsageFlags.None;
        var purposes = new OidCollection();
        if (leaf.Usage.HasFlag(LeafUsage.Signing))
        {
            flags |= X509KeyUsageFlags.DigitalSignature | X509KeyUsageFlags.NonRepudiation;
            purposes.Add(EmailProtection);
        }

        if (leaf.Usage.HasFlag(LeafUsage.Encryption))
        {
            flags |= isRsa ? X509KeyUsageFlags.KeyEncipherment : X509KeyUsageFlags.KeyAgreement;
            purposes.Add(EmailProtection);
            purposes.Add(EncryptingFileSystem);
        }

        if (leaf.Usage.HasFlag(LeafUsage.Authentication))
        {
            flags |= X509KeyUsageFlags.DigitalSignature;
            purposes.Add(ClientAuthentication);
        }

        var distinct = new OidCollection();
        foreach (var oid in purposes.Cast<Oid>().DistinctBy(o => o.Value))
        {
            distinct.Add(oid);
        }

        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(flags, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension(distinct, false));
        var names = new SubjectAlternativeNameBuilder();
        names.AddEmailAddress(leaf.Email);
        request.CertificateExtensions.Add(names.Build());
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(subjectKey, false));
        request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(Certificate, true, false));
        if (_crlUrl is not null)
        {
            request.CertificateExtensions.Add(CertificateRevocationListBuilder.BuildCrlDistributionPointExtension([_crlUrl.AbsoluteUri]));
        }

        var notAfter = leaf.NotAfter > Certificate.NotAfter.ToUniversalTime() ? Certificate.NotAfter.ToUniversalTime() : leaf.NotAfter;
        using var issued = request.Create(Certificate.SubjectName, _key.SignatureGenerator, leaf.NotBefore, notAfter, RandomSerial());
        return issued.RawData;
    }

    private static byte[] RandomSerial()
    {
        // 16 random bytes, positive as a DER INTEGER (RFC 5280 allows up to 20 octets).
        var serial = RandomNumberGenerator.GetBytes(16);
        serial[0] = (byte)((serial[0] & 0x7F) | 0x10);
        return serial;
    }
}
