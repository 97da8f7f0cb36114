using System.Globalization;
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

    public static Result<IReadOnlyList<ImportRow>> Read(string content, ImportFormat format)
    {
        ArgumentNullException.ThrowIfNull(content);

        // Spreadsheet programs often start "CSV UTF-8" files with a byte-order mark; it is not part of the data.
        content = content.TrimStart('\uFEFF');
        return format switch
        {
            ImportFormat.Csv => ReadCsv(content),
            ImportFormat.Json => ReadJson(content),
            _ => PeopleErrors.ImportInvalid.WithDetail($"Unknown import format '{format}'."),
        };
    }

    private static Result<IReadOnlyList<ImportRow>> ReadCsv(string content)
    {
        var config = new CsvConfiguration(CultureInfo.InvariantCulture)
        {
            TrimOptions = TrimOptions.Trim,
            DetectDelimiter = false,
            MissingFieldFound = null,
        };
        try
        {
            using var reader = new StringReader(content);
            using var csv = new CsvReader(reader, config);
            if (!csv.Read() || !csv.ReadHeader() || csv.HeaderRecord is not { Length: > 0 } header)
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

            var rows = new List<ImportRow>();
            while (csv.Read())
            {
                var line = csv.Parser.RawRow;
                if (csv.Parser.Record is { } record && record.All(string.IsNullOrWhiteSpace))
                {
                    continue;
                }

                if (csv.Parser.Count > header.Length)
                {
                    return PeopleErrors.ImportInvalid.WithDetail($"Line {line}: {csv.Parser.Count} fields, but the header names {header.Length}.");
                }

                rows.Add(new ImportRow($"Line {line}", Field("logonName"), Field("name"), Field("email"), Field("group"), Field("enabled")));
            }

            return rows;

            string? Field(string name)
            {
                var index = Array.FindIndex(header, h => string.Equals(h, name, StringComparison.OrdinalIgnoreCase));
                return index >= 0 && index < csv.Parser.Count ? csv.GetField(index) : null;
            }
        }
        catch (CsvHelperException ex)
        {
            return PeopleErrors.ImportInvalid.WithDetail($"Line {ex.Context?.Parser?.RawRow}: the CSV cannot be read ({ex.GetType().Name}).");
        }
    }

    private static Result<IReadOnlyList<ImportRow>> ReadJson(string content)
    {
        try
        {
            using var document = JsonDocument.Parse(content, new JsonDocumentOptions { MaxDepth = 8 });
            var root = document.RootElement;
            if (root.ValueKind == JsonValueKind.Object && root.TryGetProperty("people", out var people))
            {
                root = people;
            }

            if (root.ValueKind != JsonValueKind.Array)
            {
                return PeopleErrors.ImportInvalid.WithDetail("The JSON file must be an array of people, or an object with a \"people\" array.");
            }

            var rows = new List<ImportRow>();
            var index = 0;
            foreach (var item in root.EnumerateArray())
            {
                index++;
                var location = $"Item {index}";
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
        catch (JsonException ex)
        {
            return PeopleErrors.ImportInvalid.WithDetail($"Line {(ex.LineNumber ?? 0) + 1}: the file is not valid JSON.");
        }
    }
}
