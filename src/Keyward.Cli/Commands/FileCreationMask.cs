using System.Runtime.InteropServices;

namespace Keyward.Cli.Commands;

/// <summary>
/// The process's file mode creation mask (Unix <c>umask</c>). <c>keyward server</c> sets it to <c>077</c> before it
/// creates anything, so every file and folder the process makes — its own, and those native code makes without
/// asking .NET, such as SQLite's <c>-wal</c> and <c>-shm</c> files — is readable by the server's user alone.
/// </summary>
/// <remarks>
/// Chosen over changing modes after the fact: a mask applies at the moment of creation (no window in which a file
/// is readable by others), needs no list of the files to fix, and covers files Keyward does not know it creates.
/// It is process-wide, so only the server command sets it, first thing; the client commands keep the user's mask.
/// The server library does not rely on it: it creates its folders 0700 and its files 0600 itself
/// (<c>Keyward.Server.Hosting.DataFolder</c>), for hosts that do not set a mask.
/// </remarks>
internal static class FileCreationMask
{
    /// <summary>Group and others get no permission on anything created from now on.</summary>
    public const uint OwnerOnly = 0b000_111_111;

    /// <summary>Sets the mask on Linux and macOS (a no-op elsewhere); returns the previous one, or null.</summary>
    public static uint? Set(uint mask) =>
        OperatingSystem.IsLinux() || OperatingSystem.IsMacOS() ? Umask(mask) : null;

    // mode_t umask(mode_t mask): always succeeds. mode_t is 32 bits on Linux and a widened 16 on macOS. A plain
    // DllImport: the signature is blittable, so it needs no generated marshalling (nor unsafe code in this project).
    [DllImport("libc", EntryPoint = "umask", ExactSpelling = true)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    private static extern uint Umask(uint mask);
}
