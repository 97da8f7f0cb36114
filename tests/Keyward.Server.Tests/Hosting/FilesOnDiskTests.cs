using System.Text.RegularExpressions;
using Keyward.Server.Tests.Infrastructure;
using Keyward.Server.Tests.Recovery;
using Xunit.Abstractions;
using Xunit.Sdk;

namespace Keyward.Server.Tests.Hosting;

/// <summary>
/// Finding 7: the data folder was created 0755 and the database, its <c>-wal</c> and <c>-shm</c> files and the mail
/// pickup folder's messages 0644, so every local user could read them. <c>keyward server</c> as an operator runs it
/// now leaves nothing in its data folder that group or others may use, and says so at start about anything looser
/// it finds there (docs/architecture.md, "Files on disk").
/// Unix file modes: the tests run on Linux, as the rest of the suite (PostgreSQL, SoftHSM2).
/// </summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class FilesOnDiskTests(ITestOutputHelper output)
{
    private const UnixFileMode GroupOrOther =
        UnixFileMode.GroupRead | UnixFileMode.GroupWrite | UnixFileMode.GroupExecute |
        UnixFileMode.OtherRead | UnixFileMode.OtherWrite | UnixFileMode.OtherExecute;

    [Fact]
    public async Task DemoServerProcess_AfterRecoveryThatMails_EveryFileAndFolderIsOwnerOnly()
    {
        var root = Directory.CreateTempSubdirectory("keyward-files-").FullName;
        var data = Path.Combine(root, "data");
        KeywardProcess? server = null;
        try
        {
            // The server makes the data folder itself; the demo generates its key store passphrase into a file.
            server = KeywardProcess.StartServer("demo", data, new Dictionary<string, string> { ["Keyward__KeyProtector__KeyPoolSize"] = "0" }, "--demo");
            await server.WaitUntilHealthyAsync();

            using (var olivia = await server.SignInAsync("olivia"))
            using (var victor = await server.SignInAsync("victor"))
            using (var carol = await server.SignInAsync("carol"))
            {
                var carolId = await Json.PersonIdAsync(olivia, "carol");
                var wanted = await RecoverySteps.ArchivedEncryptionCertificatesAsync(olivia, carolId);
                var id = (await RecoverySteps.RequestAsync(olivia, carolId, RaceTests.SoftCertificate, wanted.Keys)).GetProperty("id").GetString()!;
                await RecoverySteps.ApproveAsync(victor, id);
                await RecoverySteps.CollectAsync(carol, id);
            }

            // Carol is told of the request and of the collection: by .eml files in the demo's pickup folder.
            var mail = Path.Combine(data, "mail");
            await Eventually.HoldsAsync("the owner notices are in the pickup folder", () => Task.FromResult(Directory.Exists(mail) && Directory.GetFiles(mail, "*.eml").Length >= 2));

            var entries = Walk(data).ToList();
            output.WriteLine(string.Join('\n', entries.Select(e => $"{Octal(e.Mode)} {Path.GetRelativePath(root, e.Path)}")));
            foreach (var expected in new[] { "keyward.db", "keyward.db-wal", "keyward.db-shm", "token-keys.json", "keystore.json", "demo-keystore-passphrase.txt", "mail" })
            {
                Assert.True(entries.Any(e => e.Path == Path.Combine(data, expected)), $"{expected} is in the data folder (the test checks its mode).");
            }

            var loose = entries.Where(e => (e.Mode & GroupOrOther) != 0).Select(e => $"{Octal(e.Mode)} {e.Path}").ToList();
            Assert.True(loose.Count == 0, $"Nothing in the data folder may be used by group or others:\n{string.Join('\n', loose)}");
            Assert.DoesNotContain(" has mode ", server.Output, StringComparison.Ordinal);
        }
        catch (Exception ex) when (server is not null)
        {
            throw new XunitException($"{ex.Message}\n\n--- keyward server ---\n{server.Output}", ex);
        }
        finally
        {
            if (server is not null)
            {
                await server.DisposeAsync();
            }

            Directory.Delete(root, recursive: true);
        }
    }

    [Fact]
    public async Task ServerProcess_LooseEntriesInDataFolder_WarnsOneLineEachAndLeavesThemAsTheyAre()
    {
        var root = Directory.CreateTempSubdirectory("keyward-files-").FullName;
        var data = Path.Combine(root, "data");
        Directory.CreateDirectory(data, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        var notes = Path.Combine(data, "notes.txt");
        var backup = Path.Combine(data, "backup");
        var old = Path.Combine(backup, "old.db");
        await File.WriteAllTextAsync(notes, "left by an operator");
        File.SetUnixFileMode(notes, (UnixFileMode)0b110_100_100);
        Directory.CreateDirectory(backup);
        File.SetUnixFileMode(backup, (UnixFileMode)0b111_101_101);
        await File.WriteAllTextAsync(old, "an old copy");
        File.SetUnixFileMode(old, (UnixFileMode)0b110_100_000);
        KeywardProcess? server = null;
        try
        {
            server = KeywardProcess.StartServer("plain", data, new Dictionary<string, string>
            {
                ["Keyward__KeyProtector__Passphrase"] = DemoServer.TestPassphrase,
                ["Keyward__KeyProtector__KeyPoolSize"] = "0",
            });
            await server.WaitUntilHealthyAsync();

            var warnings = server.Output.Split('\n').Where(l => l.Contains(" has mode ", StringComparison.Ordinal)).ToList();
            Assert.True(warnings.Count == 3, $"One warning per loose entry, three in all:\n{string.Join('\n', warnings)}");
            Assert.Single(warnings, l => l.Contains($"File {notes} has mode 0644", StringComparison.Ordinal));
            Assert.Single(warnings, l => l.Contains($"Folder {backup} has mode 0755", StringComparison.Ordinal));
            Assert.Single(warnings, l => l.Contains($"File {old} has mode 0640", StringComparison.Ordinal));
            Assert.All(warnings, l => Assert.Matches(new Regex(@"chmod go-rwx '/"), l));

            Assert.Equal((UnixFileMode)0b110_100_100, File.GetUnixFileMode(notes));
            Assert.Equal((UnixFileMode)0b111_101_101, File.GetUnixFileMode(backup));
            Assert.Equal((UnixFileMode)0b110_100_000, File.GetUnixFileMode(old));
        }
        catch (Exception ex) when (server is not null)
        {
            throw new XunitException($"{ex.Message}\n\n--- keyward server ---\n{server.Output}", ex);
        }
        finally
        {
            if (server is not null)
            {
                await server.DisposeAsync();
            }

            Directory.Delete(root, recursive: true);
        }
    }

    /// <summary>The folder and everything under it, with their modes.</summary>
    private static IEnumerable<(string Path, UnixFileMode Mode)> Walk(string folder)
    {
        yield return (folder, File.GetUnixFileMode(folder));
        foreach (var entry in new DirectoryInfo(folder).EnumerateFileSystemInfos("*", SearchOption.AllDirectories))
        {
            yield return (entry.FullName, entry.UnixFileMode);
        }
    }

    private static string Octal(UnixFileMode mode) => Convert.ToString((int)mode, 8).PadLeft(4, '0');
}
