using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using Keyward.Audit;
using Keyward.Common;
using Keyward.Server.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace Keyward.Server.Tests.Certificates;

/// <summary>The certificate routes as the tests call them, and the check every refusal must pass.</summary>
internal static class CertificateApi
{
    /// <summary>Every certificate of a person, as the caller sees them (one page holds them all).</summary>
    public static async Task<IReadOnlyList<JsonElement>> ListAsync(HttpClient client, string personId)
    {
        var list = await Json.GetAsync(client, $"/api/people/{personId}/certificates?pageSize=500");
        var results = list.GetProperty("results").EnumerateArray().ToList();
        Assert.Equal(list.GetProperty("total").GetInt32(), results.Count);
        return results;
    }

    public static Task<HttpResponseMessage> IssueAsync(HttpClient client, string personId, string policyId, string? csr = null) =>
        client.PostAsync(new Uri($"/api/people/{personId}/certificates", UriKind.Relative), Json.Body(new { policyId, csr }));

    public static Task<HttpResponseMessage> ImportAsync(HttpClient client, string personId, string policyId, byte[] pfx, string password) =>
        client.PostAsync(
            new Uri($"/api/people/{personId}/certificates/import", UriKind.Relative),
            Json.Body(new { policyId, pfx = Convert.ToBase64String(pfx), password }));

    public static Task<HttpResponseMessage> RevokeAsync(HttpClient client, string certificateId, string? reason = null) =>
        client.PostAsync(new Uri($"/api/certificates/{certificateId}/revoke", UriKind.Relative), Json.Body(new { reason }));

    /// <summary>The certificate as <c>GET /api/certificates/{id}</c> answers it: its view and its PEM, parsed.</summary>
    public static async Task<(JsonElement View, X509Certificate2 Certificate)> GetAsync(HttpClient client, string certificateId)
    {
        var document = await Json.GetAsync(client, $"/api/certificates/{certificateId}");
        var pem = document.GetProperty("pem").GetString()!;
        Assert.StartsWith("-----BEGIN CERTIFICATE-----", pem, StringComparison.Ordinal);
        return (document.GetProperty("certificate"), X509Certificate2.CreateFromPem(pem));
    }

    public static string Id(JsonElement certificate) => certificate.GetProperty("id").GetString()!;

    public static string Status(JsonElement certificate) => certificate.GetProperty("status").GetString()!;

    public static bool Archived(JsonElement certificate) => certificate.GetProperty("archived").GetBoolean();

    public static string Policy(JsonElement certificate) => certificate.GetProperty("policy").GetString()!;

    public static string KeyUsage(JsonElement certificate) => certificate.GetProperty("keyUsage").GetString()!;

    /// <summary>A PKCS#10 request (DER) for an RSA key, as a holder would make it; the key stays with the test.</summary>
    public static byte[] RsaRequest(RSA key, string subject = "CN=Carol") =>
        new CertificateRequest(subject, key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1).CreateSigningRequest();

    public static string Pem(byte[] request) => PemEncoding.WriteString("CERTIFICATE REQUEST", request);

    /// <summary>
    /// Makes a call that must be refused and checks that nothing changed: the answer is the problem with
    /// <paramref name="code"/>, the person's certificates and the archive hold the same rows as before, and the
    /// audit trail gained a Refused entry for <paramref name="action"/> with that code, by <paramref name="actor"/>.
    /// </summary>
    /// <returns>The answer as the caller saw it (<see cref="Json.ProblemTextAsync"/>).</returns>
    public static async Task<string> AssertRefusedAsync(
        DemoServer server,
        HttpClient admin,
        string personId,
        Func<Task<HttpResponseMessage>> call,
        HttpStatusCode status,
        string code,
        string action,
        string actor = "admin")
    {
        var before = await ListAsync(admin, personId);
        var (certificatesBefore, archivedBefore, lastAudit) = await CountsAsync(server);

        string problem;
        using (var response = await call())
        {
            await Json.ProblemAsync(response, status, code);
            problem = await Json.ProblemTextAsync(response);
        }

        Assert.Equal(before.Select(Id).Order(StringComparer.Ordinal), (await ListAsync(admin, personId)).Select(Id).Order(StringComparer.Ordinal));
        var (certificatesAfter, archivedAfter, _) = await CountsAsync(server);
        Assert.Equal((certificatesBefore, archivedBefore), (certificatesAfter, archivedAfter));
        var entries = await AuditSinceAsync(server, lastAudit);
        Assert.Contains(entries, e => e.Action == action && e.Outcome == AuditOutcome.Refused && e.Code == code && e.ActorName == actor);
        Assert.DoesNotContain(entries, e => e.Action == action && e.Outcome == AuditOutcome.Succeeded);
        return problem;
    }

    /// <summary>The audit entries written after <paramref name="sequence"/>, read from the store.</summary>
    public static async Task<List<AuditEvent>> AuditSinceAsync(DemoServer server, long sequence)
    {
        await using var scope = server.App.Services.CreateAsyncScope();
        var store = scope.ServiceProvider.GetRequiredService<IKeywardStore>();
        return await store.ToListAsync(store.AuditEvents.Where(e => e.Sequence > sequence).OrderBy(e => e.Sequence), CancellationToken.None);
    }

    private static async Task<(int Certificates, int ArchivedKeys, long LastAudit)> CountsAsync(DemoServer server)
    {
        await using var scope = server.App.Services.CreateAsyncScope();
        var store = scope.ServiceProvider.GetRequiredService<IKeywardStore>();
        var last = await store.FirstOrDefaultAsync(store.AuditEvents.OrderByDescending(e => e.Sequence).Select(e => (long?)e.Sequence), CancellationToken.None);
        return (
            await store.CountAsync(store.Certificates, CancellationToken.None),
            await store.CountAsync(store.ArchivedKeys, CancellationToken.None),
            last ?? 0);
    }
}
