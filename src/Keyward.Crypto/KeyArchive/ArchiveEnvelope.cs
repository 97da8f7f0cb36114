using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using Keyward.Crypto.Protection;

namespace Keyward.Crypto.KeyArchive;

/// <summary>
/// Envelope encryption of one archived private key (PKCS#8 / RFC 5958 OneAsymmetricKey).
/// </summary>
/// <remarks>
/// <para>Each key is encrypted with AES-256-GCM under a fresh random data key; the data key is wrapped by the
/// protector's storage key. The associated data is the format version, the id of the certificate the key
/// belongs to and the SHA-256 of that certificate, so an envelope copied onto another row fails to open.</para>
/// <para>Layout (version 1), all lengths big-endian:
/// <c>'K' 'W' 'A' | version (1) | keyIdLength (1) | storageKeyId (UTF-8) | wrappedLength (2) | wrappedDataKey |
/// nonce (12) | tag (16) | ciphertext</c>. Rotation rewrites only the storage key id and the wrapped data key;
/// nonce, tag and ciphertext never change.</para>
/// </remarks>
public static class ArchiveEnvelope
{
    public const byte CurrentVersion = 1;

    private const int NonceSize = 12;
    private const int TagSize = 16;
    private const int DataKeySize = 32;
    private static readonly byte[] Magic = "KWA"u8.ToArray();

    /// <summary>Seals a private key for a certificate. The caller still owns (and zeroes) <paramref name="pkcs8"/>.</summary>
    /// <returns>The envelope and the id of the storage key that wrapped its data key.</returns>
    public static (byte[] Envelope, string StorageKeyId) Seal(IKeyProtector protector, ReadOnlySpan<byte> pkcs8, CertificateBinding binding)
    {
        ArgumentNullException.ThrowIfNull(protector);
        ArgumentNullException.ThrowIfNull(binding);
        var dataKey = RandomNumberGenerator.GetBytes(DataKeySize);
        try
        {
            var wrapped = protector.WrapDataKey(dataKey, out var storageKeyId);
            var keyId = Encoding.UTF8.GetBytes(storageKeyId);
            if (keyId.Length > byte.MaxValue || wrapped.Length > ushort.MaxValue)
            {
                throw new KeyArchiveException(KeyArchiveFailure.ProtectorRefused, "The storage key id or wrapped key is too long for the envelope.");
            }

            var headerLength = Magic.Length + 2 + keyId.Length + 2 + wrapped.Length;
            var envelope = new byte[headerLength + NonceSize + TagSize + pkcs8.Length];
            WriteHeader(envelope, keyId, wrapped);
            var nonce = envelope.AsSpan(headerLength, NonceSize);
            RandomNumberGenerator.Fill(nonce);
            using var gcm = new AesGcm(dataKey, TagSize);
            gcm.Encrypt(nonce, pkcs8, envelope.AsSpan(headerLength + NonceSize + TagSize), envelope.AsSpan(headerLength + NonceSize, TagSize), binding.AssociatedData(CurrentVersion));
            return (envelope, storageKeyId);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(dataKey);
        }
    }

    /// <summary>Opens an envelope. The caller zeroes the returned PKCS#8 bytes after use.</summary>
    /// <exception cref="KeyArchiveException">Altered, bound to another certificate, unknown storage key or unknown format.</exception>
    public static byte[] Open(IKeyProtector protector, ReadOnlySpan<byte> envelope, CertificateBinding binding)
    {
        ArgumentNullException.ThrowIfNull(protector);
        ArgumentNullException.ThrowIfNull(binding);
        var parts = Parse(envelope);
        var dataKey = protector.UnwrapDataKey(parts.StorageKeyId, envelope.Slice(parts.WrappedOffset, parts.WrappedLength));
        try
        {
            if (dataKey.Length != DataKeySize)
            {
                throw new KeyArchiveException(KeyArchiveFailure.Tampered, "The unwrapped data key has the wrong length.");
            }

            var body = envelope[(parts.NonceOffset + NonceSize + TagSize)..];
            var pkcs8 = new byte[body.Length];
            using var gcm = new AesGcm(dataKey, TagSize);
            try
            {
                gcm.Decrypt(envelope.Slice(parts.NonceOffset, NonceSize), body, envelope.Slice(parts.NonceOffset + NonceSize, TagSize), pkcs8, binding.AssociatedData(parts.Version));
            }
            catch (AuthenticationTagMismatchException ex)
            {
                CryptographicOperations.ZeroMemory(pkcs8);
                throw new KeyArchiveException(KeyArchiveFailure.Tampered, "The archived key failed its integrity check: it was altered or belongs to another certificate.", ex);
            }

            return pkcs8;
        }
        finally
        {
            CryptographicOperations.ZeroMemory(dataKey);
        }
    }

    /// <summary>
    /// Re-wraps the envelope's data key under the protector's active storage key. The encrypted private key
    /// is copied unchanged: rotation never decrypts it.
    /// </summary>
    public static (byte[] Envelope, string StorageKeyId) Rewrap(IKeyProtector protector, ReadOnlySpan<byte> envelope)
    {
        ArgumentNullException.ThrowIfNull(protector);
        var parts = Parse(envelope);
        var dataKey = protector.UnwrapDataKey(parts.StorageKeyId, envelope.Slice(parts.WrappedOffset, parts.WrappedLength));
        try
        {
            var wrapped = protector.WrapDataKey(dataKey, out var storageKeyId);
            var keyId = Encoding.UTF8.GetBytes(storageKeyId);
            var headerLength = Magic.Length + 2 + keyId.Length + 2 + wrapped.Length;
            var tail = envelope[parts.NonceOffset..];
            var result = new byte[headerLength + tail.Length];
            WriteHeader(result, keyId, wrapped);
            tail.CopyTo(result.AsSpan(headerLength));
            return (result, storageKeyId);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(dataKey);
        }
    }

    /// <summary>The storage key an envelope's data key is wrapped under.</summary>
    public static string StorageKeyIdOf(ReadOnlySpan<byte> envelope) => Parse(envelope).StorageKeyId;

    private static void WriteHeader(Span<byte> target, byte[] keyId, byte[] wrapped)
    {
        Magic.CopyTo(target);
        var at = Magic.Length;
        target[at++] = CurrentVersion;
        target[at++] = (byte)keyId.Length;
        keyId.CopyTo(target[at..]);
        at += keyId.Length;
        BinaryPrimitives.WriteUInt16BigEndian(target[at..], (ushort)wrapped.Length);
        at += 2;
        wrapped.CopyTo(target[at..]);
    }

    private static EnvelopeParts Parse(ReadOnlySpan<byte> envelope)
    {
        if (envelope.Length < Magic.Length + 2 || !envelope[..Magic.Length].SequenceEqual(Magic))
        {
            throw new KeyArchiveException(KeyArchiveFailure.UnsupportedFormat, "The archived key is not a Keyward archive envelope.");
        }

        var version = envelope[Magic.Length];
        if (version != CurrentVersion)
        {
            throw new KeyArchiveException(KeyArchiveFailure.UnsupportedFormat, $"Archive envelope version {version} is not supported by this build.");
        }

        var at = Magic.Length + 1;
        int keyIdLength = envelope[at++];
        if (envelope.Length < at + keyIdLength + 2)
        {
            throw new KeyArchiveException(KeyArchiveFailure.Tampered, "The archive envelope is truncated.");
        }

        string keyId;
        try
        {
            keyId = new UTF8Encoding(false, true).GetString(envelope.Slice(at, keyIdLength));
        }
        catch (DecoderFallbackException ex)
        {
            throw new KeyArchiveException(KeyArchiveFailure.Tampered, "The archive envelope's storage key id is not readable.", ex);
        }

        at += keyIdLength;
        int wrappedLength = BinaryPrimitives.ReadUInt16BigEndian(envelope[at..]);
        at += 2;
        if (envelope.Length < at + wrappedLength + NonceSize + TagSize)
        {
            throw new KeyArchiveException(KeyArchiveFailure.Tampered, "The archive envelope is truncated.");
        }

        return new EnvelopeParts(version, keyId, at, wrappedLength, at + wrappedLength);
    }

    private readonly record struct EnvelopeParts(byte Version, string StorageKeyId, int WrappedOffset, int WrappedLength, int NonceOffset);
}

/// <summary>What an archived key is bound to: the certificate's id and the SHA-256 of its DER encoding.</summary>
public sealed record CertificateBinding(string CertificateId, string CertificateSha256Hex)
{
    internal byte[] AssociatedData(byte version) =>
        Encoding.UTF8.GetBytes($"keyward/archive/v{version}\n{CertificateId}\n{CertificateSha256Hex.ToLowerInvariant()}");
}
