using System.Security.Cryptography.X509Certificates;
using Keyward.Server.Tests.Infrastructure;

namespace Keyward.Server.Tests.Cli;

/// <summary><c>keyward collect</c> of File Store requests: a password-protected PFX written owner-only.</summary>
public sealed class CollectFileStoreTests
{
    private const string SoftCertificate = "Key Recovery - Soft Certificate";

    [Fact]
    public async Task Collect_WithGeneratedPassword_WritesAnOwnerOnlyPfxThatOpensWithThePasswordShownOnce()
    {
        await using var server = await DemoServer.StartOnLoopbackAsync();
        using var keyward = new KeywardProcess(server);
        var id = KeywardProcess.CreatedId(await keyward.OkAsync("olivia", "requests", "create", "--person", "carol", "--profile", SoftCertificate, "--all-archived"));
        Assert.Contains("AwaitingIssue", await keyward.OkAsync("victor", "requests", "approve", id), StringComparison.Ordinal);
        var pfx = Path.Combine(keyward.Home, "carol.pfx");

        var output = await keyward.OkAsync("carol", "collect", id, "--out", pfx);

        Assert.Contains($"Collected request {id}: 2 certificate(s)", output, StringComparison.Ordinal);
        Assert.Contains("shown only now", output, StringComparison.Ordinal);
        var password = KeywardProcess.PrintedPassword(output);
        Assert.True(File.Exists(pfx));
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(pfx));
        }

        Assert.Equal(["carol.pfx"], Directory.GetFiles(keyward.Home).Select(Path.GetFileName));
        var request = await keyward.RequestAsync(id);
        var serials = request.GetProperty("certificates").EnumerateArray().Select(c => KeywardProcess.Serial(c.GetProperty("serialNumber").GetString()!)).Order().ToList();
        var collection = X509CertificateLoader.LoadPkcs12Collection(await File.ReadAllBytesAsync(pfx), password);
        var withKeys = collection.Where(c => c.HasPrivateKey).ToList();
        Assert.Equal(serials, withKeys.Select(c => KeywardProcess.Serial(c.SerialNumber)).Order().ToList());
        Assert.All(withKeys, KeywardProcess.AssertKeyMatches);

        Assert.Equal("Completed", request.GetProperty("status").GetString());
        Assert.Equal(["Requested", "Approved", "CollectionStarted", "Released", "Completed"], KeywardProcess.HistoryActions(request));
        Assert.All(request.GetProperty("history").EnumerateArray(), h => Assert.Equal("Cli", h.GetProperty("channel").GetString()));

        // Carol may collect once more, should the first file have been lost, with a new password; then the releases are spent.
        var lost = await keyward.RunAsync("carol", null, "collect", id, "--out", Path.Combine(keyward.Home, "lost.pfx"));
        Assert.Equal(0, lost.Exit);
        Assert.DoesNotContain(password, lost.Output, StringComparison.Ordinal);
        var again = await keyward.RefusedAsync("recovery.release_limit", "carol", "collect", id, "--out", Path.Combine(keyward.Home, "again.pfx"));
        Assert.DoesNotContain(password, again, StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(keyward.Home, "again.pfx")));
        Assert.Equal(["carol.pfx", "lost.pfx"], Directory.GetFiles(keyward.Home).Select(Path.GetFileName).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task Collect_AsksTheServerHowTheRequestIsCollected_WithoutListingCredentialProfiles()
    {
        await using var server = await DemoServer.StartOnLoopbackAsync();
        using var keyward = new KeywardProcess(server);
        var (id, _) = await keyward.ApprovedRequestForCarolAsync(SoftCertificate);
        var before = server.Served.Count;

        await keyward.OkAsync("carol", "collect", id, "--out", Path.Combine(keyward.Home, "carol.pfx"));

        // The server's access log for this command: one read of the request (its collectionMethod), then the collection.
        var calls = server.Served.Skip(before).Where(c => c.Contains("/api/", StringComparison.Ordinal)).ToList();
        Assert.Equal([$"GET /api/requests/{id}", $"POST /api/requests/{id}/collect"], calls);
    }

    [Fact]
    public async Task Collect_PasswordFromStdinThatBreaksThePolicy_IsRefusedAndTheRequestStaysAwaitingIssue()
    {
        await using var server = await DemoServer.StartOnLoopbackAsync();
        using var keyward = new KeywardProcess(server);
        var (id, _) = await keyward.ApprovedRequestForCarolAsync(SoftCertificate);
        var pfx = Path.Combine(keyward.Home, "carol.pfx");

        var outcome = await keyward.RunAsync("carol", "short", "collect", id, "--out", pfx, "--password-stdin");

        Assert.NotEqual(0, outcome.Exit);
        var line = Assert.Single(outcome.Error.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains("recovery.password_policy", line, StringComparison.Ordinal);
        Assert.DoesNotContain("short", outcome.Output, StringComparison.Ordinal);
        Assert.Empty(Directory.GetFiles(keyward.Home));
        var request = await keyward.RequestAsync(id);
        Assert.Equal("AwaitingIssue", request.GetProperty("status").GetString());
        Assert.DoesNotContain("CollectionStarted", KeywardProcess.HistoryActions(request));
    }

    [Fact]
    public async Task Collect_WithoutOutOrOverAnExistingFile_RefusesBeforeCollecting_AndForceWithAChosenPasswordReplacesIt()
    {
        await using var server = await DemoServer.StartOnLoopbackAsync();
        using var keyward = new KeywardProcess(server);
        var (id, _) = await keyward.ApprovedRequestForCarolAsync(SoftCertificate);
        var pfx = Path.Combine(keyward.Home, "carol.pfx");
        await File.WriteAllTextAsync(pfx, "an older file");

        var noOut = await keyward.RunAsAsync("carol", "collect", id);
        Assert.Equal(2, noOut.Exit);
        Assert.Contains("--out FILE.pfx", noOut.Error, StringComparison.Ordinal);
        var exists = await keyward.RunAsAsync("carol", "collect", id, "--out", pfx);
        Assert.Equal(2, exists.Exit);
        Assert.Contains("--force", exists.Error, StringComparison.Ordinal);
        Assert.Equal("an older file", await File.ReadAllTextAsync(pfx));
        Assert.Equal("AwaitingIssue", (await keyward.RequestAsync(id)).GetProperty("status").GetString());

        const string chosen = "Recovered-Keys-2026";
        var replaced = await keyward.RunAsync("carol", chosen, "collect", id, "--out", pfx, "--password-stdin", "--force");

        Assert.True(replaced.Exit == 0, replaced.ToString());
        Assert.DoesNotContain("Password:", replaced.Output, StringComparison.Ordinal);
        Assert.DoesNotContain(chosen, replaced.Output, StringComparison.Ordinal);
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(pfx));
        }

        var collection = X509CertificateLoader.LoadPkcs12Collection(await File.ReadAllBytesAsync(pfx), chosen);
        Assert.Equal(2, collection.Count(c => c.HasPrivateKey));
        Assert.Equal("Completed", (await keyward.RequestAsync(id)).GetProperty("status").GetString());
    }
}
