using Keyward.Server.Tests.Infrastructure;

namespace Keyward.Server.Tests.Faults;

/// <summary>
/// A file system of a few megabytes that really fills up: a tmpfs mounted on a fresh temporary folder, and a filler
/// file that takes all but a little of its space. Mounting needs root (CAP_SYS_ADMIN), which the test command has
/// in CI; where mounting is refused the test fails with the command's own error rather than being skipped.
/// Disposing unmounts it and deletes the folder.
/// </summary>
internal sealed class SmallVolume : IAsyncDisposable
{
    private const int Page = 4096;
    private static readonly TimeSpan ToolLimit = TimeSpan.FromSeconds(30);

    private SmallVolume(string path) => Path = path;

    /// <summary>The mount point.</summary>
    public string Path { get; }

    /// <summary>The filler file, once <see cref="Fill"/> made it.</summary>
    public string Filler => System.IO.Path.Combine(Path, "filler.bin");

    /// <summary>Bytes free on the volume now.</summary>
    public long Available => new DriveInfo(Path).AvailableFreeSpace;

    /// <summary>Mounts a tmpfs of <paramref name="bytes"/> on a new temporary folder; fails the test, quoting <c>mount</c>, when that is not permitted.</summary>
    public static async Task<SmallVolume> MountAsync(long bytes)
    {
        var path = Directory.CreateTempSubdirectory("keyward-small-volume-").FullName;
        var mount = ExternalTool.OnPath("mount");
        if (mount is null)
        {
            Directory.Delete(path);
            Assert.Fail("The disk-full test mounts a small tmpfs, but there is no `mount` on PATH (Debian package util-linux).");
        }

        var outcome = await ExternalTool.RunAsync(mount, ["-t", "tmpfs", "-o", $"size={bytes},mode=0755", "keyward-test", path], path, ToolLimit);
        if (outcome.ExitCode != 0)
        {
            Directory.Delete(path);
            Assert.Fail(
                $"The disk-full test needs a small file system of its own and could not mount one: `mount -t tmpfs -o size={bytes} keyward-test {path}` " +
                $"exited with {outcome.ExitCode}: {outcome.Error.Trim()} {outcome.Output.Trim()}\n" +
                $"Run the tests as root (or with CAP_SYS_ADMIN), as the CI command does (effective uid here: {Environment.UserName}).");
        }

        return new SmallVolume(path);
    }

    /// <summary>
    /// Writes the filler until the volume is full (to the last page), then gives back <paramref name="leaving"/> bytes:
    /// afterwards the volume has about that much room. Returns the filler's size.
    /// </summary>
    public long Fill(long leaving)
    {
        using var filler = File.OpenHandle(Filler, FileMode.CreateNew, FileAccess.Write);
        long length = 0;
        foreach (var size in new[] { 1 << 20, Page })
        {
            var chunk = new byte[size];
            Array.Fill(chunk, (byte)0xA5);
            while (true)
            {
                try
                {
                    RandomAccess.Write(filler, chunk, length);
                    length += size;
                }
                catch (IOException)
                {
                    // Full for this chunk size (a partial write leaves the file longer: go on from its real length).
                    length = RandomAccess.GetLength(filler);
                    break;
                }
            }
        }

        length = Math.Max(0, length - leaving) / Page * Page;
        RandomAccess.SetLength(filler, length);
        return length;
    }

    /// <summary>Deletes the filler: the space comes back.</summary>
    public void Drain() => File.Delete(Filler);

    public async ValueTask DisposeAsync()
    {
        var umount = ExternalTool.OnPath("umount") ?? "umount";
        var outcome = await ExternalTool.RunAsync(umount, [Path], "/", ToolLimit);
        if (outcome.ExitCode != 0)
        {
            // Something still holds a file open on it: detach it now, the kernel frees it once that is closed.
            await ExternalTool.RunAsync(umount, ["-l", Path], "/", ToolLimit);
        }

        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
            // Left for the temporary folder's cleanup.
        }
    }
}
