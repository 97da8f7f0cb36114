using System.Globalization;
using System.Text;
using System.Text.Json;
using CsvHelper;
using CsvHelper.Configuration;
using Keyward.Common;

namespace Keyward.People.Import;

/// <summary>File formats the people import reads.</summary>
public enum ImportFormat
{
    /// <summary>Comma-separated values with a header row: logonName,name,email,group[,enabled].</summary>
    Csv = 1,

    /// <summary>A JSON array of objects (or <c>{"people": [...]}</c>) with the same fields.</summary>
    Json = 2,
}

/// <summary>
/// Turns a CSV or JSON file into <see cref="ImportRow"/>s without judging their content; the first
/// structural problem (bad JSON, a missing header) is reported with its line.
/// </summary>
public static class ImportFileReader
{
    /// <summary>The columns a file may have; anything else is an error (a typo must not silently drop data).</summary>
    public static readonly IReadOnlyList<string> Columns = ["logonName", "name", "email", "group", "enabled"];

    public static ImportFormat? FormatFor(string fileNameOrContentType)
    {
        ArgumentNullException.ThrowIfNull(fileNameOrContentType);
        var value = fileNameOrContentType.ToLowerInvariant();
        if (value.EndsWith(".csv", StringComparison.Ordinal) || value.StartsWith("text/csv", StringComparison.Ordinal))
        {
            return ImportFormat.Csv;
        }

        if (value.EndsWith(".json", StringComparison.Ordinal) || value.StartsWith("application/json", StringComparison.Ordinal))
        {
            return ImportFormat.Json;
        }

        return null;
    }

    /// <summary>
    /// Reads a file from a stream (UTF-8, with or without a byte-order mark), without holding its text: CSV is parsed
    /// as it arrives; JSON is parsed into one document, so its size is bounded by whoever supplies the stream (the
    /// server's <c>MaxImportBodyBytes</c>). Reading stops at the first row past <paramref name="maxRows"/>.
    /// </summary>
    /// <param name="content">The file's bytes; left open.</param>
    /// <param name="format">CSV or JSON.</param>
    /// <param name="maxRows">The most rows accepted; one more is refused (<c>people.import_invalid</c>) without reading further.</param>
    /// <param name="firstRow">
    /// Where the stream's first row sits in a larger file — its line number (CSV; the header is line 1, so 2 for a
    /// whole file) or its item number (JSON; 1 for a whole file) — so that every location names the row in that file.
    /// Null for a whole file.
    /// </param>
    /// <param name="cancellationToken">Stops reading.</param>
    public static async Task<Result<IReadOnlyList<ImportRow>>> ReadAsync(Stream content, ImportFormat format, int maxRows, long? firstRow, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(content);
        return format switch
        {
            ImportFormat.Csv => await ReadCsvAsync(content, maxRows, (firstRow ?? 2) - 2, cancellationToken).ConfigureAwait(false),
            ImportFormat.Json => await ReadJsonAsync(content, maxRows, (firstRow ?? 1) - 1, cancellationToken).ConfigureAwait(false),
            _ => PeopleErrors.ImportInvalid.WithDetail($"Unknown import format '{format}'."),
        };
    }

    private static Error TooMany(int maxRows) =>
        PeopleErrors.ImportInvalid.WithDetail($"The file holds more than {maxRows} people; at most {maxRows} are imported at once. `keyward people import` sends a larger file in parts.");

    private static async Task<Result<IReadOnlyList<ImportRow>>> ReadCsvAsync(Stream content, int maxRows, long lineOffset, CancellationToken cancellationToken)
    {
        var config = new CsvConfiguration(CultureInfo.InvariantCulture)
        {
            TrimOptions = TrimOptions.Trim,
            DetectDelimiter = false,
            MissingFieldFound = null,
        };
        try
        {
            // Spreadsheet programs often start "CSV UTF-8" files with a byte-order mark; the reader drops it.
            using var reader = new StreamReader(content, Encoding.UTF8, detectEncodingFromByteOrderMarks: true, leaveOpen: true);
            using var csv = new CsvReader(reader, config);
            if (!await csv.ReadAsync().ConfigureAwait(false) || !csv.ReadHeader() || csv.HeaderRecord is not { Length: > 0 } header)
            {
                return PeopleErrors.ImportInvalid.WithDetail("The CSV file is empty; the first line must name the columns: " + string.Join(",", Columns) + ".");
            }

            var unknown = header.FirstOrDefault(h => !Columns.Contains(h, StringComparer.OrdinalIgnoreCase));
            if (unknown is not null)
            {
                return PeopleErrors.ImportInvalid.WithDetail($"Line 1: unknown column '{unknown}'. Known columns: {string.Join(", ", Columns)}.");
            }

            var repeated = header.GroupBy(h => h, StringComparer.OrdinalIgnoreCase).FirstOrDefault(g => g.Count() > 1);
            if (repeated is not null)
            {
                return PeopleErrors.ImportInvalid.WithDetail($"Line 1: column '{repeated.Key}' appears more than once.");
            }

            var indexes = Columns.Select(c => Array.FindIndex(header, h => string.Equals(h, c, StringComparison.OrdinalIgnoreCase))).ToArray();
            var rows = new List<ImportRow>();
            while (await csv.ReadAsync().ConfigureAwait(false))
            {
                cancellationToken.ThrowIfCancellationRequested();
                var line = csv.Parser.RawRow + lineOffset;
                if (csv.Parser.Record is { } record && record.All(string.IsNullOrWhiteSpace))
                {
                    continue;
                }

                if (csv.Parser.Count > header.Length)
                {
                    return PeopleErrors.ImportInvalid.WithDetail(string.Create(CultureInfo.InvariantCulture, $"Line {line}: {csv.Parser.Count} fields, but the header names {header.Length}."));
                }

                if (rows.Count == maxRows)
                {
                    return TooMany(maxRows);
                }

                rows.Add(new ImportRow(string.Create(CultureInfo.InvariantCulture, $"Line {line}"), Field(0), Field(1), Field(2), Field(3), Field(4)));
            }

            return rows;

            string? Field(int column)
            {
                var index = indexes[column];
                return index >= 0 && index < csv.Parser.Count ? csv.GetField(index) : null;
            }
        }
        catch (CsvHelperException ex)
        {
            var line = ex.Context?.Parser?.RawRow is { } raw ? raw + lineOffset : (long?)null;
            return PeopleErrors.ImportInvalid.WithDetail($"Line {line}: the CSV cannot be read ({ex.GetType().Name}).");
        }
    }

    private static async Task<Result<IReadOnlyList<ImportRow>>> ReadJsonAsync(Stream content, int maxRows, long itemOffset, CancellationToken cancellationToken)
    {
        try
        {
            using var document = await JsonDocument.ParseAsync(content, new JsonDocumentOptions { MaxDepth = 8 }, cancellationToken).ConfigureAwait(false);
            return ReadJson(document, maxRows, itemOffset);
        }
        catch (JsonException ex)
        {
            return PeopleErrors.ImportInvalid.WithDetail($"Line {(ex.LineNumber ?? 0) + 1}: the file is not valid JSON.");
        }
    }

    private static Result<IReadOnlyList<ImportRow>> ReadJson(JsonDocument document, int maxRows, long itemOffset)
    {
        var root = document.RootElement;
        if (root.ValueKind == JsonValueKind.Object && root.TryGetProperty("people", out var people))
        {
            root = people;
        }

        if (root.ValueKind != JsonValueKind.Array)
        {
            return PeopleErrors.ImportInvalid.WithDetail("The JSON file must be an array of people, or an object with a \"people\" array.");
        }

        if (root.GetArrayLength() > maxRows)
        {
            return TooMany(maxRows);
        }

        var rows = new List<ImportRow>(root.GetArrayLength());
        var index = itemOffset;
        foreach (var item in root.EnumerateArray())
        {
            index++;
            var location = string.Create(CultureInfo.InvariantCulture, $"Item {index}");
            if (item.ValueKind != JsonValueKind.Object)
            {
                return PeopleErrors.ImportInvalid.WithDetail($"{location}: expected an object with the fields {string.Join(", ", Columns)}.");
            }

            var values = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);
            foreach (var property in item.EnumerateObject())
            {
                if (!Columns.Contains(property.Name, StringComparer.OrdinalIgnoreCase))
                {
                    return PeopleErrors.ImportInvalid.WithDetail($"{location}: unknown field '{property.Name}'. Known fields: {string.Join(", ", Columns)}.");
                }

                values[property.Name] = property.Value.ValueKind switch
                {
                    JsonValueKind.String => property.Value.GetString(),
                    JsonValueKind.True => "true",
                    JsonValueKind.False => "false",
                    JsonValueKind.Null => null,
                    _ => null,
                };
                var expectBoolean = string.Equals(property.Name, "enabled", StringComparison.OrdinalIgnoreCase);
                var ok = property.Value.ValueKind is JsonValueKind.Null or JsonValueKind.String
                         || (expectBoolean && property.Value.ValueKind is JsonValueKind.True or JsonValueKind.False);
                if (!ok)
                {
                    return PeopleErrors.ImportInvalid.WithDetail($"{location}: field '{property.Name}' must be {(expectBoolean ? "true or false" : "a string")}.");
                }
            }

            rows.Add(new ImportRow(location, values.GetValueOrDefault("logonName"), values.GetValueOrDefault("name"), values.GetValueOrDefault("email"), values.GetValueOrDefault("group"), values.GetValueOrDefault("enabled")));
        }

        return rows;
    }
}
