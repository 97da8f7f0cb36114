using System.Text.Json;

namespace Keyward.Cli.Client;

/// <summary>Finds what a command line names — a person by logon name or id — through the Core API, and reads its JSON answers.</summary>
internal static class Lookups
{
    /// <summary>
    /// The id of the person named by <paramref name="logonNameOrId"/>: a logon name (<c>GET /api/people?logonName=</c>)
    /// or, failing that, a person id. Someone outside the caller's scope is "not visible", as the server says it.
    /// </summary>
    public static async Task<string> PersonIdAsync(KeywardClient api, string logonNameOrId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(api);
        ArgumentException.ThrowIfNullOrWhiteSpace(logonNameOrId);
        var name = logonNameOrId.Trim();
        var page = await api.GetAsync($"/api/people?logonName={Uri.EscapeDataString(name)}", cancellationToken).ConfigureAwait(false);
        var results = page.GetProperty("results");
        if (results.GetArrayLength() == 1)
        {
            return results[0].GetProperty("id").GetString()!;
        }

        try
        {
            var person = await api.GetAsync($"/api/people/{Uri.EscapeDataString(name)}", cancellationToken).ConfigureAwait(false);
            return person.GetProperty("id").GetString()!;
        }
        catch (KeywardClientException ex) when (ex.Status == 404)
        {
            throw new KeywardClientException($"no person '{name}' is visible to you, by logon name or id (people.not_found)", 404, "people.not_found");
        }
    }

    /// <summary>A string property, or null when it is missing or null.</summary>
    public static string? Text(JsonElement element, string name) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    /// <summary>A number property, or 0 when it is missing.</summary>
    public static int Number(JsonElement element, string name) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.Number ? value.GetInt32() : 0;

    /// <summary>An array property's items; none when it is missing.</summary>
    public static IEnumerable<JsonElement> Items(JsonElement element, string name) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.Array ? value.EnumerateArray() : [];

    /// <summary>A date property as UTC, or null.</summary>
    public static DateTime? Date(JsonElement element, string name) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String && value.TryGetDateTime(out var at)
            ? at.ToUniversalTime()
            : null;
}
