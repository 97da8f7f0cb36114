namespace Keyward.Cli.Importing;

/// <summary>
/// Reads an import file one row at a time, so that a file of any size is read with the memory of one row, and makes
/// the request body of a part of it. Rows are handed out exactly as the file holds them, so that the server, told
/// where a part starts (<c>?firstRow=</c>), names a bad row by its line or item in the whole file.
/// Not thread-safe.
/// </summary>
internal abstract class ImportSource : IAsyncDisposable
{
    /// <summary>The longest row read; a longer one is most likely an unclosed quote swallowing the rest of the file.</summary>
    public const int MaxRowBytes = 1024 * 1024;

    protected ImportSource(FileStream file)
    {
        File = file;
    }

    /// <summary>The file's size in bytes.</summary>
    public long Length => File.Length;

    /// <summary>How far into the file reading has got (including what is read ahead into a buffer).</summary>
    public long BytesRead => File.Position;

    public abstract string ContentType { get; }

    /// <summary>What every part repeats before its rows (the CSV header), and what the file's identity hash starts with.</summary>
    public abstract ReadOnlyMemory<byte> Preamble { get; }

    protected FileStream File { get; }

    /// <summary>Opens <paramref name="path"/> as CSV or JSON; null when it is a JSON object (<c>{"people": [...]}</c>), which is sent whole.</summary>
    /// <exception cref="InvalidDataException">The file cannot be read as its format.</exception>
    public static async Task<ImportSource?> OpenAsync(string path, bool json, CancellationToken cancellationToken)
    {
        var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 1, FileOptions.SequentialScan | FileOptions.Asynchronous);
        try
        {
            ImportSource? source = json ? await JsonImportSource.OpenAsync(file, cancellationToken).ConfigureAwait(false) : await CsvImportSource.OpenAsync(file, cancellationToken).ConfigureAwait(false);
            if (source is null)
            {
                await file.DisposeAsync().ConfigureAwait(false);
            }

            return source;
        }
        catch
        {
            await file.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>The next row, or null at the end of the file.</summary>
    /// <exception cref="InvalidDataException">The file cannot be read as its format from here on.</exception>
    public abstract ValueTask<SourceRow?> NextAsync(CancellationToken cancellationToken);

    /// <summary>The request body of a part: the preamble and the rows, as a file of its own.</summary>
    public abstract byte[] Body(IReadOnlyList<SourceRow> rows);

    public virtual ValueTask DisposeAsync() => File.DisposeAsync();
}
