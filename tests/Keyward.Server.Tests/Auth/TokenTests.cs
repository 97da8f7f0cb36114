using System.Buffers.Text;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Keyward.Audit;
using Keyward.Common;
using Keyward.Server.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace Keyward.Server.Tests.Auth;

/// <summary>OAuth 2.0 client credentials: who gets a token, and which tokens the API accepts.</summary>
public sealed class TokenTests
{
    [Fact]
    public async Task Token_ForErinWhoIsDisabled_IsRefusedAndAudited()
    {
        await using var server = await DemoServer.StartAsync();

        using var response = await server.RequestTokenAsync("erin-cli", "erin-secret");

        var body = await Json.ReadAsync(response, HttpStatusCode.Unauthorized);
        Assert.Equal("invalid_client", body.GetProperty("error").GetString());
        Assert.False(body.TryGetProperty("access_token", out _));
        var failure = Assert.Single(await SignInFailuresAsync(server));
        Assert.Equal("erin-cli", failure.ActorName);
        Assert.Equal("auth.person_disabled", failure.Code);
        Assert.Equal(AuditOutcome.Refused, failure.Outcome);
    }

    [Fact]
    public async Task Token_WithWrongSecret_IsRefusedAndAuditedAgainstTheClientWithoutTheSecret()
    {
        await using var server = await DemoServer.StartAsync();

        using var response = await server.RequestTokenAsync("olivia-cli", "wrong-secret");

        var body = await Json.ReadAsync(response, HttpStatusCode.Unauthorized);
        Assert.Equal("invalid_client", body.GetProperty("error").GetString());
        var failure = Assert.Single(await SignInFailuresAsync(server));
        Assert.Equal(("olivia-cli", "auth.invalid_client"), (failure.ActorName, failure.Code));
        Assert.DoesNotContain("wrong-secret", failure.Details, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Token_WithUnknownClient_IsRefusedAndAuditedAgainstTheAddressNamingTheClientId()
    {
        await using var server = await DemoServer.StartAsync();

        using var response = await server.RequestTokenAsync("nobody-cli", "olivia-secret");

        var body = await Json.ReadAsync(response, HttpStatusCode.Unauthorized);
        Assert.Equal("invalid_client", body.GetProperty("error").GetString());
        var failure = Assert.Single(await SignInFailuresAsync(server));
        Assert.NotEqual("nobody-cli", failure.ActorName);
        Assert.Contains("Client id presented: 'nobody-cli'.", failure.Details, StringComparison.Ordinal);
        Assert.DoesNotContain("olivia-secret", failure.Details, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Token_UnknownClientAndWrongSecret_AnswerTheSameStatusBodyAndChallenge()
    {
        await using var server = await DemoServer.StartAsync();

        using var unknown = await server.RequestTokenAsync("nobody-cli", "some-secret");
        using var wrong = await server.RequestTokenAsync("olivia-cli", "some-secret");

        var unknownBody = await unknown.Content.ReadAsStringAsync();
        Assert.Equal(HttpStatusCode.Unauthorized, unknown.StatusCode);
        Assert.Equal(unknown.StatusCode, wrong.StatusCode);
        Assert.Equal(unknownBody, await wrong.Content.ReadAsStringAsync());
        Assert.Equal(unknown.Headers.WwwAuthenticate.ToString(), wrong.Headers.WwwAuthenticate.ToString());
        var body = await Json.ReadAsync(unknown, HttpStatusCode.Unauthorized);
        Assert.Equal(("invalid_client", "The client id or secret is not valid."), (body.GetProperty("error").GetString(), body.GetProperty("error_description").GetString()));
        Assert.False(body.TryGetProperty("error_uri", out _));
    }

    [Fact]
    public async Task Token_ForOlivia_IsABearerTokenThatTheApiAccepts()
    {
        await using var server = await DemoServer.StartAsync();

        using var response = await server.RequestTokenAsync("olivia-cli", "olivia-secret");

        var body = await Json.ReadAsync(response, HttpStatusCode.OK);
        Assert.Equal("Bearer", body.GetProperty("token_type").GetString());
        Assert.Equal(1800, body.GetProperty("expires_in").GetInt32());
        using var client = await server.SignInAsync("olivia");
        Assert.Equal("olivia", (await Json.GetAsync(client, "/api/me")).GetProperty("logonName").GetString());
    }

    [Fact]
    public async Task Api_WithoutToken_AnswersProblem401()
    {
        await using var server = await DemoServer.StartAsync();

        using var response = await server.Client.GetAsync(new Uri("/api/people", UriKind.Relative));

        await Json.ProblemAsync(response, HttpStatusCode.Unauthorized, "auth.invalid_token");
    }

    [Fact]
    public async Task Api_WithForgedToken_AnswersProblem401()
    {
        await using var server = await DemoServer.StartAsync();
        var token = await server.TokenAsync("olivia");

        // Flip one character in the middle of the token: its integrity check must fail.
        var middle = token.Length / 2;
        var forged = token[..middle] + (token[middle] == 'A' ? 'B' : 'A') + token[(middle + 1)..];
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri("/api/people", UriKind.Relative));
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", forged);
        using var response = await server.Client.SendAsync(request);

        await Json.ProblemAsync(response, HttpStatusCode.Unauthorized, "auth.invalid_token");
    }

    [Fact]
    public async Task Api_WithTokenFromAnotherServer_AnswersProblem401()
    {
        await using var ours = await DemoServer.StartAsync();
        await using var theirs = await DemoServer.StartAsync();
        var foreign = await theirs.TokenAsync("admin");

        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri("/api/me", UriKind.Relative));
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", foreign);
        using var response = await ours.Client.SendAsync(request);

        await Json.ProblemAsync(response, HttpStatusCode.Unauthorized, "auth.invalid_token");
    }

    [Fact]
    public async Task Api_WithExpiredToken_AnswersProblem401()
    {
        await using var server = await DemoServer.StartAsync();
        using var olivia = await server.SignInAsync("olivia");
        await Json.GetAsync(olivia, "/api/me");

        server.Clock.Advance(TimeSpan.FromMinutes(31));
        using var response = await olivia.GetAsync(new Uri("/api/me", UriKind.Relative));

        await Json.ProblemAsync(response, HttpStatusCode.Unauthorized, "auth.invalid_token");
    }

    [Fact]
    public async Task Api_AfterPersonIsDisabled_RefusesTheirExistingToken()
    {
        await using var server = await DemoServer.StartAsync();
        using var carol = await server.SignInAsync("carol");
        using var admin = await server.SignInAsync("admin");
        await Json.GetAsync(carol, "/api/me");

        using var disable = await admin.PostAsync(
            new Uri("/api/people", UriKind.Relative),
            Json.Body(new { logonName = "carol", name = "Carol", email = "carol@acme.example", group = "Acme/Finance/Payroll", enabled = false }));
        await Json.ReadAsync(disable, HttpStatusCode.Created);
        using var response = await carol.GetAsync(new Uri("/api/me", UriKind.Relative));

        await Json.ProblemAsync(response, HttpStatusCode.Unauthorized, "auth.person_disabled");
        using var token = await server.RequestTokenAsync("carol-cli", "carol-secret");
        Assert.Equal(HttpStatusCode.Unauthorized, token.StatusCode);
    }

    [Fact]
    public async Task Token_ByDefault_IsSignedNotEncrypted_CarriesOnlyThePersonAndItsValidity_AndAlteringItIsRefused()
    {
        await using var server = await DemoServer.StartAsync();
        var token = await server.TokenAsync("carol");

        var parts = token.Split('.');
        Assert.Equal(3, parts.Length);
        using var header = JsonDocument.Parse(Base64Url.DecodeFromChars(parts[0]));
        Assert.Equal("ES256", header.RootElement.GetProperty("alg").GetString());
        using var payload = JsonDocument.Parse(Base64Url.DecodeFromChars(parts[1]));
        var me = await Json.GetAsync(await server.SignInAsync("carol"), "/api/me");
        Assert.Equal(me.GetProperty("id").GetString(), payload.RootElement.GetProperty("sub").GetString());

        // The same claims with the subject changed to the administrator's, under the original signature.
        var admin = await Json.GetAsync(await server.SignInAsync("admin"), "/api/me");
        var forged = payload.RootElement.GetRawText().Replace(me.GetProperty("id").GetString()!, admin.GetProperty("id").GetString()!, StringComparison.Ordinal);
        var client = server.Client;
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri("/api/me", UriKind.Relative));
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", $"{parts[0]}.{Base64Url.EncodeToString(System.Text.Encoding.UTF8.GetBytes(forged))}.{parts[2]}");
        using var response = await client.SendAsync(request);
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    [Fact]
    public async Task Api_TokenAcceptedBefore_WithItsSignatureOrSubjectChanged_IsRefused()
    {
        // An accepted token is answered from memory on its next calls (VerifiedTokens): only that exact token.
        await using var server = await DemoServer.StartAsync();
        using var carol = await server.SignInAsync("carol");
        await Json.GetAsync(carol, "/api/me");
        await Json.GetAsync(carol, "/api/me");
        var token = carol.DefaultRequestHeaders.Authorization!.Parameter!;
        var parts = token.Split('.');
        var signature = Base64Url.DecodeFromChars(parts[2]);
        signature[^1] ^= 1;
        using var payload = JsonDocument.Parse(Base64Url.DecodeFromChars(parts[1]));
        var admin = await Json.GetAsync(await server.SignInAsync("admin"), "/api/me");
        var forged = payload.RootElement.GetRawText().Replace(payload.RootElement.GetProperty("sub").GetString()!, admin.GetProperty("id").GetString()!, StringComparison.Ordinal);

        foreach (var altered in new[]
                 {
                     $"{parts[0]}.{parts[1]}.{Base64Url.EncodeToString(signature)}",
                     $"{parts[0]}.{Base64Url.EncodeToString(System.Text.Encoding.UTF8.GetBytes(forged))}.{parts[2]}",
                     token + "A",
                 })
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, new Uri("/api/me", UriKind.Relative));
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", altered);
            using var response = await server.Client.SendAsync(request);
            await Json.ProblemAsync(response, HttpStatusCode.Unauthorized, "auth.invalid_token");
        }

        var me = await Json.GetAsync(carol, "/api/me");
        Assert.Equal("carol", me.GetProperty("logonName").GetString());
    }

    [Fact]
    public async Task Token_WithEncryptionOn_IsAnEncryptedTokenThatTheApiAccepts()
    {
        await using var server = await DemoServer.StartAsync(o => o.EncryptAccessTokens = true);
        var token = await server.TokenAsync("carol");

        var parts = token.Split('.');
        Assert.Equal(5, parts.Length);
        using var header = JsonDocument.Parse(Base64Url.DecodeFromChars(parts[0]));
        Assert.True(header.RootElement.TryGetProperty("enc", out _), header.RootElement.GetRawText());
        using var carol = await server.SignInAsync("carol");
        var me = await Json.GetAsync(carol, "/api/me");
        Assert.Equal("carol", me.GetProperty("logonName").GetString());
    }

    [Fact]
    public async Task Api_WithTokenInQueryString_IsRefusedEvenWithAValidHeader()
    {
        await using var server = await DemoServer.StartAsync();
        using var olivia = await server.SignInAsync("olivia");
        var token = olivia.DefaultRequestHeaders.Authorization!.Parameter;

        using var withHeader = await olivia.GetAsync(new Uri($"/api/me?access_token={token}", UriKind.Relative));
        using var queryOnly = await server.Client.GetAsync(new Uri($"/api/people?Access_Token={token}", UriKind.Relative));

        await Json.ProblemAsync(withHeader, HttpStatusCode.BadRequest, "auth.token_in_query");
        await Json.ProblemAsync(queryOnly, HttpStatusCode.BadRequest, "auth.token_in_query");
        Assert.Equal("olivia", (await Json.GetAsync(olivia, "/api/me")).GetProperty("logonName").GetString());
    }

    private static async Task<List<AuditEvent>> SignInFailuresAsync(DemoServer server)
    {
        await using var scope = server.App.Services.CreateAsyncScope();
        var store = scope.ServiceProvider.GetRequiredService<IKeywardStore>();
        return await store.ToListAsync(store.AuditEvents.Where(e => e.Action == "auth.sign_in" && e.Outcome == AuditOutcome.Refused), CancellationToken.None);
    }
}
