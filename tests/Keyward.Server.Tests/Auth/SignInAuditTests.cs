using System.Globalization;
using System.Net;
using System.Text.RegularExpressions;
using Keyward.Audit;
using Keyward.Common;
using Keyward.Server.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace Keyward.Server.Tests.Auth;

/// <summary>
/// Refused sign-ins do not flood the audit trail: a minute of failures of one client makes an entry at once and one
/// more carrying the count of the rest, written when the minute closes or when the server shuts down.
/// </summary>
public sealed partial class SignInAuditTests
{
    [Fact]
    public async Task Token_HundredWrongSecretsInAMinute_TwoEntriesWhoseCountsAddUpToHundred()
    {
        // A flood is the point of this test: the sign-in limits are raised out of its way.
        await using var server = await DemoServer.StartAsync(o =>
        {
            o.SignIn.FailuresPerClient = 1000;
            o.SignIn.FailuresPerAddress = 1000;
        });
        for (var i = 0; i < 100; i++)
        {
            using var refused = await server.RequestTokenAsync("olivia-cli", $"guess-{i}");
            Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
        }

        var first = Assert.Single(await SignInRefusalsAsync(server));
        Assert.Equal(("olivia-cli", "auth.invalid_client", 1), (first.ActorName, first.Code, CountOf(first)));

        server.Clock.Advance(TimeSpan.FromMinutes(1));

        var entries = await Eventually.ValueAsync("the rest of the minute is audited", async () =>
        {
            var all = await SignInRefusalsAsync(server);
            return all.Count > 1 ? all : null;
        });
        Assert.Equal(2, entries.Count);
        Assert.Equal(100, entries.Sum(CountOf));
        Assert.All(entries, e => Assert.Equal("olivia-cli", e.ActorName));
        await AssertChainIntactAsync(server);
    }

    [Fact]
    public async Task Token_RefusalsStillCountedAtShutdown_AreWrittenWhenTheServerStops()
    {
        await using var server = await DemoServer.StartAsync();
        for (var i = 0; i < 5; i++)
        {
            using var refused = await server.RequestTokenAsync("olivia-cli", $"guess-{i}");
            Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
        }

        Assert.Single(await SignInRefusalsAsync(server));

        await server.App.StopAsync();

        var entries = await SignInRefusalsAsync(server);
        Assert.Equal([1, 4], entries.Select(CountOf));
    }

    private static async Task<List<AuditEvent>> SignInRefusalsAsync(DemoServer server)
    {
        await using var scope = server.App.Services.CreateAsyncScope();
        var store = scope.ServiceProvider.GetRequiredService<IKeywardStore>();
        var entries = await store.ToListAsync(store.AuditEvents.Where(e => e.Action == "auth.sign_in" && e.Outcome == AuditOutcome.Refused), CancellationToken.None);
        return [.. entries.OrderBy(e => e.Sequence)];
    }

    private static async Task AssertChainIntactAsync(DemoServer server)
    {
        using var admin = await server.SignInAsync("admin");
        Assert.True((await Json.GetAsync(admin, "/api/audit/verify")).GetProperty("intact").GetBoolean());
    }

    private static int CountOf(AuditEvent entry)
    {
        var match = Counted().Match(entry.Details);
        Assert.True(match.Success, $"No count in '{entry.Details}'");
        return int.Parse(match.Groups["count"].Value, CultureInfo.InvariantCulture);
    }

    [GeneratedRegex(@"^(?<count>\d+) (more )?sign-ins? refused")]
    private static partial Regex Counted();
}
