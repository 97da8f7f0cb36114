using System.Text.Json;

namespace Keyward.Cli.Importing;

/// <summary>
/// What a parted import has committed, saved beside the file (<c>people.csv.import-state.json</c>) after every part, so
/// that <c>--resume</c> continues after the last committed part. The file is identified by what was committed: the
/// SHA-256 of its preamble and its first <see cref="Rows"/> rows as they were sent. Rows after those may change (a bad
/// row corrected) and the run resumes; a change before them means another file, and resuming is refused.
/// </summary>
internal sealed record ImportProgressFile
{
    private static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web) { WriteIndented = true };

    /// <summary>The layout of this file; another number is not read.</summary>
    public int Format { get; init; } = 1;

    /// <summary>The imported file's name and size when the state was saved (for people reading this file).</summary>
    public string File { get; init; } = string.Empty;

    public long Size { get; init; }

    /// <summary>Rows (CSV records, blank ones included, or JSON items) read and committed, from the start of the file.</summary>
    public long Rows { get; init; }

    /// <summary>SHA-256 (hex) of the preamble and those rows' bytes.</summary>
    public string Sha256 { get; init; } = string.Empty;

    /// <summary>The line (CSV) or item (JSON) at which the next part starts.</summary>
    public long NextRow { get; init; }

    public int Parts { get; init; }

    public long People { get; init; }

    public long Created { get; init; }

    public long Updated { get; init; }

    public long Unchanged { get; init; }

    public long GroupsCreated { get; init; }

    public static string DefaultPathFor(string importFile) => importFile + ".import-state.json";

    /// <summary>The saved state, or null when there is none.</summary>
    /// <exception cref="InvalidDataException">The file is not a state this version wrote.</exception>
    public static async Task<ImportProgressFile?> ReadAsync(string path, CancellationToken cancellationToken)
    {
        if (!System.IO.File.Exists(path))
        {
            return null;
        }

        try
        {
            await using var stream = System.IO.File.OpenRead(path);
            var state = await JsonSerializer.DeserializeAsync<ImportProgressFile>(stream, Options, cancellationToken).ConfigureAwait(false);
            return state is { Format: 1 } ? state : throw new InvalidDataException($"{path} is not an import state this keyward can read");
        }
        catch (JsonException)
        {
            throw new InvalidDataException($"{path} is not an import state (not JSON)");
        }
    }

    /// <summary>Saves the state so that a crash leaves the old or the new state, never half of one (write, then rename).</summary>
    public async Task SaveAsync(string path, CancellationToken cancellationToken)
    {
        var temporary = path + ".tmp";
        await using (var stream = new FileStream(temporary, FileMode.Create, FileAccess.Write, FileShare.None))
        {
            await JsonSerializer.SerializeAsync(stream, this, Options, cancellationToken).ConfigureAwait(false);
            await stream.FlushAsync(cancellationToken).ConfigureAwait(false);
            stream.Flush(flushToDisk: true);
        }

        System.IO.File.Move(temporary, path, overwrite: true);
    }
}
