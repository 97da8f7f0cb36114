using System.Text.RegularExpressions;
using Keyward.Audit;
using Keyward.Web.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;

namespace Keyward.Web.Tests.Browser;

/// <summary>
/// Single sign-on (docs/web.md#single-sign-on): a test provider vouches for a logon name; Keyward signs in the one
/// enabled person it names, and refuses — with a message, an audit entry and no session — anyone else.
/// </summary>
public sealed class SingleSignOnTests(SingleSignOnFixture sso) : IClassFixture<SingleSignOnFixture>
{
    private WebServer Server => sso.Server;

    [Fact]
    public async Task SignInWithProvider_KnownEnabledPerson_SignedInAsThem()
    {
        sso.Provider.User = "olivia";
        var page = await sso.Browser.NewPageAsync();
        await page.GotoAsync(Server.Url("/people"));
        await page.GetByRole(AriaRole.Link, new() { Name = "Sign in with " + SingleSignOnFixture.DisplayName }).ClickAsync();
        await page.WaitForAddressAsync("^" + Regex.Escape(Server.Url("/people")));

        Assert.True(await page.GetByLabel("Logon name or name starts with").IsVisibleAsync());
        Assert.True(await page.GetByRole(AriaRole.Button, new() { Name = "Sign out" }).IsVisibleAsync());
        var entries = await AuditAsync("olivia", AuditOutcome.Succeeded);
        Assert.Contains(entries, e => e.Contains(SingleSignOnFixture.DisplayName + " (OpenID Connect", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("nobody-here", "matches no Keyward person")]
    [InlineData("erin", "is disabled")]
    public async Task SignInWithProvider_UnknownOrDisabledPerson_RefusedAuditedAndNoSession(string user, string message)
    {
        sso.Provider.User = user;
        var page = await sso.Browser.NewPageAsync();
        await page.GotoAsync(Server.Url("/signin"));
        var refused = await page.RunAndWaitForResponseAsync(
            () => page.GetByRole(AriaRole.Link, new() { Name = "Sign in with " + SingleSignOnFixture.DisplayName }).ClickAsync(),
            r => r.Url.Contains("refused=", StringComparison.Ordinal));

        Assert.Equal(403, refused.Status);
        Assert.Contains(message, await page.Locator(".refusal").InnerTextAsync(), StringComparison.Ordinal);
        await page.GotoAsync(Server.Url("/"));
        Assert.Contains("/signin", page.Url, StringComparison.Ordinal);
        Assert.NotEmpty(await AuditAsync("oidc:" + user, AuditOutcome.Refused));
    }

    /// <summary>The details of the <c>auth.sign_in</c> entries with this outcome whose actor name is <paramref name="actor"/>.</summary>
    private async Task<List<string>> AuditAsync(string actor, AuditOutcome outcome)
    {
        await using var scope = Server.App.Services.CreateAsyncScope();
        var store = scope.ServiceProvider.GetRequiredService<Keyward.Common.IKeywardStore>();
        return await store.ToListAsync(
            store.AuditEvents.Where(e => e.Action == "auth.sign_in" && e.Outcome == outcome && e.ActorName == actor).Select(e => e.Details),
            CancellationToken.None);
    }
}
