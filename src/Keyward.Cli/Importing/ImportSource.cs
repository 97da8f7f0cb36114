using System.Buffers;
using System.Text;
using System.Text.Json;

namespace Keyward.Cli.Importing;

/// <summary>One row as the file holds it: its bytes, its place (CSV line or JSON item number), and whether it is blank.</summary>
internal readonly record struct SourceRow(byte[] Bytes, long Position, bool Blank);

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

/// <summary>
/// CSV, split into records on line breaks outside quotes (a quoted field may hold line breaks: RFC 4180 doubles a
/// quote inside quotes, so a record is complete when it holds an even number of quote characters). The server parses
/// each part; this only finds where records end.
/// </summary>
internal sealed class CsvImportSource : ImportSource
{
    private static readonly byte[] Utf8Bom = [0xEF, 0xBB, 0xBF];
    private readonly byte[] _buffer = new byte[64 * 1024];
    private byte[] _header = [];
    private int _start;
    private int _end;
    private bool _atEnd;
    private long _nextLine = 1;

    private CsvImportSource(FileStream file)
        : base(file)
    {
    }

    public override string ContentType => "text/csv";

    public override ReadOnlyMemory<byte> Preamble => _header;

    public static async Task<ImportSource> OpenAsync(FileStream file, CancellationToken cancellationToken)
    {
        var source = new CsvImportSource(file);
        if (await source.NextAsync(cancellationToken).ConfigureAwait(false) is { } header)
        {
            var bytes = header.Bytes.AsSpan();
            bytes = bytes.StartsWith(Utf8Bom) ? bytes[Utf8Bom.Length..] : bytes;
            source._header = bytes.Length > 0 && bytes[^1] == (byte)'\n' ? bytes.ToArray() : [.. bytes, (byte)'\n'];
        }

        return source;
    }

    public override async ValueTask<SourceRow?> NextAsync(CancellationToken cancellationToken)
    {
        var line = _nextLine;
        var first = await ReadLineAsync(line, cancellationToken).ConfigureAwait(false);
        if (first is null)
        {
            return null;
        }

        _nextLine++;
        var record = first;
        var quotes = first.AsSpan().Count((byte)'"');
        while (quotes % 2 == 1)
        {
            var more = await ReadLineAsync(line, cancellationToken).ConfigureAwait(false);
            if (more is null)
            {
                break; // An unclosed quote at the end of the file: the server names the line.
            }

            _nextLine++;
            quotes += more.AsSpan().Count((byte)'"');
            record = [.. record, .. more];
            if (record.Length > MaxRowBytes)
            {
                throw TooLong(line);
            }
        }

        return new SourceRow(record, line, record.AsSpan().IndexOfAnyExcept(" \t\r\n,"u8) < 0);
    }

    public override byte[] Body(IReadOnlyList<SourceRow> rows)
    {
        var body = new byte[_header.Length + rows.Sum(r => r.Bytes.Length)];
        _header.CopyTo(body, 0);
        var at = _header.Length;
        foreach (var row in rows)
        {
            row.Bytes.CopyTo(body, at);
            at += row.Bytes.Length;
        }

        return body;
    }

    private static InvalidDataException TooLong(long line) =>
        new($"line {line}: a row longer than {MaxRowBytes / 1024 / 1024} MiB (an unclosed quote?)");

    /// <summary>One physical line with its line break, or null at the end of the file.</summary>
    private async ValueTask<byte[]?> ReadLineAsync(long record, CancellationToken cancellationToken)
    {
        ArrayBufferWriter<byte>? spill = null;
        while (true)
        {
            if (_start == _end)
            {
                if (_atEnd)
                {
                    return spill is { WrittenCount: > 0 } ? spill.WrittenSpan.ToArray() : null;
                }

                _start = 0;
                _end = await File.ReadAsync(_buffer, cancellationToken).ConfigureAwait(false);
                _atEnd = _end == 0;
                continue;
            }

            var available = _buffer.AsSpan(_start, _end - _start);
            var lineBreak = available.IndexOf((byte)'\n');
            if (lineBreak >= 0)
            {
                var piece = available[..(lineBreak + 1)];
                _start += lineBreak + 1;
                if (spill is null)
                {
                    return piece.ToArray();
                }

                spill.Write(piece);
                return spill.WrittenSpan.ToArray();
            }

            spill ??= new ArrayBufferWriter<byte>();
            spill.Write(available);
            _start = _end;
            if (spill.WrittenCount > MaxRowBytes)
            {
                throw TooLong(record);
            }
        }
    }
}

/// <summary>
/// A JSON array of people, read item by item (<see cref="JsonSerializer.DeserializeAsyncEnumerable{TValue}(Stream, JsonSerializerOptions?, CancellationToken)"/>);
/// each part is sent as an array of the items' own text.
/// </summary>
internal sealed class JsonImportSource : ImportSource
{
    private readonly IAsyncEnumerator<JsonElement> _items;
    private long _index;

    private JsonImportSource(FileStream file, CancellationToken cancellationToken)
        : base(file)
    {
        _items = JsonSerializer.DeserializeAsyncEnumerable<JsonElement>(file, cancellationToken: cancellationToken).GetAsyncEnumerator(cancellationToken);
    }

    public override string ContentType => "application/json";

    public override ReadOnlyMemory<byte> Preamble => ReadOnlyMemory<byte>.Empty;

    /// <summary>A source for a file that is an array; null for any other JSON (sent whole, the server judges it).</summary>
    public static async Task<ImportSource?> OpenAsync(FileStream file, CancellationToken cancellationToken)
    {
        var head = new byte[4096];
        var read = await file.ReadAsync(head, cancellationToken).ConfigureAwait(false);
        var text = head.AsSpan(0, read);
        text = text.StartsWith((ReadOnlySpan<byte>)[0xEF, 0xBB, 0xBF]) ? text[3..] : text;
        var start = text.IndexOfAnyExcept(" \t\r\n"u8);
        file.Position = 0;
        return start >= 0 && text[start] == (byte)'[' ? new JsonImportSource(file, cancellationToken) : null;
    }

    public override async ValueTask<SourceRow?> NextAsync(CancellationToken cancellationToken)
    {
        try
        {
            if (!await _items.MoveNextAsync().ConfigureAwait(false))
            {
                return null;
            }
        }
        catch (JsonException ex)
        {
            throw new InvalidDataException($"item {_index + 1}, line {(ex.LineNumber ?? 0) + 1}: the file is not valid JSON");
        }

        _index++;
        var bytes = Encoding.UTF8.GetBytes(_items.Current.GetRawText());
        return bytes.Length > MaxRowBytes
            ? throw new InvalidDataException($"item {_index}: longer than {MaxRowBytes / 1024 / 1024} MiB")
            : new SourceRow(bytes, _index, Blank: false);
    }

    public override byte[] Body(IReadOnlyList<SourceRow> rows)
    {
        using var body = new MemoryStream(2 + rows.Sum(r => r.Bytes.Length + 2));
        body.WriteByte((byte)'[');
        for (var i = 0; i < rows.Count; i++)
        {
            if (i > 0)
            {
                body.Write(",\n"u8);
            }

            body.Write(rows[i].Bytes);
        }

        body.WriteByte((byte)']');
        return body.ToArray();
    }

    public override async ValueTask DisposeAsync()
    {
        await _items.DisposeAsync().ConfigureAwait(false);
        await base.DisposeAsync().ConfigureAwait(false);
    }
}
