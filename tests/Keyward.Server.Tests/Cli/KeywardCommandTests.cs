using Keyward.Cli.Commands;
using Keyward.Server.Tests.Infrastructure;

namespace Keyward.Server.Tests.Cli;

/// <summary>The <c>keyward</c> command against a real server on a loopback port.</summary>
public sealed class KeywardCommandTests
{
    [Fact]
    public async Task PeopleImport_GoodCsv_ImportsAndReportsTheSummary()
    {
        await using var server = await DemoServer.StartOnLoopbackAsync();
        var file = Path.Combine(server.DataDirectory, "people.csv");
        await File.WriteAllTextAsync(file, "logonName,name,email,group\nfrank,Frank Moss,frank@acme.example,Acme/Finance\n");

        var (exit, output, error) = await RunAsync("people", "import", file, "--server", server.Address!.ToString(), "--client-id", "admin-cli", "--client-secret", "admin-secret");

        Assert.True(exit == 0, error);
        Assert.Contains("1 created", output, StringComparison.Ordinal);
        using var admin = await server.SignInAsync("admin");
        Assert.Equal(["frank"], Json.LogonNames(await Json.GetAsync(admin, "/api/people?logonName=frank")));
    }

    [Fact]
    public async Task PeopleImport_BadRow_ExitsNonZeroWithOneLineReason()
    {
        await using var server = await DemoServer.StartOnLoopbackAsync();
        var file = Path.Combine(server.DataDirectory, "people.json");
        await File.WriteAllTextAsync(file, """[{"logonName": "frank", "name": "Frank", "email": "nope", "group": "Acme"}]""");

        var (exit, _, error) = await RunAsync("people", "import", file, "--server", server.Address!.ToString(), "--client-id", "admin-cli", "--client-secret", "admin-secret");

        Assert.NotEqual(0, exit);
        var line = Assert.Single(error.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith("keyward: Item 1, field 'email'", line, StringComparison.Ordinal);
        Assert.Contains("people.import_invalid", line, StringComparison.Ordinal);
    }

    [Fact]
    public async Task PeopleImport_AsDisabledErin_ExitsNonZeroSayingSignInWasRefused()
    {
        await using var server = await DemoServer.StartOnLoopbackAsync();
        var file = Path.Combine(server.DataDirectory, "people.csv");
        await File.WriteAllTextAsync(file, "logonName,name,email,group\nfrank,Frank,frank@acme.example,Acme\n");

        var (exit, _, error) = await RunAsync("people", "import", file, "--server", server.Address!.ToString(), "--client-id", "erin-cli", "--client-secret", "erin-secret");

        Assert.NotEqual(0, exit);
        Assert.Contains("sign-in as 'erin-cli' refused", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task PeopleImport_WithoutServer_ExitsNonZeroNamingTheMissingOption()
    {
        var file = Path.GetTempFileName() + ".csv";
        await File.WriteAllTextAsync(file, "logonName,name,email,group\n");
        try
        {
            var (exit, _, error) = await RunAsync("people", "import", file, "--client-id", "a", "--client-secret", "b");

            Assert.NotEqual(0, exit);
            Assert.Contains("--server", error, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Fact]
    public async Task Certificates_IssueListRevoke_MirrorTheApi()
    {
        await using var server = await DemoServer.StartOnLoopbackAsync();
        string[] connect = ["--server", server.Address!.ToString(), "--client-id", "admin-cli", "--client-secret", "admin-secret"];

        var (issueExit, issued, issueError) = await RunAsync(["certificates", "issue", "--person", "carol", "--policy", "Encryption RSA-2048 (archived)", .. connect]);
        Assert.True(issueExit == 0, issueError);
        Assert.Contains("key archived", issued, StringComparison.Ordinal);
        var id = issued.Split(' ')[1];

        var (listExit, listed, _) = await RunAsync(["certificates", "list", "--person", "carol", .. connect]);
        Assert.Equal(0, listExit);
        Assert.Equal(5, listed.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length);
        Assert.Contains($"{id}  Issued     archived", listed, StringComparison.Ordinal);

        var (revokeExit, revoked, _) = await RunAsync(["certificates", "revoke", id, "--reason", "KeyCompromise", .. connect]);
        Assert.Equal(0, revokeExit);
        Assert.StartsWith($"Revoked {id}", revoked, StringComparison.Ordinal);

        var (againExit, _, againError) = await RunAsync(["certificates", "revoke", id, .. connect]);
        Assert.NotEqual(0, againExit);
        Assert.Contains("certificates.already_revoked", againError, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Certificates_IssueSigningWithoutCsr_ExitsNonZeroExplainingWhy()
    {
        await using var server = await DemoServer.StartOnLoopbackAsync();

        var (exit, _, error) = await RunAsync("certificates", "issue", "--person", "carol", "--policy", "Signing RSA-2048", "--server", server.Address!.ToString(), "--client-id", "admin-cli", "--client-secret", "admin-secret");

        Assert.NotEqual(0, exit);
        Assert.Contains("certificates.csr_required", error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("--help")]
    [InlineData("server", "--help")]
    [InlineData("people", "--help")]
    [InlineData("people", "import", "--help")]
    [InlineData("directory", "sync", "--help")]
    [InlineData("certificates", "issue", "--help")]
    [InlineData("archive", "rotate", "--help")]
    [InlineData("requests", "--help")]
    [InlineData("requests", "create", "--help")]
    [InlineData("requests", "approve", "--help")]
    [InlineData("collect", "--help")]
    public async Task Help_OnEveryCommand_DescribesItAndExitsZero(params string[] args)
    {
        var (exit, output, _) = await RunAsync(args);

        Assert.Equal(0, exit);
        Assert.Contains("Usage:", output, StringComparison.Ordinal);
        Assert.Contains("Options:", output, StringComparison.Ordinal);
    }

    private static async Task<(int Exit, string Output, string Error)> RunAsync(params string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var exit = await KeywardCommand.RunAsync(args, output, error);
        return (exit, output.ToString(), error.ToString());
    }
}
