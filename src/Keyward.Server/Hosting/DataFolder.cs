namespace Keyward.Server.Hosting;

/// <summary>
/// The server's data folder (<c>--data</c>, <see cref="KeywardServerOptions.DataDirectory"/>) and the modes of what is
/// in it. It holds the database, the key store, the token keys and the mail pickup folder: on Unix, folders are
/// created 0700 and files 0600, and at start every entry that group or others may use is reported, once per entry.
/// See "Files on disk" in <c>docs/architecture.md</c>.
/// </summary>
internal static partial class DataFolder
{
    /// <summary>The mode of a folder Keyward creates: the owner may list, enter and change it; nobody else anything.</summary>
    public const UnixFileMode FolderMode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;

    /// <summary>The mode of a file Keyward creates: the owner may read and write it; nobody else anything.</summary>
    public const UnixFileMode FileMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    private const UnixFileMode GroupOrOther =
        UnixFileMode.GroupRead | UnixFileMode.GroupWrite | UnixFileMode.GroupExecute |
        UnixFileMode.OtherRead | UnixFileMode.OtherWrite | UnixFileMode.OtherExecute;

    /// <summary>Creates <paramref name="path"/> (and missing parents) with <see cref="FolderMode"/>; an existing folder keeps its mode.</summary>
    public static void Create(string path)
    {
        if (OperatingSystem.IsWindows())
        {
            Directory.CreateDirectory(path);
            return;
        }

        Directory.CreateDirectory(path, FolderMode);
    }

    /// <summary>Options for a new file with <see cref="FileMode"/> (on Unix), for writing.</summary>
    public static FileStreamOptions NewFile(bool asynchronous = false)
    {
        var options = new FileStreamOptions
        {
            Mode = System.IO.FileMode.CreateNew,
            Access = FileAccess.Write,
            Share = FileShare.None,
            Options = asynchronous ? FileOptions.Asynchronous : FileOptions.None,
        };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = FileMode;
        }

        return options;
    }

    /// <summary>
    /// Logs one warning for the folder itself and for each file or folder in it that grants group or others any
    /// permission. Leaves every mode as it is: a looser mode may be the operator's choice (a backup agent in the
    /// group, a mail relay reading the pickup folder), and the warning says how to tighten it.
    /// </summary>
    /// <returns>How many entries were reported.</returns>
    public static int WarnAboutLooseModes(string path, ILogger logger)
    {
        ArgumentNullException.ThrowIfNull(logger);
        if (OperatingSystem.IsWindows() || !Directory.Exists(path))
        {
            return 0;
        }

        var reported = 0;
        var root = new DirectoryInfo(path);
        var entries = new[] { (FileSystemInfo)root }.Concat(root.EnumerateFileSystemInfos("*", new EnumerationOptions
        {
            RecurseSubdirectories = true,
            IgnoreInaccessible = true,
            AttributesToSkip = FileAttributes.ReparsePoint,
        }));
        foreach (var entry in entries)
        {
            UnixFileMode mode;
            try
            {
                // A symbolic link's own mode is always 0777 and means nothing; what it points to is not ours.
                if (entry.LinkTarget is not null)
                {
                    continue;
                }

                mode = entry.UnixFileMode;
            }
            catch (IOException)
            {
                continue;
            }

            if ((mode & GroupOrOther) != 0)
            {
                LogLooseMode(logger, entry is DirectoryInfo ? "Folder" : "File", entry.FullName, Octal(mode), entry is DirectoryInfo ? "0700" : "0600");
                reported++;
            }
        }

        return reported;
    }

    private static string Octal(UnixFileMode mode) => Convert.ToString((int)mode & 0b111_111_111, 8).PadLeft(4, '0');

    [LoggerMessage(EventId = 3000, Level = LogLevel.Warning, Message = "{Kind} {Path} has mode {Mode}: others than the server's user may use it. Keyward makes its own {Expected}; it leaves this as it is. Unless that is intended, run: chmod go-rwx '{Path}'")]
    private static partial void LogLooseMode(ILogger logger, string kind, string path, string mode, string expected);
}
