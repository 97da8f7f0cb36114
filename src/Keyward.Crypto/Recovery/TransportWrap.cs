using System.Runtime.ExceptionServices;
using System.Security.Cryptography;
using Keyward.Crypto.Protection;

namespace Keyward.Crypto.Recovery;

/// <summary>A recovered key wrapped for transport: the PKCS#8 key under the package's AES transport key (RFC 5649).</summary>
/// <param name="CertificateId">The certificate the key belongs to.</param>
/// <param name="WrappedPkcs8">The PKCS#8 key, wrapped with AES key wrap with padding under the transport key.</param>
public sealed record WrappedKey(string CertificateId, byte[] WrappedPkcs8);

/// <summary>Keys wrapped for one collecting client (<see cref="TransportWrap"/>).</summary>
/// <param name="WrappedTransportKey">
/// The AES-256 transport key: encrypted with RSA-OAEP to the client's RSA key (<see cref="TransportOaep"/>), or wrapped
/// with AES key wrap with padding under the KEK agreed with the client's EC key (<see cref="EcdhTransport"/>).
/// </param>
/// <param name="Keys">Each key, wrapped under the transport key.</param>
public sealed record WrappedPackage(byte[] WrappedTransportKey, IReadOnlyList<WrappedKey> Keys)
{
    /// <summary>The scheme's name (<see cref="TransportWrap.Algorithm"/>, <see cref="EcdhTransport.AlgorithmX963"/>, …); null on a package a client rebuilt from an answer.</summary>
    public string? Algorithm { get; init; }

    /// <summary>For an EC transport key: the server's one-time P-256 public key (SubjectPublicKeyInfo, DER) the client agrees the KEK with; null for RSA.</summary>
    public byte[]? EphemeralPublicKey { get; init; }
}

/// <summary>
/// The hash of the RSA-OAEP encryption of the transport key (OAEP and MGF1 alike, no label). SHA-256 unless the
/// collecting client says its token can only unwrap with SHA-1, as SoftHSM2 and several cards can: OAEP with SHA-1
/// is still sound for key transport, since its security rests on the hash as a random oracle, not on collision resistance.
/// </summary>
public enum TransportOaep
{
    /// <summary>OAEP and MGF1 over SHA-256: the default.</summary>
    Sha256 = 1,

    /// <summary>OAEP and MGF1 over SHA-1, for a token that unwraps with nothing else.</summary>
    Sha1 = 2,
}

/// <summary>
/// Wraps recovered keys for a client that collects them as keys rather than as a PFX: a client application that
/// installs them into its own store, or a smart card that unwraps them inside the token.
/// </summary>
/// <remarks>
/// <para>The client makes a one-time key pair and sends its public key. The server makes a fresh 256-bit AES
/// transport key and sends it to the client's key: to an RSA key encrypted with RSA-OAEP (SHA-256 and MGF1-SHA-256,
/// or SHA-1 for a token that knows no other: <see cref="TransportOaep"/>; no label); to an EC P-256 key wrapped
/// under a KEK agreed by ECDH with a fresh ephemeral key (<see cref="EcdhTransport"/>, <see cref="TransportEcdhKdf"/>).
/// Each PKCS#8 key is wrapped under the transport key with AES key wrap with padding (RFC 5649). A PKCS#11 token
/// unwraps the same package inside itself: <c>CKM_RSA_PKCS_OAEP</c> (or <c>CKM_ECDH1_DERIVE</c> then
/// <c>CKM_AES_KEY_WRAP_PAD</c>) for the transport key, then <c>CKM_AES_KEY_WRAP_PAD</c> for each key.</para>
/// <para>The transport key, the KEK, Z and every PKCS#8 buffer are zeroed before <see cref="Wrap"/> returns. Each key
/// is checked against its certificate before it is wrapped, so a package never carries a key that does not fit.</para>
/// </remarks>
public static class TransportWrap
{
    /// <summary>The scheme's name with OAEP over SHA-256, for a protocol message that says how a package is wrapped.</summary>
    public const string Algorithm = "RSA-OAEP-256+AES-KWP";

    /// <summary>The scheme's name with OAEP over SHA-1 (<see cref="TransportOaep.Sha1"/>).</summary>
    public const string AlgorithmSha1 = "RSA-OAEP+AES-KWP";

    private const int TransportKeySize = 32;

    /// <summary>Wraps every key of <paramref name="keys"/> for the holder of <paramref name="transportPublicKeySpki"/>.</summary>
    /// <param name="protector">The protector holding the storage keys the envelopes are wrapped under.</param>
    /// <param name="keys">The keys to recover (1 to 200, no certificate twice).</param>
    /// <param name="transportPublicKeySpki">The client's one-time RSA or EC P-256 public key (SubjectPublicKeyInfo, DER) that <see cref="TransportKeyCheck"/> accepts.</param>
    /// <param name="oaep">The OAEP hash the client's RSA key unwraps with (not used for an EC key).</param>
    /// <param name="kdf">How the client's EC key derives the KEK (not used for an RSA key).</param>
    /// <exception cref="KeyRecoveryException">
    /// <see cref="RecoveryFailure.TransportKeyInvalid"/> when <see cref="TransportKeyCheck"/> refuses the transport key
    /// or RSA-OAEP encryption to it fails (the message says which; both are the client's doing, checked before any
    /// envelope is opened); otherwise an envelope does not open, or its key does not belong to its certificate.
    /// </exception>
    public static WrappedPackage Wrap(IKeyProtector protector, IReadOnlyList<RecoverableKey> keys, ReadOnlySpan<byte> transportPublicKeySpki, TransportOaep oaep = TransportOaep.Sha256, TransportEcdhKdf kdf = TransportEcdhKdf.X963Sha256)
    {
        ArgumentNullException.ThrowIfNull(protector);
        ArchivedKeys.Validate(keys, nameof(keys));
        if (TransportKeyCheck.IsEc(transportPublicKeySpki))
        {
            using var ec = TransportKeyCheck.ImportEc(transportPublicKeySpki, out var ecRefusal)
                           ?? throw new KeyRecoveryException(RecoveryFailure.TransportKeyInvalid, ecRefusal!);
            return WrapAll(protector, keys, transportKey =>
            {
                var sent = EcdhTransport.Wrap(ec, transportKey, kdf);
                return new WrappedPackage(sent.WrappedKey, []) { Algorithm = EcdhTransport.AlgorithmOf(kdf), EphemeralPublicKey = sent.EphemeralPublicKey };
            });
        }

        using var recipient = TransportKeyCheck.Import(transportPublicKeySpki, out var refusal)
                              ?? throw new KeyRecoveryException(RecoveryFailure.TransportKeyInvalid, refusal!);
        return WrapAll(protector, keys, transportKey => new WrappedPackage(EncryptTo(recipient, transportKey, oaep), []) { Algorithm = AlgorithmOf(oaep) });
    }

    /// <summary>The name of the scheme with <paramref name="oaep"/>, as the collection answer states it.</summary>
    public static string AlgorithmOf(TransportOaep oaep) => oaep == TransportOaep.Sha1 ? AlgorithmSha1 : Algorithm;

    /// <summary>The OAEP padding of <paramref name="oaep"/>.</summary>
    public static RSAEncryptionPadding PaddingOf(TransportOaep oaep) => oaep == TransportOaep.Sha1 ? RSAEncryptionPadding.OaepSHA1 : RSAEncryptionPadding.OaepSHA256;

    /// <summary>
    /// Makes the transport key, has <paramref name="send"/> wrap it for the client (a package without keys), and wraps
    /// every key under it; the transport key is zeroed before this returns.
    /// </summary>
    /// <remarks>
    /// Each key is opened, checked and wrapped on its own, so the keys are shared out over the processor's cores: each
    /// worker has its own wrapping context. A failure is reported for the first failing key in the given order, as a
    /// sequential loop would; every PKCS#8 buffer is zeroed whatever happens.
    /// </remarks>
    private static WrappedPackage WrapAll(IKeyProtector protector, IReadOnlyList<RecoverableKey> keys, Func<byte[], WrappedPackage> send)
    {
        var transportKey = RandomNumberGenerator.GetBytes(TransportKeySize);
        try
        {
            var package = send(transportKey);
            var wrapped = new byte[keys.Count][];
            var failures = new Exception?[keys.Count];
            var workers = Math.Min(keys.Count, Environment.ProcessorCount);
            if (workers <= 1)
            {
                using var wrapper = new AesKeyWrapPadded(transportKey);
                for (var i = 0; i < keys.Count; i++)
                {
                    wrapped[i] = WrapOne(protector, keys[i], wrapper);
                }
            }
            else
            {
                // Each worker takes keys by a shared counter; one wrapping context per worker, never shared.
                var next = -1;
                Parallel.For(0, workers, new ParallelOptions { MaxDegreeOfParallelism = workers }, _ =>
                {
                    using var wrapper = new AesKeyWrapPadded(transportKey);
                    for (var i = Interlocked.Increment(ref next); i < keys.Count; i = Interlocked.Increment(ref next))
                    {
                        try
                        {
                            wrapped[i] = WrapOne(protector, keys[i], wrapper);
                        }
                        catch (Exception ex)
                        {
                            failures[i] = ex;
                        }
                    }
                });
                if (Array.Find(failures, f => f is not null) is { } first)
                {
                    ExceptionDispatchInfo.Capture(first).Throw();
                }
            }

            return package with { Keys = [.. keys.Select((key, i) => new WrappedKey(key.CertificateId, wrapped[i]))] };
        }
        finally
        {
            CryptographicOperations.ZeroMemory(transportKey);
        }
    }

    private static byte[] EncryptTo(RSA recipient, byte[] transportKey, TransportOaep oaep)
    {
        try
        {
            return recipient.Encrypt(transportKey, PaddingOf(oaep));
        }
        catch (CryptographicException ex)
        {
            // The client's key, not the archive: the request must not be failed as if an archived key were damaged.
            throw new KeyRecoveryException(RecoveryFailure.TransportKeyInvalid, $"{AlgorithmOf(oaep)} encryption to the transport key failed.", inner: ex);
        }
    }

    private static byte[] WrapOne(IKeyProtector protector, RecoverableKey key, AesKeyWrapPadded transportKey)
    {
        // Only the check that the key is the certificate's (the client checks again after unwrapping): an RSA key by
        // its fields, without a key object (RsaKeyFit); another key by importing it.
        var rsa = RsaKeyFit.PublicKeyOf(key.CertificateDer);
        using var certificate = rsa is null ? ArchivedKeys.LoadCertificate(key.CertificateDer, key.CertificateId) : null;
        var pkcs8 = ArchivedKeys.OpenEnvelope(protector, key);
        try
        {
            if (rsa is { } publicKey)
            {
                ArchivedKeys.CheckFits(publicKey, pkcs8, key.CertificateId);
            }
            else
            {
                using (ArchivedKeys.Import(certificate!, pkcs8, key.CertificateId))
                {
                    // Only the check.
                }
            }

            return transportKey.Wrap(pkcs8);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(pkcs8);
        }
    }
}
