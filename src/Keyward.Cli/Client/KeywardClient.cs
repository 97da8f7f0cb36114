using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;

namespace Keyward.Cli.Client;

/// <summary>A failure the server explained (problem details) or a transport failure, as one readable line.</summary>
internal sealed class KeywardClientException(string message) : Exception(message);

/// <summary>Talks to a Keyward server as an API client (OAuth 2.0 client credentials).</summary>
internal sealed class KeywardClient : IDisposable
{
    private readonly HttpClient _http;
    private readonly string _clientId;
    private readonly string _clientSecret;
    private string? _token;

    public KeywardClient(Uri server, string clientId, string clientSecret, HttpMessageHandler? handler = null)
    {
        _http = handler is null ? new HttpClient() : new HttpClient(handler, disposeHandler: false);
        _http.BaseAddress = server;
        _http.Timeout = TimeSpan.FromMinutes(5);
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
            throw new KeywardClientException(Describe(response, body));
        }

        return string.IsNullOrEmpty(body) ? default : JsonDocument.Parse(body).RootElement.Clone();
    }

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
            var reason = body.ValueKind == JsonValueKind.Object && body.TryGetProperty("error_description", out var d) ? d.GetString() : response.ReasonPhrase;
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

    private static string Describe(HttpResponseMessage response, string body)
    {
        try
        {
            using var problem = JsonDocument.Parse(body);
            var root = problem.RootElement;
            var detail = root.TryGetProperty("detail", out var d) ? d.GetString() : root.TryGetProperty("title", out var t) ? t.GetString() : null;
            var code = root.TryGetProperty("code", out var c) ? c.GetString() : null;
            if (detail is not null)
            {
                return code is null ? detail : $"{detail} ({code})";
            }
        }
        catch (JsonException)
        {
            // Not problem details: fall through to the status line.
        }

        return $"the server answered {(int)response.StatusCode} {response.ReasonPhrase}";
    }
}
