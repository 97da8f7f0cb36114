using System.Net;
using System.Security.Cryptography.X509Certificates;
using Keyward.Server.Tests.Infrastructure;
using Keyward.Server.Tests.Recovery;

namespace Keyward.Server.Tests.Cli;

/// <summary>
/// The recovery drill of docs/operations.md#backing-up: back up a running server's data folder with
/// <c>keyward backup</c>, restore it into a new folder with <c>keyward restore</c>, start a server on it, and recover an
/// archived key there; the audit chain verifies across the restore.
/// </summary>
public sealed class BackupDrillTests
{
    private const string Passphrase = "drill-backup-passphrase-2026";

    [Fact]
    public async Task BackupWhileRunning_RestoreToANewFolder_RecoversAKey_AndTheAuditChainVerifies()
    {
        await using var server = await DemoServer.StartOnLoopbackAsync();
        using var keyward = new KeywardProcess(server);
        keyward.Environment["KEYWARD_BACKUP_PASSPHRASE"] = Passphrase;
        using var admin = await server.SignInAsync("admin");

        // Activity before the backup: one recovery collected on the original server.
        var (before, _) = await keyward.ApprovedRequestForCarolAsync("Key Recovery - Soft Certificate");
        using (var carol = await server.SignInAsync("carol"))
        {
            await RecoverySteps.CollectAsync(carol, before);
        }

        var backup = Path.Combine(keyward.Home, "keyward.backup");
        var backedUp = await keyward.OkAsync(null!, "backup", "--out", backup, "--data", server.DataDirectory);
        Assert.Contains("keyward.db", backedUp, StringComparison.Ordinal);
        Assert.Contains("keystore.json", backedUp, StringComparison.Ordinal);
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(backup));
        }

        var checkedBefore = (await Json.GetAsync(admin, "/api/audit/verify")).GetProperty("entriesChecked").GetInt64();

        // A wrong passphrase opens nothing and writes nothing.
        var target = Path.Combine(keyward.Home, "restored");
        keyward.Environment["KEYWARD_BACKUP_PASSPHRASE"] = "not-the-passphrase-at-all";
        var refused = await keyward.RunAsync(null, null, "restore", backup, "--data", target);
        Assert.Equal(1, refused.Exit);
        Assert.Contains("does not open with that passphrase", refused.Error, StringComparison.Ordinal);
        Assert.False(Directory.Exists(target) && Directory.EnumerateFileSystemEntries(target).Any());

        keyward.Environment["KEYWARD_BACKUP_PASSPHRASE"] = Passphrase;
        var restored = await keyward.OkAsync(null!, "restore", backup, "--data", target);
        Assert.Contains($"into {target}", restored, StringComparison.Ordinal);

        // A server on the restored folder has everything: the request collected before, and archived keys to recover.
        await using var again = await DemoServer.StartOnLoopbackAsync(o => o.DataDirectory = target);
        using var adminAgain = await again.SignInAsync("admin");
        Assert.Equal("Completed", await RecoverySteps.StatusAsync(adminAgain, before));
        using var olivia = await again.SignInAsync("olivia");
        var carolId = await Json.PersonIdAsync(olivia, "carol");
        var certificates = await RecoverySteps.ArchivedEncryptionCertificatesAsync(olivia, carolId);
        var id = await RecoverySteps.ApprovedForCarolAsync(again, "Key Recovery - Soft Certificate", certificates.Keys);
        using var carolAgain = await again.SignInAsync("carol");
        var collected = await RecoverySteps.CollectAsync(carolAgain, id);
        var pfx = X509CertificateLoader.LoadPkcs12Collection(collected.GetProperty("pfx").GetBytesFromBase64(), collected.GetProperty("password").GetString());
        Assert.Equal(certificates.Count, pfx.Count(c => c.HasPrivateKey));
        foreach (var certificate in pfx.Where(c => c.HasPrivateKey))
        {
            KeywardProcess.AssertKeyMatches(certificate);
        }

        // The chain verifies across the restore: what was verified before, and what came after.
        var verified = await Json.GetAsync(adminAgain, "/api/audit/verify");
        Assert.True(verified.GetProperty("intact").GetBoolean(), verified.GetRawText());
        Assert.True(verified.GetProperty("entriesChecked").GetInt64() > checkedBefore, verified.GetRawText());
    }
}
