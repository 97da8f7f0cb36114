using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Keyward.Crypto.Recovery;

/// <summary>
/// The collecting client's side of <see cref="TransportWrap"/>: a one-time RSA-3072 key pair whose public key is
/// sent with the collection request, and which unwraps the package that comes back.
/// </summary>
/// <remarks>
/// Make one per collection and dispose it when the keys are installed; disposing destroys the private key, after
/// which a copy of the package is useless. Not thread-safe.
/// </remarks>
public sealed class TransportKeyPair : IDisposable
{
    private const int KeySizeBits = 3072;
    private const int TransportKeySize = 32;

    private readonly RSA _key;
    private bool _disposed;

    private TransportKeyPair(RSA key)
    {
        _key = key;
    }

    /// <summary>The public key to send to the server: SubjectPublicKeyInfo, DER. A fresh copy on every read.</summary>
    public byte[] PublicKey
    {
        get
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            return _key.ExportSubjectPublicKeyInfo();
        }
    }

    /// <summary>Makes a new RSA-3072 key pair in memory; it is never written anywhere.</summary>
    public static TransportKeyPair Create() => new(RSA.Create(KeySizeBits));

    /// <summary>
    /// Unwraps the key of one certificate from <paramref name="package"/> and returns the certificate with that
    /// private key attached.
    /// </summary>
    /// <remarks>
    /// The key is ephemeral (in memory, never persisted by this call) and exportable: the caller can add the
    /// certificate to an <see cref="X509Store"/> (on Windows, export it to a PFX and load that with
    /// <see cref="X509KeyStorageFlags.PersistKeySet"/> first, since a store keeps no ephemeral key) or export it
    /// to a PFX for NSS (Firefox, Thunderbird). The caller disposes the certificate. The transport key and the
    /// PKCS#8 bytes are zeroed before this returns.
    /// </remarks>
    /// <param name="package">The package from <see cref="TransportWrap.Wrap"/>.</param>
    /// <param name="certificateId">The certificate whose key to unwrap.</param>
    /// <param name="certificateDer">That certificate, DER-encoded.</param>
    /// <exception cref="ArgumentException">The package holds no key for <paramref name="certificateId"/>.</exception>
    /// <exception cref="KeyRecoveryException">
    /// <see cref="RecoveryFailure.EnvelopeUnreadable"/> (wrapped for another key pair, or altered) or
    /// <see cref="RecoveryFailure.KeyMismatch"/> (the key is not the certificate's).
    /// </exception>
    public X509Certificate2 Unwrap(WrappedPackage package, string certificateId, byte[] certificateDer)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        ArgumentNullException.ThrowIfNull(package);
        ArgumentException.ThrowIfNullOrEmpty(certificateId);
        ArgumentNullException.ThrowIfNull(certificateDer);
        var wrapped = package.Keys.SingleOrDefault(k => k.CertificateId == certificateId)
                      ?? throw new ArgumentException($"The package holds no key for certificate '{certificateId}'.", nameof(certificateId));

        using var certificate = ArchivedKeys.LoadCertificate(certificateDer, certificateId);
        var transportKey = DecryptTransportKey(package.WrappedTransportKey, certificateId);
        byte[] pkcs8;
        try
        {
            using var aes = Aes.Create();
            aes.Key = transportKey;
            try
            {
                pkcs8 = aes.DecryptKeyWrapPadded(wrapped.WrappedPkcs8);
            }
            catch (Exception ex) when (ex is CryptographicException or ArgumentException)
            {
                // A length that is not a whole number of RFC 5649 blocks is an ArgumentException in .NET.
                throw new KeyRecoveryException(RecoveryFailure.EnvelopeUnreadable, $"The wrapped key of certificate '{certificateId}' failed its integrity check.", certificateId, ex);
            }
        }
        finally
        {
            CryptographicOperations.ZeroMemory(transportKey);
        }

        try
        {
            using var key = ArchivedKeys.Import(certificate, pkcs8, certificateId);
            return ArchivedKeys.Attach(certificate, key, certificateId);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(pkcs8);
        }
    }

    /// <summary>Destroys the private key.</summary>
    public void Dispose()
    {
        if (!_disposed)
        {
            _disposed = true;
            _key.Dispose();
        }
    }

    private byte[] DecryptTransportKey(byte[] wrappedTransportKey, string certificateId)
    {
        ArgumentNullException.ThrowIfNull(wrappedTransportKey);
        byte[] transportKey;
        try
        {
            transportKey = _key.Decrypt(wrappedTransportKey, RSAEncryptionPadding.OaepSHA256);
        }
        catch (Exception ex) when (ex is CryptographicException or ArgumentException)
        {
            throw new KeyRecoveryException(RecoveryFailure.EnvelopeUnreadable, "The package's transport key does not open with this key pair: it was wrapped for another one, or altered.", certificateId, ex);
        }

        if (transportKey.Length != TransportKeySize)
        {
            CryptographicOperations.ZeroMemory(transportKey);
            throw new KeyRecoveryException(RecoveryFailure.EnvelopeUnreadable, "The package's transport key is not a 256-bit AES key.", certificateId);
        }

        return transportKey;
    }
}
