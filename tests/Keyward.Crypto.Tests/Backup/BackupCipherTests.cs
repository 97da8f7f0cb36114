using System.Security.Cryptography;
using Keyward.Crypto.Backup;

namespace Keyward.Crypto.Tests.Backup;

/// <summary>The backup file's encryption: what goes in comes out with the passphrase, and nothing else opens or passes.</summary>
public sealed class BackupCipherTests
{
    private const string Passphrase = "a-backup-passphrase-for-tests";

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData((1 << 20) - 1)]
    [InlineData(1 << 20)]
    [InlineData((3 << 20) + 17)]
    public void RoundTrip_AnyLength_GivesBackTheSameBytes(int length)
    {
        var content = RandomNumberGenerator.GetBytes(length);

        var sealedBackup = Seal(content);

        Assert.Equal(content, Open(sealedBackup, Passphrase));
        Assert.False(sealedBackup.AsSpan().IndexOf(content.AsSpan(0, Math.Min(length, 64))) >= 0 && length >= 64, "The plaintext shows in the backup.");
    }

    [Fact]
    public void WrongPassphrase_IsRefused()
    {
        var sealedBackup = Seal(RandomNumberGenerator.GetBytes(100));

        var refused = Assert.Throws<BackupUnreadableException>(() => Open(sealedBackup, "another-passphrase-entirely"));
        Assert.Contains("passphrase", refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AlteredByte_CutAtAChunkBoundary_OrNotABackup_IsRefused()
    {
        var content = RandomNumberGenerator.GetBytes((2 << 20) + 5);
        var sealedBackup = Seal(content);

        foreach (var offset in new[] { 0, 20, 40, 1000, sealedBackup.Length - 1 })
        {
            var altered = (byte[])sealedBackup.Clone();
            altered[offset] ^= 0x01;
            Assert.Throws<BackupUnreadableException>(() => Open(altered, Passphrase));
        }

        // Header (9 + 16 + 8 + 4 = 37 bytes), then a full first chunk (4 + 1 MiB + 16): dropping everything after it
        // leaves a well-formed file that says nothing is missing — the chunk's "not last" tag says otherwise.
        var firstChunkOnly = sealedBackup.AsSpan(0, 37 + 4 + (1 << 20) + 16).ToArray();
        Assert.Throws<BackupUnreadableException>(() => Open(firstChunkOnly, Passphrase));
        Assert.Throws<BackupUnreadableException>(() => Open("PK\u0003\u0004 not a backup"u8.ToArray(), Passphrase));
    }

    private static byte[] Seal(byte[] content)
    {
        using var input = new MemoryStream(content);
        using var output = new MemoryStream();
        BackupCipher.Encrypt(input, output, Passphrase);
        return output.ToArray();
    }

    private static byte[] Open(byte[] sealedBackup, string passphrase)
    {
        using var input = new MemoryStream(sealedBackup);
        using var output = new MemoryStream();
        BackupCipher.Decrypt(input, output, passphrase);
        return output.ToArray();
    }
}
