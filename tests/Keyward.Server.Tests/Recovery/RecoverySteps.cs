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

    public static async Task<JsonElement> RejectAsync(HttpClient client, string requestId, string? reason = null)
    {
        using var response = await PostAsync(client, requestId, "reject", new { reason });
        return await Json.ReadAsync(response, HttpStatusCode.OK);
    }

    public static async Task<JsonElement> CancelAsync(HttpClient client, string requestId, string? reason = null)
    {
        using var response = await PostAsync(client, requestId, "cancel", new { reason });
        return await Json.ReadAsync(response, HttpStatusCode.OK);
    }

    public static Task<JsonElement> GetAsync(HttpClient client, string requestId) => Json.GetAsync(client, $"/api/requests/{requestId}");

    public static async Task<string> StatusAsync(HttpClient client, string requestId) => (await GetAsync(client, requestId)).GetProperty("status").GetString()!;

    /// <summary>The actions of the request's history, in order.</summary>
    public static IReadOnlyList<string> History(JsonElement request) =>
        request.GetProperty("history").EnumerateArray().Select(h => h.GetProperty("action").GetString()!).ToList();

    /// <summary>Olivia asks for <paramref name="certificateIds"/> of carol with <paramref name="profile"/> and victor approves: the request awaits issue.</summary>
    public static async Task<string> ApprovedForCarolAsync(DemoServer server, string profile, IEnumerable<string> certificateIds)
    {
        using var olivia = await server.SignInAsync("olivia");
        using var victor = await server.SignInAsync("victor");
        var carolId = await Json.PersonIdAsync(olivia, "carol");
        var id = (await RequestAsync(olivia, carolId, profile, certificateIds)).GetProperty("id").GetString()!;
        Assert.Equal("AwaitingIssue", (await ApproveAsync(victor, id)).GetProperty("status").GetString());
        return id;
    }

    public static Task<HttpResponseMessage> PostDeviceUpdateAsync(HttpClient client, string deviceId, string? profile, IEnumerable<string> certificateIds) =>
        client.PostAsync(new Uri($"/api/devices/{deviceId}/certificateRecovery", UriKind.Relative), Json.Body(new { credentialProfileId = profile, recoverCertificateIds = certificateIds.ToArray() }));

    /// <summary>The id of the person's device with that serial number, as the caller sees their devices.</summary>
    public static async Task<string> DeviceIdAsync(HttpClient client, string personId, string serialNumber)
    {
        var list = await Json.GetAsync(client, $"/api/people/{personId}/devices");
        return list.GetProperty("results").EnumerateArray().Single(d => d.GetProperty("serialNumber").GetString() == serialNumber).GetProperty("id").GetString()!;
    }

    /// <summary>Begins a collection by a collecting client; <paramref name="transportKey"/> is sent as given (base64 or not).</summary>
    public static Task<HttpResponseMessage> PostCollectionAsync(HttpClient client, string requestId, string? transportKey) =>
        PostAsync(client, requestId, "collections", new { transportKey });

    public static Task<HttpResponseMessage> PostCollectionStepAsync(HttpClient client, string requestId, string collectionId, string step, object? body = null) =>
        client.PostAsync(new Uri($"/api/requests/{requestId}/collections/{collectionId}/{step}", UriKind.Relative), Json.Body(body ?? new { }));
}

/// <summary>The demo certificates of one cardholder (docs/demo.md#certificates-and-cards), by what they are.</summary>
internal sealed record CardholderCertificates(string Current, string Expired, string Revoked, string Signing)
{
    /// <summary>The three archived encryption certificates.</summary>
    public IReadOnlyList<string> Archived => [Current, Expired, Revoked];

    public static async Task<CardholderCertificates> OfAsync(HttpClient client, string personId)
    {
        var list = (await Json.GetAsync(client, $"/api/people/{personId}/certificates")).GetProperty("results").EnumerateArray().ToList();
        string One(bool archived, string status) => list.Single(c => c.GetProperty("archived").GetBoolean() == archived && c.GetProperty("status").GetString() == status).GetProperty("id").GetString()!;
        return new CardholderCertificates(One(true, "Issued"), One(true, "Expired"), One(true, "Revoked"), One(false, "Issued"));
    }
}
