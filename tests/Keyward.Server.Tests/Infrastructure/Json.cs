using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Keyward.Server.Tests.Infrastructure;

public static class Json
{
    public static async Task<JsonElement> ReadAsync(HttpResponseMessage response, HttpStatusCode expected)
    {
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == expected, $"Expected {(int)expected}, got {(int)response.StatusCode}: {text}");
        return string.IsNullOrEmpty(text) ? default : JsonDocument.Parse(text).RootElement.Clone();
    }

    /// <summary>Asserts an RFC 9457 answer with the given status and stable code; returns its detail.</summary>
    public static async Task<string> ProblemAsync(HttpResponseMessage response, HttpStatusCode status, string code)
    {
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == status, $"Expected {(int)status} {code}, got {(int)response.StatusCode}: {text}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = JsonDocument.Parse(text).RootElement;
        Assert.Equal(code, problem.GetProperty("code").GetString());
        Assert.Equal((int)status, problem.GetProperty("status").GetInt32());
        Assert.Equal("/errors/" + code, problem.GetProperty("type").GetString());
        Assert.False(string.IsNullOrWhiteSpace(problem.GetProperty("title").GetString()));
        var detail = problem.GetProperty("detail").GetString()!;
        Assert.DoesNotContain("   at ", detail, StringComparison.Ordinal);
        return detail;
    }

    /// <summary>
    /// The answer as a caller sees it, for comparing two answers: the HTTP status and the problem's JSON without
    /// its <c>traceId</c>, the one member that differs on every call.
    /// </summary>
    public static async Task<string> ProblemTextAsync(HttpResponseMessage response)
    {
        var problem = JsonNode.Parse(await response.Content.ReadAsStringAsync())!.AsObject();
        Assert.True(problem.Remove("traceId"), "A problem carries a traceId.");
        return $"{(int)response.StatusCode} {problem.ToJsonString()}";
    }

    public static async Task<JsonElement> GetAsync(HttpClient client, string path)
    {
        using var response = await client.GetAsync(new Uri(path, UriKind.Relative));
        return await ReadAsync(response, HttpStatusCode.OK);
    }

    public static IReadOnlyList<string> LogonNames(JsonElement list) =>
        list.GetProperty("results").EnumerateArray().Select(p => p.GetProperty("logonName").GetString()!).Order(StringComparer.Ordinal).ToList();

    public static async Task<string> PersonIdAsync(HttpClient admin, string logonName)
    {
        var list = await GetAsync(admin, $"/api/people?logonName={logonName}");
        return list.GetProperty("results")[0].GetProperty("id").GetString()!;
    }

    public static StringContent Body(object value) => new(JsonSerializer.Serialize(value), System.Text.Encoding.UTF8, "application/json");
}
