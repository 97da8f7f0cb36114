using System.Text;
using System.Text.Json;

namespace Keyward.Cli.Importing;

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
