using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;

namespace Keyward.Cli.Client;

/// <summary>A failure the server explained (problem details) or a transport failure, as one readable line.</summary>
/// <param name="message">One line: the server's detail and its stable code, or what went wrong on the way.</param>
/// <param name="status">The HTTP status the server answered, when it answered.</param>
/// <param name="code">The problem's stable code (<c>recovery.not_collectable</c>), when it gave one.</param>
internal sealed class KeywardClientException(string message, int? status = null, string? code = null) : Exception(message)
{
    public int? Status { get; } = status;

    public string? Code { get; } = code;
}

/// <summary>
/// Talks to a Keyward server as an API client (OAuth 2.0 client credentials). Every call names the
/// <c>cli</c> channel, so that request history and the audit trail show the keyward command.
/// </summary>
internal sealed class KeywardClient : IDisposable
{
    /// <summary>
    /// The header through which a client names its channel. The server records it as the channel the client claims
    /// (history, audit) and decides nothing by it.
    /// </summary>
    public const string ChannelHeader = "Keyward-Channel";

    private readonly HttpClient _http;
    private readonly string _clientId;
    private readonly string _clientSecret;
    private string? _token;

    public KeywardClient(Uri server, string clientId, string clientSecret, HttpMessageHandler? handler = null)
    {
        _http = handler is null ? new HttpClient() : new HttpClient(handler, disposeHandler: false);
        _http.BaseAddress = server;
        _http.Timeout = TimeSpan.FromMinutes(5);
        _http.DefaultRequestHeaders.Add(ChannelHeader, "cli");
        _clientId = clientId;
        _clientSecret = clientSecret;
    }

    public async Task<JsonElement> SendAsync(HttpMethod method, string path, HttpContent? content, CancellationToken cancellationToken)
    {
        _token ??= await GetTokenAsync(cancellationToken).ConfigureAwait(false);
        using var request = new HttpRequestMessage(method, new Uri(path, UriKind.Relative)) { Content = content };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", _token);
        using var response = await SendCoreAsync(request, cancellationToken).ConfigureAwait(false);
        var body = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
        if (!response.IsSuccessStatusCode)
        {
            throw Describe(response, body);
        }

        return string.IsNullOrEmpty(body) ? default : JsonDocument.Parse(body).RootElement.Clone();
    }

    public Task<JsonElement> GetAsync(string path, CancellationToken cancellationToken) =>
        SendAsync(HttpMethod.Get, path, null, cancellationToken);

    /// <summary>POSTs <paramref name="body"/> as JSON (camelCase, as the Core API reads it).</summary>
    public async Task<JsonElement> PostAsync(string path, object body, CancellationToken cancellationToken)
    {
        using var content = JsonContent.Create(body, options: WebJson);
        return await SendAsync(HttpMethod.Post, path, content, cancellationToken).ConfigureAwait(false);
    }

    private static readonly JsonSerializerOptions WebJson = new(JsonSerializerDefaults.Web);

    private static readonly char[] LineBreaks = ['\r', '\n'];

    public void Dispose() => _http.Dispose();

    private async Task<string> GetTokenAsync(CancellationToken cancellationToken)
    {
        using var form = new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["grant_type"] = "client_credentials",
            ["client_id"] = _clientId,
            ["client_secret"] = _clientSecret,
        });
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri("/connect/token", UriKind.Relative)) { Content = form };
        using var response = await SendCoreAsync(request, cancellationToken).ConfigureAwait(false);
        var body = await response.Content.ReadFromJsonAsync<JsonElement>(cancellationToken).ConfigureAwait(false);
        if (!response.IsSuccessStatusCode || !body.TryGetProperty("access_token", out var token))
        {
            // An OAuth error ({"error_description"}), or problem details ({"detail"}) when the sign-in limit refused it.
            var reason = body.ValueKind == JsonValueKind.Object && (body.TryGetProperty("error_description", out var d) || body.TryGetProperty("detail", out d))
                ? d.GetString()
                : response.ReasonPhrase;
            throw new KeywardClientException($"sign-in as '{_clientId}' refused: {reason}");
        }

        return token.GetString()!;
    }

    private async Task<HttpResponseMessage> SendCoreAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        try
        {
            return await _http.SendAsync(request, cancellationToken).ConfigureAwait(false);
        }
        catch (HttpRequestException ex)
        {
            throw new KeywardClientException($"cannot reach {_http.BaseAddress}: {ex.Message}");
        }
    }

    private static KeywardClientException Describe(HttpResponseMessage response, string body)
    {
        var status = (int)response.StatusCode;
        try
        {
            using var problem = JsonDocument.Parse(body);
            var root = problem.RootElement;
            var detail = root.TryGetProperty("detail", out var d) ? d.GetString() : root.TryGetProperty("title", out var t) ? t.GetString() : null;
            var code = root.TryGetProperty("code", out var c) ? c.GetString() : null;
            if (detail is not null)
            {
                detail = OneLine(detail);
                return new KeywardClientException(code is null ? detail : $"{detail} ({code})", status, code);
            }
        }
        catch (JsonException)
        {
            // Not problem details: fall through to the status line.
        }

        return new KeywardClientException($"the server answered {status} {response.ReasonPhrase}", status);
    }

    /// <summary>The text on one line: the command's contract is one line of reason on standard error.</summary>
    public static string OneLine(string text) =>
        string.Join(' ', (text ?? string.Empty).Split(LineBreaks, StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
}
