using System.Buffers;

namespace Keyward.Cli.Importing;

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
