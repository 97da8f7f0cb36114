using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using Keyward.Audit;
using Keyward.Common;
using Keyward.Crypto.Recovery;
using Keyward.Recovery;
using Keyward.Server.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace Keyward.Server.Tests.Recovery;

/// <summary>
/// Every release of archived keys is audited in the transaction that records it, counted against the request's release
/// limit, and notified to the owner; a failure report never erases a release; a File Store collector may collect once
/// more within the re-collect window (docs/recovery.md, "Releases"). Each test reproduces a finding of the hardening
/// review: keys released to a collecting client without a trace, released again after "fail" without limit.
/// </summary>
public sealed class ReleaseTests
{
    private const string FileStore = "Key Recovery - Soft Certificate";
    private const string SystemStore = "Key Recovery - System Store";

    [Fact]
    public async Task BeginCollection_ReleasesKeys_AuditedWithCollectorCertificatesAndTransportKeyFingerprint()
    {
        await using var server = await DemoServer.StartAsync();
        using var carol = await server.SignInAsync("carol");
        var (id, certificates) = await ApprovedSystemStoreRequestAsync(server);
        using var transport = TransportKeyPair.Create();

        using var begun = await RecoverySteps.PostCollectionAsync(carol, id, Convert.ToBase64String(transport.PublicKey));
        await Json.ReadAsync(begun, HttpStatusCode.Created);

        // Before the client reports anything, the release is on record.
        var releases = await AuditAsync(server, id, RecoveryWorkflow.ReleaseAction);
        var release = Assert.Single(releases);
        Assert.Equal((AuditOutcome.Succeeded, "carol"), (release.Outcome, release.ActorName));
        Assert.Contains(Convert.ToHexStringLower(SHA256.HashData(transport.PublicKey)), release.Details, StringComparison.Ordinal);
        Assert.All(certificates, c => Assert.Contains(c, release.Details, StringComparison.Ordinal));
        Assert.Contains("release 1 of 2", release.Details, StringComparison.Ordinal);
        Assert.Equal(["Requested", "Approved", "CollectionStarted", "Released"], RecoverySteps.History(await RecoverySteps.GetAsync(carol, id)));
        Assert.Contains(await NoticesAsync(server, "carol"), n => n.Contains("released for collection", StringComparison.Ordinal));
    }

    [Fact]
    public async Task FailCollection_AfterRelease_AuditedAsReleasedThenReportedFailed()
    {
        await using var server = await DemoServer.StartAsync();
        using var carol = await server.SignInAsync("carol");
        var (id, _) = await ApprovedSystemStoreRequestAsync(server);

        var collection = await BeginAsync(carol, id);
        using var failed = await RecoverySteps.PostCollectionStepAsync(carol, id, collection, "fail", new { reason = "The store was locked." });
        Assert.Equal("AwaitingIssue", (await Json.ReadAsync(failed, HttpStatusCode.OK)).GetProperty("status").GetString());

        Assert.Single(await AuditAsync(server, id, RecoveryWorkflow.ReleaseAction));
        var failure = Assert.Single(await AuditAsync(server, id, "recovery.collect"), e => e.Outcome == AuditOutcome.Failed);
        Assert.Contains("keys released (release 1 of 2), then reported failed", failure.Details, StringComparison.Ordinal);
        Assert.Contains("The store was locked.", failure.Details, StringComparison.Ordinal);
    }

    [Fact]
    public async Task BeginCollection_ReleasedFailedTwice_NeedsANewApprovalBeforeAThirdRelease()
    {
        await using var server = await DemoServer.StartAsync();
        using var carol = await server.SignInAsync("carol");
        using var victor = await server.SignInAsync("victor");
        var (id, _) = await ApprovedSystemStoreRequestAsync(server);

        for (var i = 0; i < 2; i++)
        {
            var collection = await BeginAsync(carol, id);
            using var failed = await RecoverySteps.PostCollectionStepAsync(carol, id, collection, "fail", new { reason = $"Attempt {i + 1} lost." });
            Assert.Equal(HttpStatusCode.OK, failed.StatusCode);
        }

        var request = await RecoverySteps.GetAsync(carol, id);
        Assert.Equal("AwaitingValidation", request.GetProperty("status").GetString());
        Assert.Equal(0, request.GetProperty("approvals").GetArrayLength());
        Assert.Equal("ApprovalsWithdrawn", RecoverySteps.History(request)[^1]);
        using var transport = TransportKeyPair.Create();
        using var third = await RecoverySteps.PostCollectionAsync(carol, id, Convert.ToBase64String(transport.PublicKey));
        await Json.ProblemAsync(third, HttpStatusCode.Conflict, "recovery.not_collectable");
        Assert.Equal(2, (await AuditAsync(server, id, RecoveryWorkflow.ReleaseAction)).Count);

        // A new approval allows new releases.
        Assert.Equal("AwaitingIssue", (await RecoverySteps.ApproveAsync(victor, id)).GetProperty("status").GetString());
        await BeginAsync(carol, id);
        Assert.Equal(3, (await AuditAsync(server, id, RecoveryWorkflow.ReleaseAction)).Count);
    }

    [Fact]
    public async Task Collect_FileStoreAnswerLost_SameCollectorCollectsOnceMoreThenReleaseLimit()
    {
        await using var server = await DemoServer.StartAsync();
        using var carol = await server.SignInAsync("carol");
        using var olivia = await server.SignInAsync("olivia");
        var carolId = await Json.PersonIdAsync(olivia, "carol");
        var certificates = await CardholderCertificates.OfAsync(olivia, carolId);
        var id = await RecoverySteps.ApprovedForCarolAsync(server, FileStore, [certificates.Current]);

        var first = await RecoverySteps.CollectAsync(carol, id);
        server.Clock.Advance(TimeSpan.FromMinutes(9));
        var again = await RecoverySteps.CollectAsync(carol, id);

        AssertOpens(first);
        AssertOpens(again);
        Assert.Equal("Completed", again.GetProperty("request").GetProperty("status").GetString());
        Assert.Equal((1, 2), (first.GetProperty("request").GetProperty("releases").GetInt32(), first.GetProperty("request").GetProperty("releasesAllowed").GetInt32()));
        Assert.Equal(2, again.GetProperty("request").GetProperty("releases").GetInt32());
        Assert.Equal(["Requested", "Approved", "CollectionStarted", "Released", "Completed", "ReleasedAgain"], RecoverySteps.History(again.GetProperty("request")));
        Assert.Equal(2, (await AuditAsync(server, id, RecoveryWorkflow.ReleaseAction)).Count(e => e.Outcome == AuditOutcome.Succeeded));

        using var third = await RecoverySteps.PostAsync(carol, id, "collect");
        await Json.ProblemAsync(third, HttpStatusCode.Conflict, "recovery.release_limit");
        using var other = await RecoverySteps.PostAsync(olivia, id, "collect");
        await Json.ProblemAsync(other, HttpStatusCode.Conflict, "recovery.not_collectable");
        Assert.Equal(2, (await AuditAsync(server, id, RecoveryWorkflow.ReleaseAction)).Count(e => e.Outcome == AuditOutcome.Succeeded));
    }

    [Fact]
    public async Task Collect_FileStoreAfterTheRecollectWindow_NotCollectable()
    {
        await using var server = await DemoServer.StartAsync();
        using var carol = await server.SignInAsync("carol");
        using var olivia = await server.SignInAsync("olivia");
        var certificates = await CardholderCertificates.OfAsync(olivia, await Json.PersonIdAsync(olivia, "carol"));
        var id = await RecoverySteps.ApprovedForCarolAsync(server, FileStore, [certificates.Current]);
        await RecoverySteps.CollectAsync(carol, id);

        server.Clock.Advance(TimeSpan.FromMinutes(10) + TimeSpan.FromSeconds(1));
        using var late = await RecoverySteps.PostAsync(carol, id, "collect");

        await Json.ProblemAsync(late, HttpStatusCode.Conflict, "recovery.not_collectable");
        Assert.Single(await AuditAsync(server, id, RecoveryWorkflow.ReleaseAction), e => e.Outcome == AuditOutcome.Succeeded);
    }

    private static void AssertOpens(JsonElement collected)
    {
        var certificates = X509CertificateLoader.LoadPkcs12Collection(collected.GetProperty("pfx").GetBytesFromBase64(), collected.GetProperty("password").GetString(), X509KeyStorageFlags.EphemeralKeySet);
        try
        {
            Assert.Contains(certificates, c => c.HasPrivateKey);
        }
        finally
        {
            foreach (var certificate in certificates)
            {
                certificate.Dispose();
            }
        }
    }

    internal static async Task<string> BeginAsync(HttpClient client, string requestId)
    {
        using var transport = TransportKeyPair.Create();
        using var begun = await RecoverySteps.PostCollectionAsync(client, requestId, Convert.ToBase64String(transport.PublicKey));
        return (await Json.ReadAsync(begun, HttpStatusCode.Created)).GetProperty("collectionId").GetString()!;
    }

    /// <summary>Olivia asks for carol's current and expired keys into carol's certificate store; victor approves.</summary>
    internal static async Task<(string Id, IReadOnlyList<string> Certificates)> ApprovedSystemStoreRequestAsync(DemoServer server)
    {
        using var olivia = await server.SignInAsync("olivia");
        var certificates = await CardholderCertificates.OfAsync(olivia, await Json.PersonIdAsync(olivia, "carol"));
        IReadOnlyList<string> wanted = [certificates.Current, certificates.Expired];
        return (await RecoverySteps.ApprovedForCarolAsync(server, SystemStore, wanted), wanted);
    }

    internal static async Task<List<AuditEvent>> AuditAsync(DemoServer server, string requestId, string action)
    {
        await using var scope = server.App.Services.CreateAsyncScope();
        var store = scope.ServiceProvider.GetRequiredService<IKeywardStore>();
        return await store.ToListAsync(store.AuditEvents.Where(e => e.TargetId == requestId && e.Action == action).OrderBy(e => e.Sequence), CancellationToken.None);
    }

    private static async Task<List<string>> NoticesAsync(DemoServer server, string logonName)
    {
        await using var scope = server.App.Services.CreateAsyncScope();
        var store = scope.ServiceProvider.GetRequiredService<IKeywardStore>();
        var person = await store.FirstOrDefaultAsync(store.People.Where(p => p.LogonName == logonName), CancellationToken.None);
        return await store.ToListAsync(store.Notifications.Where(n => n.PersonId == person!.Id).Select(n => n.Subject), CancellationToken.None);
    }
}
