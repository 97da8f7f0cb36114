using Keyward.Common;
using Keyward.Profiles;

namespace Keyward.Recovery;

/// <summary>One archived key to release: its certificate and its sealed envelope (never a plaintext key).</summary>
public sealed record KeyToRecover(string CertificateId, byte[] CertificateDer, byte[] Envelope);

/// <summary>A key wrapped for one collection: only the holder of the collection's transport key can unwrap it.</summary>
public sealed record WrappedKeyView(string CertificateId, byte[] WrappedKey);

/// <summary>The keys of one collection wrapped for its transport key, and the transport key wrapped for the collector.</summary>
/// <param name="Algorithm">The scheme's name (docs/recovery.md#system-store-and-smart-cards-the-collecting-client).</param>
/// <param name="WrappedTransportKey">The transport key, encrypted to the collector's RSA key or wrapped under the KEK agreed with its EC key.</param>
/// <param name="Keys">Each key, wrapped under the transport key.</param>
/// <param name="EphemeralPublicKey">For an EC transport key: the server's one-time P-256 public key (SubjectPublicKeyInfo DER); null for RSA.</param>
public sealed record TransportPackage(string Algorithm, byte[] WrappedTransportKey, IReadOnlyList<WrappedKeyView> Keys, byte[]? EphemeralPublicKey = null);

/// <summary>
/// The hash of the RSA-OAEP encryption to a collecting client's transport key: SHA-256 unless the client says its
/// token unwraps with SHA-1 only (docs/recovery.md#system-store-and-smart-cards-the-collecting-client).
/// </summary>
public enum TransportHash
{
    /// <summary>OAEP and MGF1 over SHA-256: the default.</summary>
    Sha256 = 1,

    /// <summary>OAEP and MGF1 over SHA-1, for a token that unwraps with nothing else.</summary>
    Sha1 = 2,
}

/// <summary>
/// How the KEK of an EC transport key is derived from the ECDH shared secret: the X9.63 SHA-256 KDF unless the client
/// says its token runs none (docs/recovery.md#system-store-and-smart-cards-the-collecting-client, docs/security.md#ec-transport-keys).
/// </summary>
public enum TransportKdf
{
    /// <summary>ANSI X9.63 with SHA-256 over the shared secret and the scheme's name: the default.</summary>
    X963Sha256 = 1,

    /// <summary>No KDF: the shared secret is the KEK, for a token that cannot run a KDF (SoftHSM2).</summary>
    None = 2,
}

/// <summary>A PFX password the server generated.</summary>
/// <param name="Value">The password: returned to the collector once, never stored or logged (<see cref="ToString"/> leaves it out).</param>
/// <param name="HasFullEntropy">
/// At least 128 bits of entropy, so the PFX needs no costly key derivation to protect it. False when the policy's
/// maximum length kept the password shorter: the file then gets the iteration count of a chosen password.
/// </param>
public sealed record GeneratedPassword(string Value, bool HasFullEntropy)
{
    /// <summary>Describes the password without showing it.</summary>
    public override string ToString() => $"GeneratedPassword {{ Length = {Value.Length}, HasFullEntropy = {HasFullEntropy} }}";
}

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
    /// <remarks>
    /// When the password carries at least 128 bits of entropy (<paramref name="passwordHasFullEntropy"/>: a
    /// <see cref="GeneratedPassword.HasFullEntropy"/> one), its entropy protects the file and the KDF iteration count
    /// is chosen for compatibility; otherwise the file gets as many iterations as every reader accepts.
    /// </remarks>
    Result<byte[]> BuildPfx(IReadOnlyList<KeyToRecover> keys, string password, PfxProtection protection, bool passwordHasFullEntropy);

    /// <summary>
    /// Each key wrapped for the collector's one-time transport key (SubjectPublicKeyInfo DER): to an RSA key with OAEP
    /// over <paramref name="hash"/>, to an EC P-256 key by ECDH with the KEK derived by <paramref name="kdf"/>.
    /// </summary>
    /// <remarks>A transport key that is refused, or that cannot be encrypted to, is <see cref="RequestErrors.TransportKeyInvalid"/> (the client's error), never an archive failure.</remarks>
    Result<TransportPackage> WrapForTransport(IReadOnlyList<KeyToRecover> keys, byte[] transportPublicKey, TransportHash hash, TransportKdf kdf);

    /// <summary>
    /// Null when <paramref name="transportPublicKey"/> (SubjectPublicKeyInfo DER) is a transport key this server
    /// wraps keys for; otherwise <see cref="RequestErrors.TransportKeyInvalid"/> with a detail naming the check it failed.
    /// </summary>
    Error? CheckTransportKey(byte[] transportPublicKey);

    /// <summary>
    /// A random password that satisfies <paramref name="policy"/>: 128 bits of entropy when the policy's maximum
    /// length allows it, else as long as the policy allows (<see cref="GeneratedPassword.HasFullEntropy"/> says which).
    /// </summary>
    GeneratedPassword GeneratePassword(SecretPolicy policy);
}
