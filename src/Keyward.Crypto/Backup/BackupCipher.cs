using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;

namespace Keyward.Crypto.Backup;

/// <summary>A backup that does not open: the passphrase is wrong, or the file is not a Keyward backup or was altered.</summary>
public sealed class BackupUnreadableException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>
/// Encrypts a backup under a passphrase of its own, separate from the key store's (docs/operations.md#backing-up):
/// PBKDF2-HMAC-SHA256 (600,000 iterations, random 16-byte salt) gives a 256-bit key; the content is cut into 1 MiB
/// chunks, each sealed with AES-256-GCM under a nonce made of a random prefix and the chunk's number, with the header,
/// the chunk's number and whether it is the last one as associated data — so chunks cannot be reordered, dropped,
/// truncated at a chunk boundary or moved to another file without the tag failing.
/// </summary>
/// <remarks>The format: <c>KWBACKUP1</c>, then salt (16), nonce prefix (8), iterations (4, big-endian); then per
/// chunk: length (4, big-endian, the plaintext's), ciphertext, tag (16). The file ends after the chunk sealed as the
/// last, which may be empty.</remarks>
public static class BackupCipher
{
    /// <summary>The iteration count of new backups.</summary>
    public const int Iterations = 600_000;

    private const int ChunkSize = 1 << 20;
    private const int TagSize = 16;
    private static readonly byte[] Magic = Encoding.ASCII.GetBytes("KWBACKUP1");

    /// <summary>Encrypts all of <paramref name="plaintext"/> into <paramref name="output"/>.</summary>
    public static void Encrypt(Stream plaintext, Stream output, string passphrase)
    {
        ArgumentNullException.ThrowIfNull(plaintext);
        ArgumentNullException.ThrowIfNull(output);
        ArgumentException.ThrowIfNullOrEmpty(passphrase);
        var salt = RandomNumberGenerator.GetBytes(16);
        var prefix = RandomNumberGenerator.GetBytes(8);
        var header = Header(salt, prefix, Iterations);
        output.Write(header);
        var key = DeriveKey(passphrase, salt, Iterations);
        var buffer = new byte[ChunkSize];
        var next = new byte[ChunkSize];
        var sealedChunk = new byte[ChunkSize];
        var tag = new byte[TagSize];
        var size = new byte[4];
        try
        {
            using var gcm = new AesGcm(key, TagSize);
            var length = Fill(plaintext, buffer);
            for (uint index = 0; ; index++)
            {
                // Read ahead to know whether this chunk is the last.
                var nextLength = length == ChunkSize ? Fill(plaintext, next) : 0;
                var last = nextLength == 0;
                gcm.Encrypt(Nonce(prefix, index), buffer.AsSpan(0, length), sealedChunk.AsSpan(0, length), tag, Associated(header, index, last));
                BinaryPrimitives.WriteInt32BigEndian(size, length);
                output.Write(size);
                output.Write(sealedChunk, 0, length);
                output.Write(tag);
                if (last)
                {
                    return;
                }

                (buffer, next) = (next, buffer);
                length = nextLength;
            }
        }
        finally
        {
            CryptographicOperations.ZeroMemory(key);
            CryptographicOperations.ZeroMemory(buffer);
            CryptographicOperations.ZeroMemory(next);
        }
    }

    /// <summary>Decrypts <paramref name="input"/> into <paramref name="output"/>; nothing unverified is written.</summary>
    /// <exception cref="BackupUnreadableException">Wrong passphrase, not a backup, altered or cut short.</exception>
    public static void Decrypt(Stream input, Stream output, string passphrase)
    {
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(output);
        ArgumentException.ThrowIfNullOrEmpty(passphrase);
        var header = new byte[Magic.Length + 16 + 8 + 4];
        if (Fill(input, header) != header.Length || !header.AsSpan(0, Magic.Length).SequenceEqual(Magic))
        {
            throw new BackupUnreadableException("This is not a Keyward backup (its header is missing).");
        }

        var salt = header.AsSpan(Magic.Length, 16).ToArray();
        var prefix = header.AsSpan(Magic.Length + 16, 8).ToArray();
        var iterations = BinaryPrimitives.ReadInt32BigEndian(header.AsSpan(Magic.Length + 24, 4));
        if (iterations is < 100_000 or > 10_000_000)
        {
            throw new BackupUnreadableException("This backup's header is damaged (its iteration count is out of range).");
        }

        var key = DeriveKey(passphrase, salt, iterations);
        var sealedChunk = new byte[ChunkSize];
        var plain = new byte[ChunkSize];
        var tag = new byte[TagSize];
        var size = new byte[4];
        try
        {
            using var gcm = new AesGcm(key, TagSize);
            if (Fill(input, size) != 4)
            {
                throw new BackupUnreadableException("This backup is cut short.");
            }

            for (uint index = 0; ; index++)
            {
                var length = BinaryPrimitives.ReadInt32BigEndian(size);
                if (length is < 0 or > ChunkSize || Fill(input, sealedChunk.AsSpan(0, length)) != length || Fill(input, tag) != TagSize)
                {
                    throw new BackupUnreadableException("This backup is cut short or damaged.");
                }

                // The last chunk is the one the file ends after; its tag says whether it was sealed as the last.
                var following = Fill(input, size);
                if (following is not (0 or 4))
                {
                    throw new BackupUnreadableException("This backup is cut short or damaged.");
                }

                var last = following == 0;
                try
                {
                    gcm.Decrypt(Nonce(prefix, index), sealedChunk.AsSpan(0, length), tag, plain.AsSpan(0, length), Associated(header, index, last));
                }
                catch (AuthenticationTagMismatchException ex)
                {
                    throw new BackupUnreadableException(index == 0
                        ? "This backup does not open with that passphrase (or it was altered)."
                        : "This backup was altered or cut short.", ex);
                }

                output.Write(plain, 0, length);
                if (last)
                {
                    return;
                }
            }
        }
        finally
        {
            CryptographicOperations.ZeroMemory(key);
            CryptographicOperations.ZeroMemory(plain);
        }
    }

    private static byte[] Header(byte[] salt, byte[] prefix, int iterations)
    {
        var header = new byte[Magic.Length + 16 + 8 + 4];
        Magic.CopyTo(header, 0);
        salt.CopyTo(header, Magic.Length);
        prefix.CopyTo(header, Magic.Length + 16);
        BinaryPrimitives.WriteInt32BigEndian(header.AsSpan(Magic.Length + 24), iterations);
        return header;
    }

    private static byte[] DeriveKey(string passphrase, byte[] salt, int iterations) =>
        Rfc2898DeriveBytes.Pbkdf2(Encoding.UTF8.GetBytes(passphrase), salt, iterations, HashAlgorithmName.SHA256, 32);

    private static byte[] Nonce(byte[] prefix, uint index)
    {
        var nonce = new byte[12];
        prefix.CopyTo(nonce, 0);
        BinaryPrimitives.WriteUInt32BigEndian(nonce.AsSpan(8), index);
        return nonce;
    }

    private static byte[] Associated(byte[] header, uint index, bool last)
    {
        var data = new byte[header.Length + 5];
        header.CopyTo(data, 0);
        BinaryPrimitives.WriteUInt32BigEndian(data.AsSpan(header.Length), index);
        data[^1] = last ? (byte)1 : (byte)0;
        return data;
    }

    /// <summary>Reads until <paramref name="buffer"/> is full or the stream ends; how many bytes were read.</summary>
    private static int Fill(Stream stream, Span<byte> buffer)
    {
        var total = 0;
        while (total < buffer.Length)
        {
            var read = stream.Read(buffer[total..]);
            if (read == 0)
            {
                break;
            }

            total += read;
        }

        return total;
    }
}
