namespace Keyward.Cli.Collecting;

/// <summary>Files that hold keys or secrets: created readable and writable by their owner only (Unix 0600).</summary>
internal static class OwnerOnlyFile
{
    public const UnixFileMode Mode = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    /// <summary>Creates <paramref name="path"/> (it must not exist) with owner-only permissions, for writing.</summary>
    public static FileStream CreateNew(string path)
    {
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write, Share = FileShare.None };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = Mode;
        }

        return new FileStream(path, options);
    }

    /// <summary>Writes a new owner-only file.</summary>
    public static async Task WriteAsync(string path, byte[] content, CancellationToken cancellationToken)
    {
        var file = CreateNew(path);
        await using (file.ConfigureAwait(false))
        {
            await file.WriteAsync(content, cancellationToken).ConfigureAwait(false);
            await file.FlushAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Overwrites the file with zeros and deletes it; quietly does nothing when it is not there.</summary>
    public static void Shred(string path)
    {
        try
        {
            if (!File.Exists(path))
            {
                return;
            }

            var length = new FileInfo(path).Length;
            using (var file = new FileStream(path, FileMode.Open, FileAccess.Write, FileShare.None))
            {
                file.Write(new byte[length]);
                file.Flush(flushToDisk: true);
            }

            File.Delete(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // Best effort: the folder it lives in is private to the user and removed next.
        }
    }
}
