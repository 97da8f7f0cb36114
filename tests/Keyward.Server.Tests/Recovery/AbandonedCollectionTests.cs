using System.Net;
using System.Security.Cryptography;
using Keyward.Server.Recovery;
using Keyward.Server.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Keyward.Server.Tests.Recovery;

/// <summary>docs/recovery.md#collecting: a collecting client that vanishes mid-collection never strands a request.</summary>
public sealed class AbandonedCollectionTests
{
    [Fact]
    public async Task CollectionNeverReportedBack_IsReleasedAfterTheTimeout_AndTheRequestCanBeCollectedAgain()
    {
        await using var server = await DemoServer.StartAsync();
        using var olivia = await server.SignInAsync("olivia");
        using var victor = await server.SignInAsync("victor");
        using var carol = await server.SignInAsync("carol");
        var carolId = await Json.PersonIdAsync(olivia, "carol");
        var certificates = await RecoverySteps.ArchivedEncryptionCertificatesAsync(olivia, carolId);
        var id = (await RecoverySteps.RequestAsync(olivia, carolId, "Key Recovery - System Store", certificates.Keys)).GetProperty("id").GetString()!;
        await RecoverySteps.ApproveAsync(victor, id);

        using var transport = RSA.Create(3072);
        string collectionId;
        using (var begun = await RecoverySteps.PostAsync(carol, id, "collections", new { transportKey = Convert.ToBase64String(transport.ExportSubjectPublicKeyInfo()) }))
        {
            collectionId = (await Json.ReadAsync(begun, HttpStatusCode.Created)).GetProperty("collectionId").GetString()!;
        }

        var service = server.App.Services.GetServices<IHostedService>().OfType<RequestExpiryService>().Single();
        server.Clock.Advance(TimeSpan.FromMinutes(29));
        await service.RunOnceAsync(CancellationToken.None);

        // Access tokens are short-lived: sign in again after the clock moved.
        using var carolLater = await server.SignInAsync("carol");
        Assert.Equal("InProgress", (await Json.GetAsync(carolLater, $"/api/requests/{id}")).GetProperty("status").GetString());

        server.Clock.Advance(TimeSpan.FromMinutes(2));
        await service.RunOnceAsync(CancellationToken.None);
        using var carolAfter = await server.SignInAsync("carol");
        var request = await Json.GetAsync(carolAfter, $"/api/requests/{id}");
        Assert.Equal("AwaitingIssue", request.GetProperty("status").GetString());
        var last = request.GetProperty("history").EnumerateArray().Last();
        Assert.Equal("CollectionFailed", last.GetProperty("action").GetString());
        Assert.Equal("System", last.GetProperty("channel").GetString());
        Assert.Contains("did not report back", last.GetProperty("notes").GetString(), StringComparison.Ordinal);

        // The late client's report finds its collection gone; a new collection works.
        using (var late = await RecoverySteps.PostAsync(carolAfter, id, $"collections/{collectionId}/complete"))
        {
            await Json.ProblemAsync(late, HttpStatusCode.NotFound, "recovery.collection_not_found");
        }

        using (var again = await RecoverySteps.PostAsync(carolAfter, id, "collections", new { transportKey = Convert.ToBase64String(transport.ExportSubjectPublicKeyInfo()) }))
        {
            await Json.ReadAsync(again, HttpStatusCode.Created);
        }
    }
}
