using System.Buffers.Binary;
using System.Text;

namespace Keyward.Tokens.Tests.Support;

/// <summary>
/// Reads and edits an archive envelope by its documented layout (version 1):
/// <c>'K' 'W' 'A' | version | keyIdLength | storageKeyId | wrappedLength (2) | wrappedDataKey | nonce (12) | tag (16) | ciphertext</c>.
/// </summary>
public sealed record EnvelopeBytes(int KeyIdOffset, int KeyIdLength, int WrappedLengthOffset, int WrappedOffset, int WrappedLength, int NonceOffset)
{
    public const int NonceSize = 12;
    public const int TagSize = 16;

    public int TagOffset => NonceOffset + NonceSize;

    public int CiphertextOffset => TagOffset + TagSize;

    public static EnvelopeBytes Of(byte[] envelope)
    {
        int keyIdLength = envelope[4];
        var wrappedLengthOffset = 5 + keyIdLength;
        int wrappedLength = BinaryPrimitives.ReadUInt16BigEndian(envelope.AsSpan(wrappedLengthOffset));
        return new EnvelopeBytes(5, keyIdLength, wrappedLengthOffset, wrappedLengthOffset + 2, wrappedLength, wrappedLengthOffset + 2 + wrappedLength);
    }

    /// <summary>Nonce, tag and ciphertext: the part that rotation must never change.</summary>
    public static byte[] Sealed(byte[] envelope) => envelope[Of(envelope).NonceOffset..];

    /// <summary>A copy with one bit flipped.</summary>
    public static byte[] FlipBit(byte[] envelope, int offset, int bit = 0)
    {
        var copy = envelope.ToArray();
        copy[offset] ^= (byte)(1 << bit);
        return copy;
    }

    /// <summary>A copy whose header names another storage key; the wrapped key and everything after it are kept.</summary>
    public static byte[] WithStorageKeyId(byte[] envelope, string storageKeyId)
    {
        var layout = Of(envelope);
        var id = Encoding.UTF8.GetBytes(storageKeyId);
        return [.. envelope[..4], (byte)id.Length, .. id, .. envelope[layout.WrappedLengthOffset..]];
    }
}
