using System.Security.Cryptography;

namespace Keyward.Crypto.Recovery;

/// <summary>Why an archived key could not be recovered. Never renumber.</summary>
public enum RecoveryFailure
{
    /// <summary>
    /// The archive envelope (or a transport package) does not open: altered, bound to another certificate, under a
    /// retired storage key, or wrapped for another transport key.
    /// </summary>
    EnvelopeUnreadable = 1,

    /// <summary>The key inside the envelope is not the private key of the certificate it is recovered with.</summary>
    KeyMismatch = 2,

    /// <summary>The certificate's public key is neither RSA nor elliptic-curve, so its key cannot be recovered.</summary>
    UnsupportedKey = 3,

    /// <summary>The transport public key is refused by <see cref="TransportKeyCheck"/>, or encrypting to it failed: the client's error, not the archive's.</summary>
    TransportKeyInvalid = 4,
}

/// <summary>
/// A key recovery failed closed. The message names the reason and, where there is one, the certificate's id —
/// never key material or a password.
/// </summary>
public sealed class KeyRecoveryException : CryptographicException
{
    public KeyRecoveryException()
    {
    }

    public KeyRecoveryException(string message)
        : base(message)
    {
    }

    public KeyRecoveryException(string message, Exception inner)
        : base(message, inner)
    {
    }

    public KeyRecoveryException(RecoveryFailure failure, string message, string? certificateId = null, Exception? inner = null)
        : base(message, inner)
    {
        Failure = failure;
        CertificateId = certificateId;
    }

    /// <summary>Why the recovery failed.</summary>
    public RecoveryFailure Failure { get; }

    /// <summary>The certificate whose key failed, when the failure concerns one key.</summary>
    public string? CertificateId { get; }
}
