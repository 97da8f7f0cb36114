using System.Net;
using Keyward.Server.Tests.Infrastructure;

namespace Keyward.Server.Tests.Recovery;

/// <summary>
/// Cancelling through <c>POST /api/requests/{id}/cancel</c>: CancelRequest with the person in scope, or one's own
/// self-service request; only an outstanding request. A refusal leaves the request as it was and is audited.
/// </summary>
public sealed class CancelRefusalTests
{
    private const string SoftCertificate = "Key Recovery - Soft Certificate";

    [Fact]
    public async Task Cancelling_WithoutCancelRequest_IsForbidden()
    {
        await using var server = await DemoServer.StartAsync();
        using var refusals = await Refusals.OnAsync(server);
        using var olivia = await server.SignInAsync("olivia");
        using var victor = await server.SignInAsync("victor");
        using var carol = await server.SignInAsync("carol");
        var carolId = await Json.PersonIdAsync(olivia, "carol");
        var carols = await CardholderCertificates.OfAsync(olivia, carolId);
        var id = (await RecoverySteps.RequestAsync(olivia, carolId, SoftCertificate, [carols.Current])).GetProperty("id").GetString()!;

        var detail = await refusals.UnchangedAsync(id, () => RecoverySteps.PostAsync(victor, id, "cancel", new { reason = "Not needed." }), HttpStatusCode.Forbidden, "recovery.forbidden");
        Assert.Contains("CancelRequest", detail, StringComparison.Ordinal);

        // The recipient did not ask for this one: it is not hers to cancel.
        await refusals.UnchangedAsync(id, () => RecoverySteps.PostAsync(carol, id, "cancel"), HttpStatusCode.Forbidden, "recovery.forbidden");
        Assert.Equal("AwaitingValidation", await RecoverySteps.StatusAsync(refusals.Admin, id));
    }

    [Fact]
    public async Task Cancelling_ACompletedRequest_IsWrongState()
    {
        await using var server = await DemoServer.StartAsync();
        using var refusals = await Refusals.OnAsync(server);
        using var olivia = await server.SignInAsync("olivia");
        using var carol = await server.SignInAsync("carol");
        var carolId = await Json.PersonIdAsync(olivia, "carol");
        var carols = await CardholderCertificates.OfAsync(olivia, carolId);
        var id = await RecoverySteps.ApprovedForCarolAsync(server, SoftCertificate, [carols.Current]);
        Assert.Equal("Completed", (await RecoverySteps.CollectAsync(carol, id)).GetProperty("request").GetProperty("status").GetString());

        var detail = await refusals.UnchangedAsync(id, () => RecoverySteps.PostAsync(olivia, id, "cancel", new { reason = "Too late." }), HttpStatusCode.Conflict, "recovery.wrong_state");
        Assert.Contains("Completed", detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task TheOwner_CancelsTheirOwnSelfRequest()
    {
        await using var server = await DemoServer.StartAsync();
        using var carol = await server.SignInAsync("carol");
        var carolId = await Json.PersonIdAsync(carol, "carol");
        var carols = await CardholderCertificates.OfAsync(carol, carolId);
        var id = (await RecoverySteps.RequestAsync(carol, carolId, SoftCertificate, [carols.Current])).GetProperty("id").GetString()!;

        // Carol holds no CancelRequest: asking for her own keys is what lets her withdraw the request.
        var cancelled = await RecoverySteps.CancelAsync(carol, id, "Found my laptop.");
        Assert.Equal("Cancelled", cancelled.GetProperty("status").GetString());
        Assert.Equal(["Requested", "Cancelled"], RecoverySteps.History(cancelled));
        Assert.Equal("Found my laptop.", cancelled.GetProperty("history")[1].GetProperty("notes").GetString());
    }
}
