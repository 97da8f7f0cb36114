using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Keyward.Crypto.Protection;

/// <summary>
/// Holds Keyward's long-lived keys — the archive's storage keys and the CA's signing key — and uses them
/// without handing them out. Implementations: <see cref="SoftwareKeyStore"/> (a passphrase-protected file,
/// the embedded default) and the PKCS#11 protector in Keyward.Tokens (an HSM).
/// </summary>
/// <remarks>
/// Implementations are thread-safe. Storage keys are AES-256; a data key is wrapped under the active
/// storage key and unwrapped under whichever key wrapped it, until that key is retired.
/// </remarks>
public interface IKeyProtector : IDisposable
{
    /// <summary>A short name for logs and health, e.g. <c>software</c> or <c>pkcs11</c>.</summary>
    string Kind { get; }

    /// <summary>The storage key that new data keys are wrapped under.</summary>
    string ActiveStorageKeyId { get; }

    /// <summary>Every storage key that can still unwrap (the active one and those not yet retired).</summary>
    IReadOnlyCollection<string> StorageKeyIds { get; }

    /// <summary>Wraps a data key under the active storage key.</summary>
    /// <returns>The wrapped data key; <paramref name="storageKeyId"/> names the key that wrapped it.</returns>
    byte[] WrapDataKey(ReadOnlySpan<byte> dataKey, out string storageKeyId);

    /// <summary>Unwraps a data key. The caller zeroes the result after use.</summary>
    /// <exception cref="KeyArchiveException">The storage key is unknown or retired, or the wrapped key fails its integrity check.</exception>
    byte[] UnwrapDataKey(string storageKeyId, ReadOnlySpan<byte> wrappedDataKey);

    /// <summary>Creates a new storage key and makes it the active one. Older keys keep unwrapping.</summary>
    /// <returns>The new key's id.</returns>
    string CreateStorageKey();

    /// <summary>Destroys a storage key that no envelope references any more. Refuses the active key.</summary>
    /// <exception cref="KeyArchiveException">The key is the active one.</exception>
    void RetireStorageKey(string storageKeyId);

    /// <summary>The CA signing key with this label, made inside the protector on first use (ECDSA P-384).</summary>
    ICaSigningKey GetOrCreateCaKey(string label);
}

/// <summary>A CA signing key that signs inside its protector; its private half never leaves it.</summary>
public interface ICaSigningKey
{
    /// <summary>Signs certificates and CRLs with this key (see <see cref="CertificateRequest"/>).</summary>
    X509SignatureGenerator SignatureGenerator { get; }

    /// <summary>The public key, for the CA certificate.</summary>
    PublicKey PublicKey { get; }

    /// <summary>The hash to sign with (SHA-384 for a P-384 key).</summary>
    HashAlgorithmName HashAlgorithm { get; }
}
