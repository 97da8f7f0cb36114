using System.Security.Claims;
using Keyward.Server.Auth;
using Microsoft.Extensions.Time.Testing;
using OpenIddict.Abstractions;

namespace Keyward.Server.Tests.Auth;

/// <summary>What the API remembers of the tokens it accepted (<see cref="VerifiedTokens"/>).</summary>
public sealed class VerifiedTokensTests
{
    private readonly FakeTimeProvider _clock = new(new DateTimeOffset(2026, 12, 7, 9, 0, 0, TimeSpan.Zero));

    [Fact]
    public void Find_KeptToken_GivesItsPrincipalUntilItExpires_AndNothingAfter()
    {
        var tokens = new VerifiedTokens(_clock);
        var principal = Principal(expiresIn: TimeSpan.FromMinutes(30));

        tokens.Keep("token-1", principal);

        Assert.Same(principal, tokens.Find("token-1"));
        Assert.Null(tokens.Find("token-2"));
        _clock.Advance(TimeSpan.FromMinutes(30));
        Assert.Null(tokens.Find("token-1"));
        Assert.Equal(0, tokens.Count);
    }

    [Fact]
    public void Find_TokenLongerThanTheStackBuffer_IsFoundByItsWholeText()
    {
        var tokens = new VerifiedTokens(_clock);
        var principal = Principal(expiresIn: TimeSpan.FromMinutes(30));
        var token = new string('a', 4_000) + "é";

        tokens.Keep(token, principal);

        Assert.Same(principal, tokens.Find(token));
        Assert.Null(tokens.Find(new string('a', 4_000) + "e"));
        Assert.Null(tokens.Find(token[..1_024]));
    }

    [Fact]
    public void Keep_TokenWithoutExpiryOrAlreadyExpired_IsNotKept()
    {
        var tokens = new VerifiedTokens(_clock);

        tokens.Keep("no-expiry", new ClaimsPrincipal(new ClaimsIdentity([new Claim(OpenIddictConstants.Claims.Subject, "p")], "test")));
        tokens.Keep("expired", Principal(expiresIn: TimeSpan.FromSeconds(-1)));

        Assert.Null(tokens.Find("no-expiry"));
        Assert.Null(tokens.Find("expired"));
        Assert.Equal(0, tokens.Count);
    }

    [Fact]
    public void Keep_AtCapacity_DropsExpiredTokensFirst_ThenEverything()
    {
        var tokens = new VerifiedTokens(_clock);
        for (var i = 0; i < VerifiedTokens.Capacity - 1; i++)
        {
            tokens.Keep($"short-{i}", Principal(expiresIn: TimeSpan.FromMinutes(1)));
        }

        var lasting = Principal(expiresIn: TimeSpan.FromHours(1));
        tokens.Keep("lasting", lasting);
        _clock.Advance(TimeSpan.FromMinutes(2));

        tokens.Keep("new", Principal(expiresIn: TimeSpan.FromMinutes(30)));

        Assert.Equal(2, tokens.Count);
        Assert.Same(lasting, tokens.Find("lasting"));
        for (var i = 0; i < VerifiedTokens.Capacity; i++)
        {
            tokens.Keep($"more-{i}", Principal(expiresIn: TimeSpan.FromMinutes(30)));
        }

        Assert.True(tokens.Count <= VerifiedTokens.Capacity, tokens.Count.ToString(System.Globalization.CultureInfo.InvariantCulture));
        Assert.Null(tokens.Find("lasting"));
    }

    private ClaimsPrincipal Principal(TimeSpan expiresIn) =>
        new ClaimsPrincipal(new ClaimsIdentity([new Claim(OpenIddictConstants.Claims.Subject, "person")], "test"))
            .SetExpirationDate(_clock.GetUtcNow() + expiresIn);
}
