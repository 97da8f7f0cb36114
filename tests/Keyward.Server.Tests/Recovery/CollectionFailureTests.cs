using System.Net;
using Keyward.Crypto.Recovery;
using Keyward.Server.Tests.Infrastructure;

namespace Keyward.Server.Tests.Recovery;

/// <summary>docs/recovery.md#collecting: a failed collection leaves the request collectable again, with the failure recorded.</summary>
public sealed class CollectionFailureTests
{
    [Fact]
    public async Task AFailureReportWithAnOverlongReason_IsRecordedShortened_AndTheRequestIsCollectableAgain()
    {
        await using var server = await DemoServer.StartAsync();
        using var admin = await server.SignInAsync("admin");
        using var carol = await server.SignInAsync("carol");
        var carols = await CardholderCertificates.OfAsync(admin, await Json.PersonIdAsync(admin, "carol"));
        var id = await RecoverySteps.ApprovedForCarolAsync(server, "Key Recovery - System Store", [carols.Current]);
        using var transport = TransportKeyPair.Create();
        string collection;
        using (var begun = await RecoverySteps.PostCollectionAsync(carol, id, Convert.ToBase64String(transport.PublicKey)))
        {
            collection = (await Json.ReadAsync(begun, HttpStatusCode.Created)).GetProperty("collectionId").GetString()!;
        }

        // A client may report whatever its token or store said; the failure is recorded all the same, within the
        // 2000 characters a history note holds (a longer one made PostgreSQL refuse the save and left the request stuck InProgress).
        var reason = "PKCS#11 C_UnwrapKey failed: " + new string('x', 5000);
        using var failed = await RecoverySteps.PostCollectionStepAsync(carol, id, collection, "fail", new { reason });
        var request = await Json.ReadAsync(failed, HttpStatusCode.OK);
        Assert.Equal("AwaitingIssue", request.GetProperty("status").GetString());
        var last = request.GetProperty("history").EnumerateArray().Last();
        Assert.Equal("CollectionFailed", last.GetProperty("action").GetString());
        var note = last.GetProperty("notes").GetString()!;
        Assert.InRange(note.Length, 1, 2000);
        Assert.StartsWith("PKCS#11 C_UnwrapKey failed: xxx", note, StringComparison.Ordinal);

        using var again = await RecoverySteps.PostCollectionAsync(carol, id, Convert.ToBase64String(transport.PublicKey));
        Assert.Equal("InProgress", (await Json.ReadAsync(again, HttpStatusCode.Created)).GetProperty("request").GetProperty("status").GetString());
    }
}
