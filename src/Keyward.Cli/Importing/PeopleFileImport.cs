using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using Keyward.Cli.Client;
using Keyward.Cli.Commands;
using Keyward.People.Import;

namespace Keyward.Cli.Importing;

/// <summary>
/// <c>keyward people import FILE</c>: a file the server takes in one request (at most
/// <see cref="PeopleImporter.MaxRows"/> people and <see cref="WholeFileBytes"/>) is sent whole — all or nothing. A
/// larger file (or any file with <c>--part-rows</c>) is streamed in parts of <see cref="DefaultPartRows"/> people, each
/// all or nothing on the server; progress is saved after every part so that <c>--resume</c> continues after the last
/// committed one. Memory: one part, and at most one whole-file request's worth of rows while deciding.
/// </summary>
internal sealed class PeopleFileImport
{
    /// <summary>
    /// People per part when a file is sent in parts: small enough that the server's working set per request stays
    /// well inside its memory target (docs/performance.md#importing-people), large enough that the per-request cost
    /// (sign-in check, scope, audit entry, commit) is spread over many rows.
    /// </summary>
    public const int DefaultPartRows = 2_000;

    /// <summary>The most a file sent whole may weigh: half the server's default <c>MaxImportBodyBytes</c>.</summary>
    public const int WholeFileBytes = 8 * 1024 * 1024;

    /// <summary>A part closes at this size even before its row count, so that it stays far below the server's limit.</summary>
    public const int MaxPartBytes = 4 * 1024 * 1024;

    private readonly string _path;
    private readonly int? _partRows;
    private readonly bool _resume;
    private readonly string _statePath;

    public PeopleFileImport(string path, int? partRows, bool resume, string? statePath)
    {
        _path = path;
        _partRows = partRows;
        _resume = resume;
        _statePath = statePath ?? ImportProgressFile.DefaultPathFor(path);
    }

    /// <summary>Imports the file; writes progress to <paramref name="progress"/> and the result to <paramref name="output"/>.</summary>
    /// <exception cref="KeywardClientException">The server refused a part, or could not be reached; the message says what stays imported.</exception>
    /// <exception cref="UsageException">The saved progress belongs to a different file.</exception>
    /// <exception cref="InvalidDataException">The file cannot be read as CSV or JSON.</exception>
    public async Task RunAsync(KeywardClient api, TextWriter output, ImportProgress progress, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(api);
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(progress);
        var name = Path.GetFileName(_path);
        var json = _path.EndsWith(".json", StringComparison.OrdinalIgnoreCase);
        var source = await ImportSource.OpenAsync(_path, json, cancellationToken).ConfigureAwait(false);
        if (source is null)
        {
            // A JSON object ({"people": [...]}) cannot be split without reading it whole: it goes as it is, in one request.
            await using var file = File.OpenRead(_path);
            using var content = new StreamContent(file);
            content.Headers.ContentType = new MediaTypeHeaderValue("application/json") { CharSet = "utf-8" };
            var summary = ImportTotals.From(await api.SendAsync(HttpMethod.Post, "/api/people/import", content, cancellationToken).ConfigureAwait(false));
            await output.WriteLineAsync($"Imported {name}: {summary}.").ConfigureAwait(false);
            return;
        }

        await using (source.ConfigureAwait(false))
        {
            using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
            hash.AppendData(source.Preamble.Span);
            var saved = await ImportProgressFile.ReadAsync(_statePath, cancellationToken).ConfigureAwait(false);
            var run = new Run(source, hash);
            if (_resume && saved is not null)
            {
                await run.SkipCommittedAsync(saved, _statePath, name, cancellationToken).ConfigureAwait(false);
                await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
                    $"Resuming {name} at {Where(json, saved.NextRow)}: {saved.People:N0} people in {saved.Parts} parts were imported before.")).ConfigureAwait(false);
            }
            else
            {
                if (saved is not null)
                {
                    await output.WriteLineAsync($"Importing {name} from the start (without --resume, the saved progress in {_statePath} is replaced).").ConfigureAwait(false);
                }
                else if (_resume)
                {
                    await output.WriteLineAsync($"Nothing to resume ({_statePath} does not exist): importing {name} from the start.").ConfigureAwait(false);
                }

                if (_partRows is null && await run.FitsOneRequestAsync(cancellationToken).ConfigureAwait(false))
                {
                    // The documented contract for a file the server takes at once: all or nothing.
                    var whole = await run.SendPartAsync(api, int.MaxValue, int.MaxValue, cancellationToken).ConfigureAwait(false);
                    await output.WriteLineAsync($"Imported {name}: {whole}.").ConfigureAwait(false);
                    return;
                }

                await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
                    $"Importing {name} in parts of {_partRows ?? DefaultPartRows:N0} people. Each part is all or nothing; if one is refused, the parts before it stay imported and --resume continues from it.")).ConfigureAwait(false);
            }

            var clock = Stopwatch.StartNew();
            while (run.HasMore)
            {
                var firstRow = run.NextRow;
                try
                {
                    await run.SendPartAsync(api, _partRows ?? DefaultPartRows, MaxPartBytes, cancellationToken).ConfigureAwait(false);
                }
                catch (KeywardClientException ex)
                {
                    progress.Done();
                    var kept = run.Committed.Parts == 0
                        ? "nothing of this file was imported"
                        : string.Create(CultureInfo.InvariantCulture, $"{run.Committed.People:N0} people in {run.Committed.Parts} earlier parts were imported and stay");
                    throw new KeywardClientException(
                        $"{ex.Message} — the part from {Where(json, firstRow)} was not imported; {kept}. Correct the file and run again with --resume to continue from {Where(json, firstRow)}.",
                        ex.Status,
                        ex.Code);
                }

                await run.State(name).SaveAsync(_statePath, cancellationToken).ConfigureAwait(false);
                progress.Report(run.Committed.People, source.BytesRead, source.Length, run.PeopleThisRun / Math.Max(clock.Elapsed.TotalSeconds, 0.001));
            }

            progress.Done();
            File.Delete(_statePath);
            await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
                $"Imported {name}: {run.Committed.People:N0} people in {run.Committed.Parts} parts ({run.Totals}) in {clock.Elapsed.TotalSeconds:N1} s.")).ConfigureAwait(false);
        }
    }

    private static string Where(bool json, long row) =>
        json ? string.Create(CultureInfo.InvariantCulture, $"item {row}") : string.Create(CultureInfo.InvariantCulture, $"line {row}");

    /// <summary>One pass over the file: rows read ahead but not sent yet, what is committed, and the identity hash.</summary>
    private sealed class Run(ImportSource source, IncrementalHash hash)
    {
        private readonly Queue<SourceRow> _ahead = new();
        private bool _atEnd;
        private long _rowsCommitted;

        public (int Parts, long People) Committed { get; private set; }

        public long PeopleThisRun { get; private set; }

        public ImportTotals Totals { get; private set; } = new(0, 0, 0, 0);

        public bool HasMore => _ahead.Count > 0 || !_atEnd;

        /// <summary>Where the next part starts (its first row's line or item).</summary>
        public long NextRow { get; private set; } = 1;

        private string Sha256 { get; set; } = string.Empty;

        /// <summary>Reads the rows a saved state says were committed, and checks that they are the rows that were sent.</summary>
        public async Task SkipCommittedAsync(ImportProgressFile saved, string statePath, string name, CancellationToken cancellationToken)
        {
            for (long i = 0; i < saved.Rows; i++)
            {
                if (await source.NextAsync(cancellationToken).ConfigureAwait(false) is not { } row)
                {
                    throw Different();
                }

                hash.AppendData(row.Bytes);
                NextRow = row.Position + 1;
            }

            Sha256 = Convert.ToHexStringLower(hash.GetCurrentHash());
            if (!string.Equals(Sha256, saved.Sha256, StringComparison.Ordinal))
            {
                throw Different();
            }

            _rowsCommitted = saved.Rows;
            NextRow = saved.NextRow;
            Committed = (saved.Parts, saved.People);
            Totals = new ImportTotals(saved.Created, saved.Updated, saved.Unchanged, saved.GroupsCreated);

            UsageException Different() => new(
                $"{statePath} records an import of a file whose first {saved.Rows:N0} rows differ from {name}'s; " +
                "run without --resume to import it from the start (people already imported are matched by logon name).");
        }

        /// <summary>
        /// Reads ahead until the file ends or passes what one request takes; true when it ended (the rows read ahead are
        /// the whole file).
        /// </summary>
        public async Task<bool> FitsOneRequestAsync(CancellationToken cancellationToken)
        {
            long people = 0, bytes = source.Preamble.Length;
            while (people <= PeopleImporter.MaxRows && bytes <= WholeFileBytes)
            {
                if (await source.NextAsync(cancellationToken).ConfigureAwait(false) is not { } row)
                {
                    _atEnd = true;
                    return true;
                }

                _ahead.Enqueue(row);
                people += row.Blank ? 0 : 1;
                bytes += row.Bytes.Length;
            }

            return false;
        }

        /// <summary>Sends the next part (up to <paramref name="maxPeople"/> people and about <paramref name="maxBytes"/>) and adds up what it did.</summary>
        public async Task<ImportTotals> SendPartAsync(KeywardClient api, int maxPeople, int maxBytes, CancellationToken cancellationToken)
        {
            var rows = new List<SourceRow>();
            int people = 0, bytes = 0;
            while (people < maxPeople && bytes < maxBytes)
            {
                SourceRow? next = _ahead.Count > 0 ? _ahead.Dequeue() : _atEnd ? null : await source.NextAsync(cancellationToken).ConfigureAwait(false);
                if (next is not { } row)
                {
                    _atEnd = true;
                    break;
                }

                rows.Add(row);
                people += row.Blank ? 0 : 1;
                bytes += row.Bytes.Length;
            }

            var part = ImportTotals.Zero;
            var send = people > 0 || (Committed.Parts == 0 && !HasMore);
            if (send)
            {
                // A part of blank lines alone is not sent; a file of none at all is, for the server's "holds no people".
                using var content = new ByteArrayContent(source.Body(rows));
                content.Headers.ContentType = new MediaTypeHeaderValue(source.ContentType) { CharSet = "utf-8" };
                var at = rows.Count > 0 ? string.Create(CultureInfo.InvariantCulture, $"?firstRow={rows[0].Position}") : string.Empty;
                part = ImportTotals.From(await api.SendAsync(HttpMethod.Post, "/api/people/import" + at, content, cancellationToken).ConfigureAwait(false));
            }

            foreach (var row in rows)
            {
                hash.AppendData(row.Bytes);
            }

            Sha256 = Convert.ToHexStringLower(hash.GetCurrentHash());
            _rowsCommitted += rows.Count;
            NextRow = rows.Count > 0 ? rows[^1].Position + 1 : NextRow;
            Committed = (Committed.Parts + (send ? 1 : 0), Committed.People + people);
            PeopleThisRun += people;
            Totals += part;
            return part;
        }

        public ImportProgressFile State(string name) => new()
        {
            File = name,
            Size = source.Length,
            Rows = _rowsCommitted,
            Sha256 = Sha256,
            NextRow = NextRow,
            Parts = Committed.Parts,
            People = Committed.People,
            Created = Totals.Created,
            Updated = Totals.Updated,
            Unchanged = Totals.Unchanged,
            GroupsCreated = Totals.GroupsCreated,
        };
    }
}
