using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;

namespace Keyward.Benchmarks.Recovery;

/// <summary>One HTTP call's outcome as the load driver sees it: the time until the whole answer was read.</summary>
internal readonly record struct StepResult(bool Ok, int Status, string? Code, double Milliseconds, string? RequestId = null, byte[]? Pfx = null, string? Password = null);

/// <summary>
/// The Core API calls of a soft-certificate recovery, over real HTTP with one pooled <see cref="SocketsHttpHandler"/>
/// shared by the four demo identities. Tokens are fetched once, before anything is measured.
/// </summary>
internal sealed class RecoveryApi : IDisposable
{
    public const string Profile = "Key Recovery - Soft Certificate";
    public const string EncryptionPolicy = "Encryption RSA-2048 (archived)";

    private static readonly byte[] EmptyObject = "{}"u8.ToArray();
    private readonly SocketsHttpHandler _handler;
    private readonly HttpClient _olivia;
    private readonly HttpClient _victor;
    private readonly HttpClient _carol;
    private readonly HttpClient _admin;
    private readonly HttpClient _anonymous;

    private RecoveryApi(SocketsHttpHandler handler, HttpClient olivia, HttpClient victor, HttpClient carol, HttpClient admin)
    {
        _handler = handler;
        _anonymous = new HttpClient(handler, disposeHandler: false) { BaseAddress = admin.BaseAddress, Timeout = admin.Timeout };
        _olivia = olivia;
        _victor = victor;
        _carol = carol;
        _admin = admin;
    }

    /// <summary>carol's person id: the person whose keys are recovered.</summary>
    public string CarolId { get; private set; } = string.Empty;

    public static async Task<RecoveryApi> SignInAsync(Uri address, CancellationToken cancellationToken)
    {
        var handler = new SocketsHttpHandler
        {
            PooledConnectionLifetime = Timeout.InfiniteTimeSpan,
            PooledConnectionIdleTimeout = TimeSpan.FromMinutes(5),
            MaxConnectionsPerServer = int.MaxValue,
            AutomaticDecompression = DecompressionMethods.None,
            UseCookies = false,
        };
        async Task<HttpClient> Client(string logon)
        {
            var client = new HttpClient(handler, disposeHandler: false) { BaseAddress = address, Timeout = TimeSpan.FromMinutes(2) };
            using var form = new FormUrlEncodedContent(new Dictionary<string, string>
            {
                ["grant_type"] = "client_credentials",
                ["client_id"] = $"{logon}-cli",
                ["client_secret"] = $"{logon}-secret",
            });
            using var response = await client.PostAsync(new Uri("/connect/token", UriKind.Relative), form, cancellationToken).ConfigureAwait(false);
            var body = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
            if (!response.IsSuccessStatusCode)
            {
                throw new InvalidOperationException($"Token for {logon}: {(int)response.StatusCode} {body}");
            }

            using var json = JsonDocument.Parse(body);
            client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", json.RootElement.GetProperty("access_token").GetString());
            return client;
        }

        var api = new RecoveryApi(handler, await Client("olivia").ConfigureAwait(false), await Client("victor").ConfigureAwait(false), await Client("carol").ConfigureAwait(false), await Client("admin").ConfigureAwait(false));
        using var people = JsonDocument.Parse(await api._olivia.GetStringAsync(new Uri("/api/people?logonName=carol", UriKind.Relative), cancellationToken).ConfigureAwait(false));
        api.CarolId = people.RootElement.GetProperty("results")[0].GetProperty("id").GetString()!;
        return api;
    }

    /// <summary>
    /// Set-up: the administrator issues carol one more encryption certificate whose key Keyward generates and
    /// archives. A 409 (two issuances raced for the audit trail) is retried, as the answer asks.
    /// </summary>
    public async Task<(string Id, int Conflicts)> IssueArchivedCertificateAsync(CancellationToken cancellationToken)
    {
        for (var conflicts = 0; ; conflicts++)
        {
            using var content = Json(new { policyId = EncryptionPolicy });
            using var response = await _admin.PostAsync(new Uri($"/api/people/{CarolId}/certificates", UriKind.Relative), content, cancellationToken).ConfigureAwait(false);
            var body = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
            if (response.StatusCode == HttpStatusCode.Conflict && conflicts < 20)
            {
                continue;
            }

            if (response.StatusCode != HttpStatusCode.Created)
            {
                throw new InvalidOperationException($"Issuing a certificate: {(int)response.StatusCode} {body}");
            }

            using var json = JsonDocument.Parse(body);
            return (json.RootElement.GetProperty("id").GetString()!, conflicts);
        }
    }

    public async Task<byte[]> CaCertificateAsync(CancellationToken cancellationToken) =>
        await _admin.GetByteArrayAsync(new Uri("/ca/certificate", UriKind.Relative), cancellationToken).ConfigureAwait(false);

    /// <summary>olivia (Recovery Operator, Finance) asks for carol's keys as soft certificates, or with <paramref name="profile"/>.</summary>
    public async Task<StepResult> CreateAsync(IReadOnlyList<string> certificateIds, CancellationToken cancellationToken, string profile = Profile)
    {
        var (status, body, ms) = await SendAsync(_olivia, $"/api/people/{CarolId}/requests", Json(new { credentialProfileId = profile, recoverCertificateIds = certificateIds }), cancellationToken).ConfigureAwait(false);
        if (status != HttpStatusCode.Created)
        {
            return Failure(status, body, ms);
        }

        using var json = JsonDocument.Parse(body);
        return new StepResult(true, (int)status, null, ms, json.RootElement.GetProperty("id").GetString());
    }

    /// <summary>victor (Recovery Validator, Finance) gives the one approval the profile needs.</summary>
    public async Task<StepResult> ApproveAsync(string requestId, CancellationToken cancellationToken)
    {
        var (status, body, ms) = await SendAsync(_victor, $"/api/requests/{requestId}/approve", Empty(), cancellationToken).ConfigureAwait(false);
        if (status != HttpStatusCode.OK)
        {
            return Failure(status, body, ms);
        }

        using var json = JsonDocument.Parse(body);
        var state = json.RootElement.GetProperty("status").GetString();
        return state == "AwaitingIssue"
            ? new StepResult(true, (int)status, null, ms, requestId)
            : new StepResult(false, (int)status, $"unexpected status {state}", ms, requestId);
    }

    /// <summary>carol collects her own keys as a PFX with a password Keyward generates.</summary>
    public async Task<StepResult> CollectAsync(string requestId, CancellationToken cancellationToken)
    {
        var (status, body, ms) = await SendAsync(_carol, $"/api/requests/{requestId}/collect", Empty(), cancellationToken).ConfigureAwait(false);
        if (status != HttpStatusCode.OK)
        {
            return Failure(status, body, ms);
        }

        using var json = JsonDocument.Parse(body);
        var root = json.RootElement;
        var pfx = root.GetProperty("pfx").GetBytesFromBase64();
        var password = root.GetProperty("password").GetString();
        var state = root.GetProperty("request").GetProperty("status").GetString();
        return pfx.Length > 0 && password is not null && state == "Completed"
            ? new StepResult(true, (int)status, null, ms, requestId, pfx, password)
            : new StepResult(false, (int)status, $"unexpected answer (status {state})", ms, requestId);
    }

    /// <summary>The request's status as olivia sees it (after a failed step, to know whether its certificates are free).</summary>
    public async Task<string?> StatusAsync(string requestId, CancellationToken cancellationToken)
    {
        using var response = await _olivia.GetAsync(new Uri($"/api/requests/{requestId}", UriKind.Relative), cancellationToken).ConfigureAwait(false);
        if (!response.IsSuccessStatusCode)
        {
            return null;
        }

        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false));
        return json.RootElement.GetProperty("status").GetString();
    }

    /// <summary>olivia (CancelRequest) cancels an outstanding request so its certificates can be asked for again.</summary>
    public async Task<bool> CancelAsync(string requestId, CancellationToken cancellationToken)
    {
        var (status, _, _) = await SendAsync(_olivia, $"/api/requests/{requestId}/cancel", Json(new { reason = "Load test clean-up after a failed step." }), cancellationToken).ConfigureAwait(false);
        return status == HttpStatusCode.OK;
    }

    /// <summary>A GET as the administrator (or without a token); whether it answered 200.</summary>
    public async Task<bool> ReadAsync(string path, bool authenticated, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(path, UriKind.Relative));
        using var response = authenticated
            ? await _admin.SendAsync(request, cancellationToken).ConfigureAwait(false)
            : await _anonymous.SendAsync(request, cancellationToken).ConfigureAwait(false);
        await response.Content.LoadIntoBufferAsync(cancellationToken).ConfigureAwait(false);
        return response.StatusCode == HttpStatusCode.OK;
    }

    public void Dispose()
    {
        _olivia.Dispose();
        _victor.Dispose();
        _carol.Dispose();
        _admin.Dispose();
        _anonymous.Dispose();
        _handler.Dispose();
    }

    private static async Task<(HttpStatusCode Status, byte[] Body, double Milliseconds)> SendAsync(HttpClient client, string path, HttpContent content, CancellationToken cancellationToken)
    {
        using (content)
        {
            var started = Stopwatch.GetTimestamp();
            using var response = await client.PostAsync(new Uri(path, UriKind.Relative), content, cancellationToken).ConfigureAwait(false);
            var body = await response.Content.ReadAsByteArrayAsync(cancellationToken).ConfigureAwait(false);
            return (response.StatusCode, body, Stopwatch.GetElapsedTime(started).TotalMilliseconds);
        }
    }

    private static StepResult Failure(HttpStatusCode status, byte[] body, double ms)
    {
        string? code = null;
        try
        {
            using var json = JsonDocument.Parse(body);
            if (json.RootElement.TryGetProperty("code", out var c))
            {
                code = c.GetString();
            }
        }
        catch (JsonException)
        {
        }

        return new StepResult(false, (int)status, code ?? "(no code)", ms);
    }

    private static ByteArrayContent Empty()
    {
        var content = new ByteArrayContent(EmptyObject);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        return content;
    }

    private static StringContent Json<T>(T value) => new(JsonSerializer.Serialize(value), Encoding.UTF8, "application/json");
}
