using System.Security.Cryptography;

namespace Keyward.Crypto.Protection;

/// <summary>Why an archived key could not be sealed or opened. Never renumber.</summary>
public enum KeyArchiveFailure
{
    /// <summary>The envelope or a wrapped key failed its integrity check: altered, copied to another certificate, or wrong key.</summary>
    Tampered = 1,

    /// <summary>The envelope names a storage key the protector does not hold (retired, or another deployment's).</summary>
    UnknownStorageKey = 2,

    /// <summary>The envelope's format version is not one this build reads.</summary>
    UnsupportedFormat = 3,

    /// <summary>The protector refused the operation (e.g. retiring the active key, a wrong passphrase).</summary>
    ProtectorRefused = 4,
}

/// <summary>
/// A key-archive operation failed closed. The message names the reason, never key material.
/// </summary>
public sealed class KeyArchiveException : CryptographicException
{
    public KeyArchiveException()
    {
    }

    public KeyArchiveException(string message)
        : base(message)
    {
    }

    public KeyArchiveException(string message, Exception inner)
        : base(message, inner)
    {
    }

    public KeyArchiveException(KeyArchiveFailure failure, string message, Exception? inner = null)
        : base(message, inner)
    {
        Failure = failure;
    }

    public KeyArchiveFailure Failure { get; }
}
