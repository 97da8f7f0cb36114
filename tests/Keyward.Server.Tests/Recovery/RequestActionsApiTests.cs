using System.Net;
using System.Text.Json;
using Keyward.Server.Tests.Infrastructure;

namespace Keyward.Server.Tests.Recovery;

/// <summary>
/// Every request answer carries <c>collectionMethod</c> and the caller's <c>actions</c>
/// (docs/recovery.md#what-a-request-answer-carries): the same request shows each demo person what they, and only
/// they, may do with it now.
/// </summary>
public sealed class RequestActionsApiTests
{
    private const string FileStore = "Key Recovery - Soft Certificate";
    private const string SystemStore = "Key Recovery - System Store";

    [Fact]
    public async Task FileStoreRequest_EachPersonSeesTheirOwnActions_FromRequestToCollection()
    {
        await using var server = await DemoServer.StartAsync();
        using var olivia = await server.SignInAsync("olivia");
        using var victor = await server.SignInAsync("victor");
        using var carol = await server.SignInAsync("carol");
        using var dave = await server.SignInAsync("dave");
        var carolId = await Json.PersonIdAsync(olivia, "carol");
        var carols = await CardholderCertificates.OfAsync(olivia, carolId);

        // Olivia asked: she may cancel, never validate her own request.
        var created = await RecoverySteps.RequestAsync(olivia, carolId, FileStore, [carols.Current]);
        var id = created.GetProperty("id").GetString()!;
        Assert.Equal("FileStore", created.GetProperty("collectionMethod").GetString());
        Assert.Equal(["cancel"], Actions(created));
        Assert.Equal(["cancel"], Actions(await RecoverySteps.GetAsync(olivia, id)));
        Assert.Equal(["cancel"], Actions(Listed(await Json.GetAsync(olivia, "/api/requests"), id)));

        // Victor validates it: the request and his review queue say so; carol may do nothing yet; dave cannot see it.
        Assert.Equal(["approve", "reject"], Actions(await RecoverySteps.GetAsync(victor, id)));
        Assert.Equal(["approve", "reject"], Actions(Listed(await Json.GetAsync(victor, "/api/requests?status=AwaitingValidation"), id)));
        Assert.Empty(Actions(await RecoverySteps.GetAsync(carol, id)));
        using (var hidden = await dave.GetAsync(new Uri($"/api/requests/{id}", UriKind.Relative)))
        {
            await Json.ProblemAsync(hidden, HttpStatusCode.NotFound, "recovery.not_found");
        }

        // Approved: nothing more for victor; carol collects her File Store request, olivia may collect or cancel it.
        var approved = await RecoverySteps.ApproveAsync(victor, id);
        Assert.Equal("AwaitingIssue", approved.GetProperty("status").GetString());
        Assert.Empty(Actions(approved));
        var asCarol = await RecoverySteps.GetAsync(carol, id);
        Assert.Equal("FileStore", asCarol.GetProperty("collectionMethod").GetString());
        Assert.Equal(["collect"], Actions(asCarol));
        Assert.Equal(["cancel", "collect"], Actions(await RecoverySteps.GetAsync(olivia, id)));

        var collected = await RecoverySteps.CollectAsync(carol, id);
        Assert.Equal("Completed", collected.GetProperty("request").GetProperty("status").GetString());
        // Carol may collect once more within the re-collect window, should her answer have been lost; nobody else may.
        Assert.Equal(["collect"], Actions(collected.GetProperty("request")));
        Assert.Empty(Actions(await RecoverySteps.GetAsync(olivia, id)));
        var again = await RecoverySteps.CollectAsync(carol, id);
        Assert.Empty(Actions(again.GetProperty("request")));
    }

    [Fact]
    public async Task SystemStoreRequest_OnlyTheOwnerIsOfferedCollect()
    {
        await using var server = await DemoServer.StartAsync();
        using var olivia = await server.SignInAsync("olivia");
        using var carol = await server.SignInAsync("carol");
        var carolId = await Json.PersonIdAsync(olivia, "carol");
        var carols = await CardholderCertificates.OfAsync(olivia, carolId);

        var id = await RecoverySteps.ApprovedForCarolAsync(server, SystemStore, [carols.Current]);

        var asOlivia = await RecoverySteps.GetAsync(olivia, id);
        Assert.Equal("SystemStore", asOlivia.GetProperty("collectionMethod").GetString());
        Assert.Equal(["cancel"], Actions(asOlivia));
        var asCarol = await RecoverySteps.GetAsync(carol, id);
        Assert.Equal("SystemStore", asCarol.GetProperty("collectionMethod").GetString());
        Assert.Equal(["collect"], Actions(asCarol));
    }

    [Fact]
    public async Task RejectAndCancelAnswers_CarryTheCallersActionsAfterTheStep()
    {
        await using var server = await DemoServer.StartAsync();
        using var olivia = await server.SignInAsync("olivia");
        using var victor = await server.SignInAsync("victor");
        var carolId = await Json.PersonIdAsync(olivia, "carol");
        var carols = await CardholderCertificates.OfAsync(olivia, carolId);
        var rejected = (await RecoverySteps.RequestAsync(olivia, carolId, FileStore, [carols.Current])).GetProperty("id").GetString()!;
        var cancelled = (await RecoverySteps.RequestAsync(olivia, carolId, FileStore, [carols.Expired])).GetProperty("id").GetString()!;

        var afterReject = await RecoverySteps.RejectAsync(victor, rejected, "Not this one.");
        var afterCancel = await RecoverySteps.CancelAsync(olivia, cancelled, "Not needed.");

        Assert.Equal(("Rejected", "Cancelled"), (afterReject.GetProperty("status").GetString(), afterCancel.GetProperty("status").GetString()));
        Assert.Empty(Actions(afterReject));
        Assert.Empty(Actions(afterCancel));
    }

    [Fact]
    public async Task OpenApi_RequestSchema_DescribesCollectionMethodAndActions()
    {
        await using var server = await DemoServer.StartAsync();

        var document = await Json.GetAsync(server.Client, "/openapi/v1.json");

        var schemas = document.GetProperty("components").GetProperty("schemas");
        var request = schemas.GetProperty("RequestView").GetProperty("properties");
        Assert.True(request.TryGetProperty("collectionMethod", out _), request.GetRawText());
        Assert.True(request.TryGetProperty("actions", out _), request.GetRawText());
        Assert.Equal(
            ["FileStore", "SystemStore", "NewCard", "CardUpdate"],
            schemas.GetProperty("CollectionMethod").GetProperty("enum").EnumerateArray().Select(v => v.GetString()));
        Assert.Equal(
            ["approve", "reject", "cancel", "collect"],
            schemas.GetProperty("RequestActions").GetProperty("properties").EnumerateObject().Select(p => p.Name));
    }

    /// <summary>The steps the answer offers, in the order approve, reject, cancel, collect.</summary>
    private static List<string> Actions(JsonElement request)
    {
        var actions = request.GetProperty("actions");
        return new[] { "approve", "reject", "cancel", "collect" }.Where(a => actions.GetProperty(a).GetBoolean()).ToList();
    }

    private static JsonElement Listed(JsonElement page, string id) =>
        page.GetProperty("results").EnumerateArray().Single(r => r.GetProperty("id").GetString() == id);
}
