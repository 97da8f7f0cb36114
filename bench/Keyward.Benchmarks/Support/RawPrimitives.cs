using System.Security.Cryptography;
using System.Text;

namespace Keyward.Benchmarks.Support;

/// <summary>
/// The yardstick: the same cryptographic work as the archive envelope, done with the bare .NET primitives and
/// nothing else — no protector, no key lookup, no envelope header. A fresh 32-byte data key, AES-256-GCM of the
/// private key under it, and the data key wrapped with AES-KWP (RFC 5649) under a fixed AES-256 key.
/// </summary>
/// <remarks>
/// Benchmarks live outside src/, so the architecture rule that keeps these APIs inside Keyward.Crypto does not
/// apply here; the product never calls this class.
/// </remarks>
internal sealed class RawPrimitives : IDisposable
{
    public const int WrappedKeySize = 40; // AES-KWP of 32 bytes: 32 + 8.
    private const int DataKeySize = 32;
    private const int NonceSize = 12;
    private const int TagSize = 16;

    private readonly Aes _kek;

    public RawPrimitives(string certificateId, string certificateSha256Hex)
    {
        _kek = Aes.Create();
        _kek.Key = RandomNumberGenerator.GetBytes(32);

        // The same associated data the envelope binds to, encoded once.
        AssociatedData = Encoding.UTF8.GetBytes($"keyward/archive/v1\n{certificateId}\n{certificateSha256Hex}");
    }

    public byte[] AssociatedData { get; }

    /// <summary>Returns wrapped data key | nonce | tag | ciphertext.</summary>
    public byte[] Seal(ReadOnlySpan<byte> plaintext)
    {
        var sealedKey = new byte[WrappedKeySize + NonceSize + TagSize + plaintext.Length];
        Span<byte> dataKey = stackalloc byte[DataKeySize];
        RandomNumberGenerator.Fill(dataKey);
        try
        {
            _kek.EncryptKeyWrapPadded(dataKey, sealedKey.AsSpan(0, WrappedKeySize));
            var nonce = sealedKey.AsSpan(WrappedKeySize, NonceSize);
            RandomNumberGenerator.Fill(nonce);
            using var gcm = new AesGcm(dataKey, TagSize);
            gcm.Encrypt(nonce, plaintext, sealedKey.AsSpan(WrappedKeySize + NonceSize + TagSize), sealedKey.AsSpan(WrappedKeySize + NonceSize, TagSize), AssociatedData);
            return sealedKey;
        }
        finally
        {
            CryptographicOperations.ZeroMemory(dataKey);
        }
    }

    /// <summary>Opens what <see cref="Seal"/> made.</summary>
    public byte[] Open(ReadOnlySpan<byte> sealedKey)
    {
        Span<byte> dataKey = stackalloc byte[DataKeySize];
        try
        {
            _kek.DecryptKeyWrapPadded(sealedKey[..WrappedKeySize], dataKey);
            var body = sealedKey[(WrappedKeySize + NonceSize + TagSize)..];
            var plaintext = new byte[body.Length];
            using var gcm = new AesGcm(dataKey, TagSize);
            gcm.Decrypt(sealedKey.Slice(WrappedKeySize, NonceSize), body, sealedKey.Slice(WrappedKeySize + NonceSize, TagSize), plaintext, AssociatedData);
            return plaintext;
        }
        finally
        {
            CryptographicOperations.ZeroMemory(dataKey);
        }
    }

    /// <summary>Rotation's cryptographic work: unwrap a data key and wrap it again.</summary>
    public byte[] Rewrap(ReadOnlySpan<byte> wrappedKey)
    {
        Span<byte> dataKey = stackalloc byte[DataKeySize];
        try
        {
            _kek.DecryptKeyWrapPadded(wrappedKey, dataKey);
            return _kek.EncryptKeyWrapPadded(dataKey);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(dataKey);
        }
    }

    public void Dispose() => _kek.Dispose();
}
