using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Keyward.Crypto.Authority;
using Keyward.Crypto.KeyArchive;
using Keyward.Crypto.Protection;

namespace Keyward.Crypto.Recovery;

/// <summary>
/// The steps every recovery shares: checking the request, opening an envelope for its certificate, and turning
/// the PKCS#8 bytes into a key object that is proven to be the certificate's.
/// </summary>
internal static class ArchivedKeys
{
    /// <summary>.NET's default PKCS#12 loader refuses files with more keys or more certificates than this.</summary>
    public const int MaxKeys = 200;

    private const string RsaOid = "1.2.840.113549.1.1.1";
    private const string EcOid = "1.2.840.10045.2.1";

    /// <summary>Checks the list: at least one key, at most <see cref="MaxKeys"/>, each complete, no certificate twice.</summary>
    public static void Validate(IReadOnlyList<RecoverableKey> keys, string parameterName)
    {
        ArgumentNullException.ThrowIfNull(keys, parameterName);
        if (keys.Count == 0)
        {
            throw new ArgumentException("At least one key is needed.", parameterName);
        }

        if (keys.Count > MaxKeys)
        {
            throw new ArgumentException($"At most {MaxKeys} keys can be recovered at once.", parameterName);
        }

        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var key in keys)
        {
            if (key is null || string.IsNullOrEmpty(key.CertificateId) || key.CertificateDer is null || key.Envelope is null)
            {
                throw new ArgumentException("Every key needs a certificate id, the certificate and its envelope.", parameterName);
            }

            if (!seen.Add(key.CertificateId))
            {
                throw new ArgumentException($"Certificate '{key.CertificateId}' is listed twice.", parameterName);
            }
        }
    }

    /// <summary>Parses a certificate given as DER.</summary>
    public static X509Certificate2 LoadCertificate(byte[] der, string certificateId)
    {
        try
        {
            return X509CertificateLoader.LoadCertificate(der);
        }
        catch (CryptographicException ex)
        {
            throw new ArgumentException($"The certificate of '{certificateId}' is not a DER-encoded X.509 certificate.", nameof(der), ex);
        }
    }

    /// <summary>Opens the key's envelope for its certificate. The caller zeroes the returned PKCS#8 bytes.</summary>
    /// <exception cref="KeyRecoveryException"><see cref="RecoveryFailure.EnvelopeUnreadable"/>.</exception>
    public static byte[] OpenEnvelope(IKeyProtector protector, RecoverableKey key)
    {
        var binding = new CertificateBinding(key.CertificateId, CertificateAuthority.Sha256Hex(key.CertificateDer));
        try
        {
            return ArchiveEnvelope.Open(protector, key.Envelope, binding);
        }
        catch (KeyArchiveException ex)
        {
            throw new KeyRecoveryException(
                RecoveryFailure.EnvelopeUnreadable,
                $"The archived key of certificate '{key.CertificateId}' does not open: {ex.Message}",
                key.CertificateId,
                ex);
        }
    }

    /// <summary>
    /// Checks that <paramref name="pkcs8"/> is the private key of the certificate's RSA public key (read with
    /// <see cref="RsaKeyFit.PublicKeyOf"/>) without making a key object: the modulus and exponent are the certificate's
    /// and the key's primes multiply to the modulus (<see cref="RsaKeyFit"/>).
    /// </summary>
    /// <exception cref="KeyRecoveryException"><see cref="RecoveryFailure.KeyMismatch"/>.</exception>
    public static void CheckFits((byte[] Modulus, byte[] Exponent) certificateKey, byte[] pkcs8, string certificateId)
    {
        if (RsaKeyFit.Refusal(pkcs8, certificateKey.Modulus, certificateKey.Exponent) is { } refusal)
        {
            throw new KeyRecoveryException(RecoveryFailure.KeyMismatch, $"The archived key of certificate '{certificateId}' is {refusal}.", certificateId);
        }
    }

    /// <summary>
    /// Imports <paramref name="pkcs8"/> as a key of the certificate's algorithm — RSA; ECDSA, or ECDH for an EC
    /// certificate whose key usage is key agreement only — and checks that it is the certificate's private key. The caller disposes the result and still owns (and zeroes) the bytes.
    /// </summary>
    /// <exception cref="KeyRecoveryException"><see cref="RecoveryFailure.UnsupportedKey"/> or <see cref="RecoveryFailure.KeyMismatch"/>.</exception>
    public static AsymmetricAlgorithm Import(X509Certificate2 certificate, ReadOnlySpan<byte> pkcs8, string certificateId)
    {
        AsymmetricAlgorithm key = certificate.PublicKey.Oid.Value switch
        {
            RsaOid => RSA.Create(),
            EcOid when AllowsEcdsa(certificate) => ECDsa.Create(),
            EcOid => ECDiffieHellman.Create(),
            _ => throw new KeyRecoveryException(
                RecoveryFailure.UnsupportedKey,
                $"The key of certificate '{certificateId}' is neither RSA nor elliptic-curve (algorithm {certificate.PublicKey.Oid.Value}).",
                certificateId),
        };

        try
        {
            try
            {
                key.ImportPkcs8PrivateKey(pkcs8, out var read);
                if (read != pkcs8.Length)
                {
                    throw new CryptographicException("Trailing data after the PKCS#8 key.");
                }
            }
            catch (CryptographicException ex)
            {
                // The inner message comes from the ASN.1 reader and names no key bytes.
                throw new KeyRecoveryException(
                    RecoveryFailure.KeyMismatch,
                    $"The archived key of certificate '{certificateId}' is not a key of the certificate's algorithm.",
                    certificateId,
                    ex);
            }

            if (!key.ExportSubjectPublicKeyInfo().AsSpan().SequenceEqual(certificate.PublicKey.ExportSubjectPublicKeyInfo()))
            {
                throw new KeyRecoveryException(
                    RecoveryFailure.KeyMismatch,
                    $"The archived key of certificate '{certificateId}' is not that certificate's private key.",
                    certificateId);
            }

            return key;
        }
        catch
        {
            key.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Whether .NET treats an EC certificate as an ECDSA one. An EC encryption certificate whose key usage is key
    /// agreement only is an ECDH certificate: .NET attaches only an <see cref="ECDiffieHellman"/> key to it.
    /// </summary>
    private static bool AllowsEcdsa(X509Certificate2 certificate)
    {
        using var ecdsa = certificate.GetECDsaPublicKey();
        return ecdsa is not null;
    }

    /// <summary>A copy of <paramref name="certificate"/> with <paramref name="key"/> attached (the key was checked by <see cref="Import"/>).</summary>
    public static X509Certificate2 Attach(X509Certificate2 certificate, AsymmetricAlgorithm key, string certificateId)
    {
        try
        {
            return key switch
            {
                RSA rsa => certificate.CopyWithPrivateKey(rsa),
                ECDsa ecdsa => certificate.CopyWithPrivateKey(ecdsa),
                ECDiffieHellman ecdh => certificate.CopyWithPrivateKey(ecdh),
                _ => throw new KeyRecoveryException(RecoveryFailure.UnsupportedKey, $"The key of certificate '{certificateId}' has an unsupported type.", certificateId),
            };
        }
        catch (ArgumentException ex)
        {
            throw new KeyRecoveryException(RecoveryFailure.KeyMismatch, $"The archived key of certificate '{certificateId}' is not that certificate's private key.", certificateId, ex);
        }
    }
}
