using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;

namespace Keyward.Changes;

/// <summary>
/// How settings are written into a change request and the audit trail: JSON, camelCase, enums by name — the shape
/// the Core API reads them in — so "before" and "after" read the same everywhere.
/// </summary>
public static class ChangeJson
{
    private static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web)
    {
        Converters = { new JsonStringEnumConverter() },
    };

    public static string Write<T>(T value) => JsonSerializer.Serialize(value, Options);

    /// <exception cref="JsonException">The text is not settings of type <typeparamref name="T"/> (a bug: Keyward wrote it).</exception>
    public static T Read<T>(string json) => JsonSerializer.Deserialize<T>(json, Options) ?? throw new JsonException($"No {typeof(T).Name} in a change request.");

    /// <summary>The fields that differ, as <c>field: before → after</c> separated by "; "; "no change" when none does.</summary>
    public static string Diff(string before, string after)
    {
        var old = JsonNode.Parse(before)?.AsObject() ?? [];
        var now = JsonNode.Parse(after)?.AsObject() ?? [];
        var changes = now
            .Where(p => !JsonNode.DeepEquals(p.Value, old[p.Key]))
            .Select(p => $"{p.Key}: {Shown(old[p.Key])} → {Shown(p.Value)}")
            .ToList();
        return changes.Count == 0 ? "no change" : string.Join("; ", changes);

        static string Shown(JsonNode? node) => node?.ToJsonString() ?? "null";
    }
}
