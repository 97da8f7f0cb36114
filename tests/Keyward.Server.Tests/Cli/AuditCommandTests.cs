using Keyward.Cli.Commands;
using Keyward.Server.Tests.Audit;
using Keyward.Server.Tests.Infrastructure;

namespace Keyward.Server.Tests.Cli;

/// <summary><c>keyward audit list|verify</c> against a real server on a loopback port.</summary>
public sealed class AuditCommandTests
{
    [Fact]
    public async Task Verify_IntactTrail_PrintsTheCountAndTheHeadAndExitsZero()
    {
        await using var server = await DemoServer.StartOnLoopbackAsync();

        var (exit, output, error) = await RunAsync(["audit", "verify", .. Connect(server, "admin")]);

        Assert.True(exit == 0, error);
        Assert.Matches("^Audit trail intact: [1-9][0-9]* entries, head [0-9a-f]{64}\n$", output.ReplaceLineEndings("\n"));
        Assert.Equal(string.Empty, error);
    }

    [Fact]
    public async Task Verify_AfterAnEntryIsEditedByHand_ExitsOneNamingThatEntryOnStandardError()
    {
        await using var server = await DemoServer.StartOnLoopbackAsync();
        const int k = 7;
        await AuditApiTests.TamperAsync(server, $"UPDATE \"AuditEvents\" SET \"Details\" = 'Edited by hand.' WHERE \"Sequence\" = {k}");

        var (exit, output, error) = await RunAsync(["audit", "verify", .. Connect(server, "admin")]);

        Assert.Equal(1, exit);
        Assert.Equal(string.Empty, output);
        var line = Assert.Single(error.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Equal($"keyward: audit trail broken at entry {k}: Entry {k} was altered: its hash does not match its contents.", line.TrimEnd('\r'));
    }

    [Fact]
    public async Task List_FilteredByActionAndSubject_PrintsATableOfTheMatchingEntries()
    {
        await using var server = await DemoServer.StartOnLoopbackAsync();
        using var admin = await server.SignInAsync("admin");
        var carol = await Json.PersonIdAsync(admin, "carol");

        var (seedExit, seed, seedError) = await RunAsync(["audit", "list", "--action", "demo", .. Connect(server, "admin")]);
        var (carolExit, aboutCarol, _) = await RunAsync(["audit", "list", "--subject", "carol", "--action", "certificates", "--page-size", "2", "--page", "2", .. Connect(server, "admin")]);

        Assert.True(seedExit == 0, seedError);
        Assert.Contains("demo.seed", seed, StringComparison.Ordinal);
        Assert.Contains("Seeded the demo organisation.", seed, StringComparison.Ordinal);
        Assert.Contains("Page 1 of 1: 1 of 1 entries.", seed, StringComparison.Ordinal);
        Assert.Equal(0, carolExit);
        Assert.Contains(carol, aboutCarol, StringComparison.Ordinal);
        Assert.Contains("Page 2 of 3: 2 of 5 entries.", aboutCarol, StringComparison.Ordinal);
    }

    [Fact]
    public async Task List_AsCarol_ExitsNonZeroWithTheForbiddenCode()
    {
        await using var server = await DemoServer.StartOnLoopbackAsync();

        var (exit, _, error) = await RunAsync(["audit", "list", .. Connect(server, "carol")]);

        Assert.Equal(1, exit);
        Assert.Contains("audit.forbidden", error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("audit", "--help")]
    [InlineData("audit", "list", "--help")]
    [InlineData("audit", "verify", "--help")]
    public async Task Help_OnAuditCommands_DescribesThemAndExitsZero(params string[] args)
    {
        var (exit, output, _) = await RunAsync(args);

        Assert.Equal(0, exit);
        Assert.Contains("Usage:", output, StringComparison.Ordinal);
        Assert.Contains("Options:", output, StringComparison.Ordinal);
    }

    private static string[] Connect(DemoServer server, string logonName) =>
        ["--server", server.Address!.ToString(), "--client-id", $"{logonName}-cli", "--client-secret", $"{logonName}-secret"];

    private static async Task<(int Exit, string Output, string Error)> RunAsync(params string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var exit = await KeywardCommand.RunAsync(args, output, error);
        return (exit, output.ToString(), error.ToString());
    }
}
