using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;

namespace Keyward.Crypto.Recovery;

/// <summary>
/// How the key-encryption key (KEK) of an EC transport is derived from the ECDH shared secret Z
/// (docs/security.md#ec-transport-keys).
/// </summary>
public enum TransportEcdhKdf
{
    /// <summary>
    /// ANSI X9.63 with SHA-256 (PKCS#11 <c>CKD_SHA256_KDF</c>): KEK = SHA-256(Z ‖ 00000001 ‖ <see cref="EcdhTransport.SharedInfo"/>).
    /// The default, and what SP 800-56A asks for.
    /// </summary>
    X963Sha256 = 1,

    /// <summary>
    /// No KDF (PKCS#11 <c>CKD_NULL</c>): the KEK is Z itself, the 32-byte x-coordinate. For tokens that cannot run a
    /// KDF in the token (SoftHSM2 2.6.1); sound here only because both key pairs are made for one collection and Z is
    /// used once, as an AES key-wrap key (docs/security.md#ec-transport-keys).
    /// </summary>
    None = 2,
}

/// <summary>A key wrapped for an EC transport key: the server's ephemeral public key and the key under the derived KEK.</summary>
/// <param name="EphemeralPublicKey">The sender's one-time P-256 public key (SubjectPublicKeyInfo, DER).</param>
/// <param name="WrappedKey">The key, wrapped under the KEK with AES key wrap with padding (RFC 5649).</param>
public sealed record EcdhWrappedKey(byte[] EphemeralPublicKey, byte[] WrappedKey);

/// <summary>
/// ECDH-ES key transport to a one-time EC P-256 key, in the manner of JWE's <c>ECDH-ES+A256KW</c>: the sender makes
/// an ephemeral P-256 key pair, computes Z = ECDH(ephemeral, recipient), derives a 256-bit KEK from Z
/// (<see cref="TransportEcdhKdf"/>), and wraps the key under the KEK with AES key wrap with padding (RFC 5649). A
/// PKCS#11 token does the other side inside itself: <c>C_DeriveKey</c> with <c>CKM_ECDH1_DERIVE</c> (the ephemeral
/// point as public data) into an AES-256 key, then <c>C_UnwrapKey</c> with <c>CKM_AES_KEY_WRAP_PAD</c>.
/// </summary>
/// <remarks>
/// Every buffer that held Z or the KEK is zeroed before a method returns; the ephemeral private key dies with its
/// object. Pure and thread-safe.
/// </remarks>
public static class EcdhTransport
{
    /// <summary>The scheme's name with the X9.63 SHA-256 KDF: the transport key under ECDH, the recovered keys under the transport key.</summary>
    public const string AlgorithmX963 = "ECDH-P256+X963-SHA256+AES-KWP";

    /// <summary>The scheme's name without a KDF (<see cref="TransportEcdhKdf.None"/>): the KEK is Z itself.</summary>
    public const string AlgorithmRawZ = "ECDH-P256+RAW-Z+AES-KWP";

    /// <summary>The length of Z on P-256, and of the KEK: 32 bytes, an AES-256 key.</summary>
    public const int KekSize = 32;

    private static readonly byte[] SharedInfoBytes = Encoding.ASCII.GetBytes(AlgorithmX963);

    /// <summary>
    /// The X9.63 SharedInfo: the ASCII bytes of <see cref="AlgorithmX963"/>, so a KEK derived for this scheme is
    /// bound to its name and cannot be the KEK of another use of the same Z. A fresh copy on every read.
    /// </summary>
    public static byte[] SharedInfo => (byte[])SharedInfoBytes.Clone();

    /// <summary>The name of the scheme with <paramref name="kdf"/>, as the collection answer and the audit state it.</summary>
    public static string AlgorithmOf(TransportEcdhKdf kdf) => kdf == TransportEcdhKdf.None ? AlgorithmRawZ : AlgorithmX963;

    /// <summary>The SubjectPublicKeyInfo (id-ecPublicKey, namedCurve prime256v1) of an uncompressed P-256 point.</summary>
    /// <param name="point">04 ‖ X ‖ Y, 65 bytes.</param>
    /// <exception cref="ArgumentException">The result is not a key <see cref="TransportKeyCheck"/> accepts (wrong length, compressed, off the curve).</exception>
    public static byte[] SpkiOf(ReadOnlySpan<byte> point)
    {
        var spki = EcTransportKeyCheck.Spki(point);
        return EcTransportKeyCheck.Refusal(spki, "The point") is { } refusal ? throw new ArgumentException(refusal, nameof(point)) : spki;
    }

    /// <summary>
    /// The uncompressed point (04 ‖ X ‖ Y) of a sender's ephemeral key, after the checks a transport key gets
    /// (<see cref="EcTransportKeyCheck"/>): what a token takes as <c>CKM_ECDH1_DERIVE</c>'s public data.
    /// </summary>
    /// <exception cref="KeyRecoveryException"><see cref="RecoveryFailure.EnvelopeUnreadable"/>, naming the failed check.</exception>
    public static byte[] PointOf(ReadOnlySpan<byte> ephemeralSpki)
    {
        var refusal = ephemeralSpki.IsEmpty ? "The server's ephemeral key is empty." : EcTransportKeyCheck.Refusal(ephemeralSpki, "The server's ephemeral key");
        return refusal is null ? EcTransportKeyCheck.PointOf(ephemeralSpki) : throw new KeyRecoveryException(RecoveryFailure.EnvelopeUnreadable, refusal);
    }

    /// <summary>Wraps <paramref name="key"/> for the holder of the P-256 key <paramref name="recipientSpki"/>, with a fresh ephemeral key pair.</summary>
    /// <param name="recipientSpki">The recipient's P-256 public key (SubjectPublicKeyInfo, DER) that <see cref="TransportKeyCheck"/> accepts.</param>
    /// <param name="key">The key to wrap (the transport key; a token's self-test sends a random probe).</param>
    /// <param name="kdf">How the recipient derives the KEK.</param>
    /// <exception cref="KeyRecoveryException"><see cref="RecoveryFailure.TransportKeyInvalid"/>: the recipient's key is refused, naming the check.</exception>
    public static EcdhWrappedKey Wrap(ReadOnlySpan<byte> recipientSpki, ReadOnlySpan<byte> key, TransportEcdhKdf kdf)
    {
        using var recipient = TransportKeyCheck.ImportEc(recipientSpki, out var refusal)
                              ?? throw new KeyRecoveryException(RecoveryFailure.TransportKeyInvalid, refusal ?? "The transport key is not an EC P-256 key.");
        return Wrap(recipient, key, kdf);
    }

    /// <summary>Wraps <paramref name="key"/> for an imported, checked recipient key.</summary>
    internal static EcdhWrappedKey Wrap(ECDiffieHellman recipient, ReadOnlySpan<byte> key, TransportEcdhKdf kdf)
    {
        using var ephemeral = ECDiffieHellman.Create(ECCurve.NamedCurves.nistP256);
        var kek = DeriveKek(ephemeral, recipient.PublicKey, kdf);
        try
        {
            using var aes = Aes.Create();
            aes.Key = kek;
            return new EcdhWrappedKey(ephemeral.ExportSubjectPublicKeyInfo(), aes.EncryptKeyWrapPadded(key));
        }
        finally
        {
            CryptographicOperations.ZeroMemory(kek);
        }
    }

    /// <summary>
    /// The KEK of <paramref name="own"/> and <paramref name="peer"/> under <paramref name="kdf"/>: Z itself, or
    /// SHA-256(Z ‖ 00000001 ‖ <see cref="SharedInfo"/>) (ANSI X9.63, one block). The caller zeroes the result; Z is
    /// zeroed here.
    /// </summary>
    internal static byte[] DeriveKek(ECDiffieHellman own, ECDiffieHellmanPublicKey peer, TransportEcdhKdf kdf)
    {
        var z = own.DeriveRawSecretAgreement(peer);
        if (kdf == TransportEcdhKdf.None)
        {
            return z;
        }

        var input = new byte[z.Length + sizeof(uint) + SharedInfoBytes.Length];
        try
        {
            z.CopyTo(input, 0);
            BinaryPrimitives.WriteUInt32BigEndian(input.AsSpan(z.Length), 1);
            SharedInfoBytes.CopyTo(input, z.Length + sizeof(uint));
            return SHA256.HashData(input);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(z);
            CryptographicOperations.ZeroMemory(input);
        }
    }
}
