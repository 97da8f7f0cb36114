using System.Net;
using System.Text.Json;
using Keyward.Server.Tests.Infrastructure;

namespace Keyward.Server.Tests.Recovery;

/// <summary>Steps of the recovery workflow over the Core API, shared by the recovery tests.</summary>
internal static class RecoverySteps
{
    /// <summary>The person's archived encryption certificates that are not revoked: id → serial number.</summary>
    public static async Task<IReadOnlyDictionary<string, string>> ArchivedEncryptionCertificatesAsync(HttpClient client, string personId)
    {
        var list = await Json.GetAsync(client, $"/api/people/{personId}/certificates");
        return list.GetProperty("results").EnumerateArray()
            .Where(c => c.GetProperty("archived").GetBoolean() && c.GetProperty("status").GetString() != "Revoked")
            .ToDictionary(c => c.GetProperty("id").GetString()!, c => c.GetProperty("serialNumber").GetString()!);
    }

    public static async Task<IReadOnlyList<string>> CertificateIdsAsync(HttpClient client, string personId, Func<JsonElement, bool> which)
    {
        var list = await Json.GetAsync(client, $"/api/people/{personId}/certificates");
        return list.GetProperty("results").EnumerateArray().Where(which).Select(c => c.GetProperty("id").GetString()!).ToList();
    }

    public static Task<HttpResponseMessage> PostRequestAsync(HttpClient client, string personId, string profile, IEnumerable<string> certificateIds) =>
        client.PostAsync(new Uri($"/api/people/{personId}/requests", UriKind.Relative), Json.Body(new { credentialProfileId = profile, recoverCertificateIds = certificateIds.ToArray() }));

    public static async Task<JsonElement> RequestAsync(HttpClient client, string personId, string profile, IEnumerable<string> certificateIds)
    {
        using var response = await PostRequestAsync(client, personId, profile, certificateIds);
        return await Json.ReadAsync(response, HttpStatusCode.Created);
    }

    public static Task<HttpResponseMessage> PostAsync(HttpClient client, string requestId, string step, object? body = null) =>
        client.PostAsync(new Uri($"/api/requests/{requestId}/{step}", UriKind.Relative), Json.Body(body ?? new { }));

    public static async Task<JsonElement> ApproveAsync(HttpClient client, string requestId)
    {
        using var response = await PostAsync(client, requestId, "approve");
        return await Json.ReadAsync(response, HttpStatusCode.OK);
    }

    public static async Task<JsonElement> CollectAsync(HttpClient client, string requestId, string? password = null)
    {
        using var response = await PostAsync(client, requestId, "collect", password is null ? new { } : new { password });
        return await Json.ReadAsync(response, HttpStatusCode.OK);
    }
}
