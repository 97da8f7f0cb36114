using System.Net;
using Keyward.Audit;
using Keyward.Common;
using Keyward.Server.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace Keyward.Server.Tests.Auth;

/// <summary>
/// The sign-in limit at <c>POST /connect/token</c>: refused requests per client id and per address, answered 429 with
/// <c>Retry-After</c> and <c>auth.rate_limited</c> once over; successes never count.
/// </summary>
public sealed class SignInLimitTests
{
    [Fact]
    public async Task Token_AfterTenWrongSecrets_Answers429EvenToTheRightSecretWhileOtherClientsSignIn()
    {
        await using var server = await DemoServer.StartAsync();
        for (var i = 0; i < 10; i++)
        {
            using var refused = await server.RequestTokenAsync("olivia-cli", $"guess-{i}");
            Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
        }

        using var limited = await server.RequestTokenAsync("olivia-cli", "olivia-secret");

        var detail = await Json.ProblemAsync(limited, HttpStatusCode.TooManyRequests, "auth.rate_limited");
        var retryAfter = limited.Headers.RetryAfter?.Delta;
        Assert.NotNull(retryAfter);
        Assert.InRange(retryAfter.Value, TimeSpan.FromSeconds(1), TimeSpan.FromMinutes(1));
        Assert.Contains($"{retryAfter.Value.TotalSeconds} seconds", detail, StringComparison.Ordinal);
        Assert.False(string.IsNullOrEmpty(await server.TokenAsync("carol")));
        var audited = Assert.Single(await RefusalsAsync(server, "auth.rate_limited"));
        Assert.Equal(("olivia-cli", AuditOutcome.Refused), (audited.ActorName, audited.Outcome));
    }

    [Fact]
    public async Task Token_ManySuccessfulSignIns_NeverUseUpTheLimit()
    {
        await using var server = await DemoServer.StartAsync(o => o.SignIn.FailuresPerClient = 2);

        for (var i = 0; i < 20; i++)
        {
            Assert.False(string.IsNullOrEmpty(await server.TokenAsync("olivia")));
        }

        using (var first = await server.RequestTokenAsync("olivia-cli", "wrong"))
        using (var second = await server.RequestTokenAsync("olivia-cli", "wrong"))
        {
            Assert.Equal((HttpStatusCode.Unauthorized, HttpStatusCode.Unauthorized), (first.StatusCode, second.StatusCode));
        }

        using var limited = await server.RequestTokenAsync("olivia-cli", "olivia-secret");
        await Json.ProblemAsync(limited, HttpStatusCode.TooManyRequests, "auth.rate_limited");
    }

    [Fact]
    public async Task Token_ManyUnknownClientIdsFromOneAddress_AddressIsLimitedAndAuditedByAddress()
    {
        await using var server = await DemoServer.StartAsync(o => o.SignIn.FailuresPerAddress = 5);
        for (var i = 0; i < 5; i++)
        {
            using var refused = await server.RequestTokenAsync($"guess-{i}-cli", "secret");
            Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
        }

        using var limited = await server.RequestTokenAsync("guess-5-cli", "secret");

        await Json.ProblemAsync(limited, HttpStatusCode.TooManyRequests, "auth.rate_limited");
        Assert.NotNull(limited.Headers.RetryAfter?.Delta);
        var audited = Assert.Single(await RefusalsAsync(server, "auth.rate_limited"));
        Assert.Contains("'guess-5-cli'", audited.Details, StringComparison.Ordinal);
        Assert.NotEqual("guess-5-cli", audited.ActorName);
    }

    private static async Task<List<AuditEvent>> RefusalsAsync(DemoServer server, string code)
    {
        await using var scope = server.App.Services.CreateAsyncScope();
        var store = scope.ServiceProvider.GetRequiredService<IKeywardStore>();
        return await store.ToListAsync(store.AuditEvents.Where(e => e.Action == "auth.sign_in" && e.Code == code), CancellationToken.None);
    }
}
