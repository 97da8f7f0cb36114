using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Keyward.Crypto.Authority;
using Keyward.Crypto.Protection;

namespace Keyward.Crypto.KeyArchive;

/// <summary>Why a PFX could not be imported into the archive. Never renumber.</summary>
public enum PfxImportFailure
{
    /// <summary>The password does not open the file, or the file is not a PKCS#12 file.</summary>
    Unreadable = 1,

    /// <summary>No certificate in the file comes with its private key.</summary>
    NoPrivateKey = 2,

    /// <summary>The private key in the file does not belong to the certificate it is paired with.</summary>
    KeyMismatch = 3,

    /// <summary>The certificate's key usage allows signing only: signing keys are never archived.</summary>
    SigningOnly = 4,

    /// <summary>The key is not RSA 2048/3072/4096 or EC P-256/P-384.</summary>
    UnsupportedKey = 5,
}

/// <summary>A PFX import refused for a reason a person can act on. The message never holds the password.</summary>
public sealed class PfxImportException(PfxImportFailure failure, string message) : Exception(message)
{
    public PfxImportFailure Failure { get; } = failure;
}

/// <summary>An imported certificate and its key, sealed for the archive.</summary>
public sealed record ImportedLeaf(byte[] Certificate, LeafKeyAlgorithm Algorithm, byte[] Envelope, string StorageKeyId);

/// <summary>
/// Takes an existing certificate with its private key (a PFX, e.g. from a migration off another CA) into
/// the archive: the key is sealed in an envelope bound to <c>certificateId</c> and every plaintext copy is
/// zeroed before returning.
/// </summary>
public static class PfxArchiveImport
{
    public static ImportedLeaf Seal(IKeyProtector protector, byte[] pfx, string password, string certificateId)
    {
        ArgumentNullException.ThrowIfNull(protector);
        ArgumentNullException.ThrowIfNull(pfx);
        X509Certificate2Collection loaded;
        try
        {
            loaded = X509CertificateLoader.LoadPkcs12Collection(pfx, password, X509KeyStorageFlags.EphemeralKeySet | X509KeyStorageFlags.Exportable, Pkcs12LoaderLimits.Defaults);
        }
        catch (CryptographicException)
        {
            throw new PfxImportException(PfxImportFailure.Unreadable, "The file cannot be opened with that password, or it is not a PFX (PKCS#12) file.");
        }

        try
        {
            var leaf = loaded.FirstOrDefault(c => c.HasPrivateKey)
                       ?? throw new PfxImportException(PfxImportFailure.NoPrivateKey, "No certificate in the file comes with its private key.");
            var algorithm = CertificateAuthority.AlgorithmOf(leaf.PublicKey)
                            ?? throw new PfxImportException(PfxImportFailure.UnsupportedKey, "The key is not RSA 2048/3072/4096 or EC P-256/P-384.");
            var usage = leaf.Extensions.OfType<X509KeyUsageExtension>().FirstOrDefault()?.KeyUsages;
            const X509KeyUsageFlags encrypting = X509KeyUsageFlags.KeyEncipherment | X509KeyUsageFlags.KeyAgreement | X509KeyUsageFlags.DataEncipherment;
            if (usage is { } flags && (flags & encrypting) == 0)
            {
                throw new PfxImportException(PfxImportFailure.SigningOnly, "The certificate's key usage allows signing only; signing keys are never archived.");
            }

            using AsymmetricAlgorithm key = (AsymmetricAlgorithm?)leaf.GetRSAPrivateKey() ?? (AsymmetricAlgorithm?)leaf.GetECDsaPrivateKey() ?? leaf.GetECDiffieHellmanPrivateKey()
                                            ?? throw new PfxImportException(PfxImportFailure.UnsupportedKey, "The private key's type is not supported.");

            // The loader pairs keys and certificates by a local id in the file; check the key really is the certificate's.
            if (!key.ExportSubjectPublicKeyInfo().AsSpan().SequenceEqual(leaf.PublicKey.ExportSubjectPublicKeyInfo()))
            {
                throw new PfxImportException(PfxImportFailure.KeyMismatch, "The private key in the file does not belong to its certificate.");
            }

            var pkcs8 = key.ExportPkcs8PrivateKey();
            try
            {
                var (envelope, storageKeyId) = ArchiveEnvelope.Seal(protector, pkcs8, new CertificateBinding(certificateId, CertificateAuthority.Sha256Hex(leaf.RawData)));
                return new ImportedLeaf(leaf.RawData, algorithm, envelope, storageKeyId);
            }
            finally
            {
                CryptographicOperations.ZeroMemory(pkcs8);
            }
        }
        finally
        {
            foreach (var certificate in loaded)
            {
                certificate.Dispose();
            }
        }
    }
}
