using Keyward.Common;
using Keyward.Profiles;

namespace Keyward.Recovery;

/// <summary>One archived key to release: its certificate and its sealed envelope (never a plaintext key).</summary>
public sealed record KeyToRecover(string CertificateId, byte[] CertificateDer, byte[] Envelope);

/// <summary>A key wrapped for one collection: only the holder of the collection's transport key can unwrap it.</summary>
public sealed record WrappedKeyView(string CertificateId, byte[] WrappedKey);

/// <summary>The keys of one collection wrapped for its transport key, and the transport key wrapped for the collector.</summary>
public sealed record TransportPackage(string Algorithm, byte[] WrappedTransportKey, IReadOnlyList<WrappedKeyView> Keys);

/// <summary>
/// Releases archived keys, as the key-material project implements it: inside a password-protected PFX or
/// wrapped for a collecting client. The core hands over envelopes and receives protected packages; it never
/// holds a plaintext private key.
/// </summary>
public interface IKeyRecovery
{
    /// <summary>The CA certificates that complete the chain of Keyward's own certificates (DER).</summary>
    IReadOnlyList<byte[]> Chain { get; }

    /// <summary>A PFX holding each certificate with its key, and the chain.</summary>
    /// <remarks>When the server generated the password (<c>passwordGenerated</c>), its entropy protects the file and the KDF iteration count is chosen for compatibility.</remarks>
    Result<byte[]> BuildPfx(IReadOnlyList<KeyToRecover> keys, string password, PfxProtection protection, bool passwordGenerated);

    /// <summary>Each key wrapped for the collector's one-time transport key (SubjectPublicKeyInfo DER).</summary>
    /// <remarks>A transport key that is refused, or that cannot be encrypted to, is <see cref="RequestErrors.TransportKeyInvalid"/> (the client's error), never an archive failure.</remarks>
    Result<TransportPackage> WrapForTransport(IReadOnlyList<KeyToRecover> keys, byte[] transportPublicKey);

    /// <summary>
    /// Null when <paramref name="transportPublicKey"/> (SubjectPublicKeyInfo DER) is a transport key this server
    /// wraps keys for; otherwise <see cref="RequestErrors.TransportKeyInvalid"/> with a detail naming the check it failed.
    /// </summary>
    Error? CheckTransportKey(byte[] transportPublicKey);

    /// <summary>A random password that satisfies <paramref name="policy"/>, with enough entropy that no KDF needs to protect it.</summary>
    string GeneratePassword(SecretPolicy policy);
}
