using System.Security.Cryptography.X509Certificates;
using Keyward.Server.Tests.Infrastructure;

namespace Keyward.Server.Tests.Cli;

/// <summary>
/// <c>keyward collect</c> of System Store requests through the collecting-client protocol: into the user's personal
/// store (the child process runs with its own HOME, and .NET on Linux keeps that store as PFX files under it) or
/// into an NSS database with NSS's own tools.
/// </summary>
public sealed class CollectSystemStoreTests
{
    private const string SystemStore = "Key Recovery - System Store";

    [Fact]
    public async Task Collect_AsTheOwner_InstallsEachCertificateWithItsKeyIntoThePersonalStore()
    {
        if (!OperatingSystem.IsLinux())
        {
            return; // The check reads .NET's Linux store folder.
        }

        await using var server = await DemoServer.StartOnLoopbackAsync();
        using var keyward = new KeywardProcess(server);
        var (id, certificates) = await keyward.ApprovedRequestForCarolAsync(SystemStore);

        var output = await keyward.OkAsync("carol", "collect", id);

        Assert.Contains($"Collected request {id}: 2 certificate(s)", output, StringComparison.Ordinal);
        Assert.Contains("personal certificate store", output, StringComparison.Ordinal);
        Assert.DoesNotContain("Password", output, StringComparison.Ordinal);
        // .NET's Unix store: one PFX (no password) per certificate, named by thumbprint, in a folder of HOME.
        var stored = Directory.GetFiles(keyward.PersonalStore, "*.pfx")
            .Select(f => X509CertificateLoader.LoadPkcs12FromFile(f, (string?)null, X509KeyStorageFlags.EphemeralKeySet))
            .ToList();
        Assert.Equal(certificates.Values.Select(KeywardProcess.Serial).Order(), stored.Select(c => KeywardProcess.Serial(c.SerialNumber)).Order());
        Assert.All(stored, KeywardProcess.AssertKeyMatches);

        var request = await keyward.RequestAsync(id);
        Assert.Equal("Completed", request.GetProperty("status").GetString());
        Assert.Equal(["Requested", "Approved", "CollectionStarted", "Released", "Completed"], KeywardProcess.HistoryActions(request));
        Assert.Equal("Cli", request.GetProperty("history")[3].GetProperty("channel").GetString());
        using var admin = await server.SignInAsync("admin");
        var devices = await Json.GetAsync(admin, $"/api/people/{request.GetProperty("targetId").GetString()}/devices");
        Assert.Contains(devices.GetProperty("results").EnumerateArray(), d =>
            d.GetProperty("type").GetString() == "SoftCertificatePackage" && d.GetProperty("serialNumber").GetString() == $"STORE-{id}");
    }

    [Fact]
    public async Task Collect_IntoAnNssDatabase_CreatesItAndImportsTheCertificatesAndKeys()
    {
        await using var server = await DemoServer.StartOnLoopbackAsync();
        using var keyward = new KeywardProcess(server);
        var (id, _) = await keyward.ApprovedRequestForCarolAsync(SystemStore);
        var nssdb = Path.Combine(keyward.Home, ".pki", "nssdb");

        var output = await keyward.OkAsync("carol", "collect", id, "--nssdb", nssdb);

        Assert.Contains($"Collected request {id}: 2 certificate(s)", output, StringComparison.Ordinal);
        Assert.Contains("NSS database", output, StringComparison.Ordinal);
        var certutil = ExternalTool.OnPath("certutil")!;
        var listed = await ExternalTool.RunOkAsync(certutil, ["-L", "-d", "sql:" + nssdb], keyward.Home, TimeSpan.FromMinutes(1));
        var keys = await ExternalTool.RunOkAsync(certutil, ["-K", "-d", "sql:" + nssdb], keyward.Home, TimeSpan.FromMinutes(1));
        Assert.Equal(2, listed.Split('\n').Count(l => l.TrimEnd().EndsWith("u,u,u", StringComparison.Ordinal)));
        Assert.Equal(2, keys.Split('\n').Count(l => l.TrimStart().StartsWith('<') && l.Contains("rsa", StringComparison.Ordinal)));
        Assert.Equal("Completed", (await keyward.RequestAsync(id)).GetProperty("status").GetString());
        Assert.False(Directory.Exists(keyward.PersonalStore), "nothing goes to the personal store with --nssdb");
        Assert.Empty(Directory.GetFileSystemEntries(keyward.Temp));
    }

    [Fact]
    public async Task Collect_ByAnOperator_IsRefusedAsOwnerOnly_AndNothingChanges()
    {
        await using var server = await DemoServer.StartOnLoopbackAsync();
        using var keyward = new KeywardProcess(server);
        var (id, _) = await keyward.ApprovedRequestForCarolAsync(SystemStore);

        await keyward.RefusedAsync("recovery.system_store_owner_only", "olivia", "collect", id);

        var request = await keyward.RequestAsync(id);
        Assert.Equal("AwaitingIssue", request.GetProperty("status").GetString());
        Assert.Equal(["Requested", "Approved"], KeywardProcess.HistoryActions(request));
        Assert.False(Directory.Exists(keyward.PersonalStore));
    }

    [Fact]
    public async Task Collect_WhenInstallingFailsAfterTheCollectionBegan_ReportsTheFailure_AndTheRequestIsCollectableAgain()
    {
        await using var server = await DemoServer.StartOnLoopbackAsync();
        using var keyward = new KeywardProcess(server);
        var (id, _) = await keyward.ApprovedRequestForCarolAsync(SystemStore);
        // An NSS database that exists but cannot be opened: found only when the keys are imported, after the
        // collection began.
        var broken = Directory.CreateDirectory(Path.Combine(keyward.Home, "broken-nssdb")).FullName;
        await File.WriteAllTextAsync(Path.Combine(broken, "cert9.db"), "not a database");
        await File.WriteAllTextAsync(Path.Combine(broken, "key4.db"), "not a database");

        var failed = await keyward.RunAsAsync("carol", "collect", id, "--nssdb", broken);

        Assert.Equal(1, failed.Exit);
        var line = Assert.Single(failed.Error.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains("pk12util", line, StringComparison.Ordinal);
        Assert.Contains("can be collected again", line, StringComparison.Ordinal);
        var request = await keyward.RequestAsync(id);
        Assert.Equal("AwaitingIssue", request.GetProperty("status").GetString());
        Assert.Equal(["Requested", "Approved", "CollectionStarted", "Released", "CollectionFailed"], KeywardProcess.HistoryActions(request));
        var failure = request.GetProperty("history")[4];
        Assert.Equal("Cli", failure.GetProperty("channel").GetString());
        Assert.Contains("pk12util", failure.GetProperty("notes").GetString(), StringComparison.Ordinal);

        var retried = await keyward.OkAsync("carol", "collect", id, "--nssdb", Path.Combine(keyward.Home, "nssdb"));
        Assert.Contains($"Collected request {id}", retried, StringComparison.Ordinal);
        Assert.Equal("Completed", (await keyward.RequestAsync(id)).GetProperty("status").GetString());
    }
}
