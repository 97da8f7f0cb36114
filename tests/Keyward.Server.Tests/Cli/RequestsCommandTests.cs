using Keyward.Server.Tests.Infrastructure;
using Keyward.Server.Tests.Recovery;

namespace Keyward.Server.Tests.Cli;

/// <summary><c>keyward requests …</c> as a real process against a loopback demo server.</summary>
public sealed class RequestsCommandTests
{
    private const string SoftCertificate = "Key Recovery - Soft Certificate";

    [Fact]
    public async Task Requests_CreateApproveListShow_WalkTheWorkflowOnTheCliChannel()
    {
        await using var server = await DemoServer.StartOnLoopbackAsync();
        using var keyward = new KeywardProcess(server);

        var created = await keyward.OkAsync("olivia", "requests", "create", "--person", "carol", "--profile", SoftCertificate, "--all-archived");
        Assert.Contains("AwaitingValidation", created, StringComparison.Ordinal);
        Assert.Contains("2 certificate(s)", created, StringComparison.Ordinal);
        var id = KeywardProcess.CreatedId(created);

        var approved = await keyward.OkAsync("victor", "requests", "approve", id, "--notes", "Carol's laptop was replaced");
        Assert.Equal($"Request {id} approved: AwaitingIssue (approvals 1/1).", approved.Trim());

        var listed = await keyward.OkAsync("olivia", "requests", "list", "--status", "awaitingissue", "--target", "carol");
        var row = Assert.Single(listed.Split('\n'), l => l.Contains(id, StringComparison.Ordinal));
        Assert.Contains("SoftCertificate", row, StringComparison.Ordinal);
        Assert.Contains("AwaitingIssue", row, StringComparison.Ordinal);
        Assert.Contains(SoftCertificate, row, StringComparison.Ordinal);
        Assert.Contains("1/1", row, StringComparison.Ordinal);
        Assert.Contains("1 request(s) in all", listed, StringComparison.Ordinal);

        var shown = await keyward.OkAsync("carol", "requests", "show", id);
        Assert.Contains("Carol's laptop was replaced", shown, StringComparison.Ordinal);
        Assert.Contains("Requested", shown, StringComparison.Ordinal);
        Assert.Contains("Approved", shown, StringComparison.Ordinal);
        Assert.Contains("Cli", shown, StringComparison.Ordinal);

        var json = System.Text.Json.JsonDocument.Parse(await keyward.OkAsync("olivia", "requests", "show", id, "--json")).RootElement;
        Assert.Equal(id, json.GetProperty("id").GetString());
        Assert.Equal(2, json.GetProperty("certificates").GetArrayLength());
        Assert.All(json.GetProperty("history").EnumerateArray(), h => Assert.Equal("Cli", h.GetProperty("channel").GetString()));

        var page = System.Text.Json.JsonDocument.Parse(await keyward.OkAsync("olivia", "requests", "list", "--json", "--page-size", "1")).RootElement;
        Assert.Equal(1, page.GetProperty("pageSize").GetInt32());
        Assert.Equal(1, page.GetProperty("results").GetArrayLength());
    }

    [Fact]
    public async Task Show_NamesHowTheRequestIsCollectedAndWhatTheCallerMayDoNow()
    {
        await using var server = await DemoServer.StartOnLoopbackAsync();
        using var keyward = new KeywardProcess(server);
        var (id, _) = await keyward.ApprovedRequestForCarolAsync(SoftCertificate, approve: false);

        Assert.Equal("cancel", MayDo(await keyward.OkAsync("olivia", "requests", "show", id)));
        Assert.Equal("approve, reject", MayDo(await keyward.OkAsync("victor", "requests", "show", id)));
        Assert.Equal("nothing now", MayDo(await keyward.OkAsync("carol", "requests", "show", id)));

        await keyward.OkAsync("victor", "requests", "approve", id);
        var shown = await keyward.OkAsync("carol", "requests", "show", id);

        Assert.Equal("collect", MayDo(shown));
        var collectedAs = Assert.Single(shown.Split('\n'), l => l.StartsWith("Collected as", StringComparison.Ordinal));
        Assert.Contains("FileStore (a password-protected PFX file", collectedAs, StringComparison.Ordinal);

        static string MayDo(string shown) =>
            Assert.Single(shown.Split('\n'), l => l.StartsWith("You may", StringComparison.Ordinal))["You may".Length..].Trim();
    }

    [Fact]
    public async Task Approve_ByTheRequester_NamesRequesterCannotValidate()
    {
        await using var server = await DemoServer.StartOnLoopbackAsync();
        using var keyward = new KeywardProcess(server);
        var (id, _) = await keyward.ApprovedRequestForCarolAsync(SoftCertificate, approve: false);

        await keyward.RefusedAsync("recovery.requester_cannot_validate", "olivia", "requests", "approve", id);

        Assert.Equal("AwaitingValidation", (await keyward.RequestAsync(id)).GetProperty("status").GetString());
    }

    [Fact]
    public async Task Reject_ByAValidator_EndsTheRequest_AndASecondRejectionIsRefused()
    {
        await using var server = await DemoServer.StartOnLoopbackAsync();
        using var keyward = new KeywardProcess(server);
        var (id, _) = await keyward.ApprovedRequestForCarolAsync(SoftCertificate, approve: false);

        var rejected = await keyward.OkAsync("victor", "requests", "reject", id, "--reason", "No ticket for this");
        Assert.Equal($"Request {id} rejected: Rejected (approvals 0/1).", rejected.Trim());

        await keyward.RefusedAsync("recovery.wrong_state", "victor", "requests", "reject", id);
        var request = await keyward.RequestAsync(id);
        Assert.Equal("Rejected", request.GetProperty("status").GetString());
        var step = request.GetProperty("history").EnumerateArray().Last();
        Assert.Equal("No ticket for this", step.GetProperty("notes").GetString());
        Assert.Equal("Cli", step.GetProperty("channel").GetString());
    }

    [Fact]
    public async Task Cancel_ByTheOperator_CancelsIt_ButTheCardholderMayNotCancelAnOperatorsRequest()
    {
        await using var server = await DemoServer.StartOnLoopbackAsync();
        using var keyward = new KeywardProcess(server);
        var (id, _) = await keyward.ApprovedRequestForCarolAsync(SoftCertificate);

        await keyward.RefusedAsync("recovery.forbidden", "carol", "requests", "cancel", id);

        var cancelled = await keyward.OkAsync("olivia", "requests", "cancel", id, "--reason", "Raised in error");
        Assert.Equal($"Request {id} cancelled: Cancelled (approvals 1/1).", cancelled.Trim());
        Assert.Equal("Cancelled", (await keyward.RequestAsync(id)).GetProperty("status").GetString());
    }

    [Fact]
    public async Task ListShowCreate_Refusals_AreOneLineWithTheReason()
    {
        await using var server = await DemoServer.StartOnLoopbackAsync();
        using var keyward = new KeywardProcess(server);
        using var olivia = await server.SignInAsync("olivia");
        var carol = await Json.PersonIdAsync(olivia, "carol");
        var signing = (await RecoverySteps.CertificateIdsAsync(olivia, carol, c => !c.GetProperty("archived").GetBoolean()))[0];

        var status = await keyward.RunAsAsync("olivia", "requests", "list", "--status", "Approved");
        Assert.Equal(2, status.Exit);
        Assert.Contains("AwaitingValidation, AwaitingIssue", status.Error, StringComparison.Ordinal);

        await keyward.RefusedAsync("recovery.not_found", "olivia", "requests", "show", "0123456789abcdef0123456789abcdef");
        await keyward.RefusedAsync("recovery.not_archived", "olivia", "requests", "create", "--person", "carol", "--profile", SoftCertificate, "--certificate", signing);
        await keyward.RefusedAsync("people.not_found", "olivia", "requests", "create", "--person", "dave", "--profile", SoftCertificate, "--all-archived");
        var both = await keyward.RunAsAsync("olivia", "requests", "create", "--person", "carol", "--profile", SoftCertificate);
        Assert.Equal(2, both.Exit);
        Assert.Contains("--all-archived", both.Error, StringComparison.Ordinal);
        Assert.Equal(0, (await Json.GetAsync(olivia, "/api/requests")).GetProperty("total").GetInt32());
    }

    [Fact]
    public async Task Update_OfCarolsCard_CreatesADeviceUpdate_WhichCollectRefusesWithoutACardModule()
    {
        await using var server = await DemoServer.StartOnLoopbackAsync();
        using var keyward = new KeywardProcess(server);
        using var olivia = await server.SignInAsync("olivia");
        var carol = await Json.PersonIdAsync(olivia, "carol");
        var card = (await Json.GetAsync(olivia, $"/api/people/{carol}/devices")).GetProperty("results").EnumerateArray()
            .Single(d => d.GetProperty("serialNumber").GetString() == "DEMO-CARD-CAROL").GetProperty("id").GetString()!;
        var current = (await RecoverySteps.ArchivedEncryptionCertificatesAsync(olivia, carol)).Keys.First();

        var created = await keyward.OkAsync("olivia", "requests", "update", "--device", card, "--certificate", current, "--profile", "Key Recovery - Smart Card");
        Assert.Contains("DeviceUpdate", created, StringComparison.Ordinal);
        var id = KeywardProcess.CreatedId(created);
        await keyward.OkAsync("victor", "requests", "approve", id);

        // A card request needs the card's module; soft-certificate options are refused, naming what is wrong.
        foreach (var arguments in new[] { new[] { "collect", id }, ["collect", id, "--out", "carol.pfx"], ["collect", id, "--module", "/nonexistent/pkcs11.so", "--pin-stdin"] })
        {
            var refused = await keyward.RunAsAsync("carol", arguments);
            Assert.NotEqual(0, refused.Exit);
            var line = Assert.Single(refused.Error.Split('\n', StringSplitOptions.RemoveEmptyEntries));
            Assert.Contains(arguments.Length == 2 ? "pass --module" : arguments[2] == "--out" ? "--out" : "/nonexistent/pkcs11.so", line, StringComparison.Ordinal);
        }

        var request = await keyward.RequestAsync(id);
        Assert.Equal("AwaitingIssue", request.GetProperty("status").GetString());
        Assert.DoesNotContain("CollectionStarted", KeywardProcess.HistoryActions(request));
    }
}
