using System.Net;
using Keyward.Server.Tests.Infrastructure;

namespace Keyward.Server.Tests.Recovery;

/// <summary>docs/recovery.md#requesting: self-service requests need the system option Allow self requests; a new request awaits validation.</summary>
public sealed class SelfRequestTests
{
    [Fact]
    public async Task SelfRequest_WithAllowSelfRequestsOff_IsRefused_AndWithItOn_StartsAwaitingValidation()
    {
        await using var server = await DemoServer.StartAsync();
        using var refusals = await Refusals.OnAsync(server);
        using var carol = await server.SignInAsync("carol");
        var carolId = await Json.PersonIdAsync(refusals.Admin, "carol");
        var carols = await CardholderCertificates.OfAsync(carol, carolId);

        await DemoChanges.AllowSelfRequestsAsync(server, allow: false);
        foreach (var profile in new[] { "Key Recovery - Soft Certificate", "Key Recovery - System Store", "Key Recovery - Smart Card" })
        {
            await refusals.NoRequestAsync(carolId, () => RecoverySteps.PostRequestAsync(carol, carolId, profile, [carols.Current]), HttpStatusCode.Forbidden, "recovery.self_requests_disabled");
        }

        await DemoChanges.AllowSelfRequestsAsync(server, allow: true);
        var request = await RecoverySteps.RequestAsync(carol, carolId, "Key Recovery - Soft Certificate", [carols.Current]);
        Assert.Equal("AwaitingValidation", request.GetProperty("status").GetString());
        Assert.Equal(carolId, request.GetProperty("requestedBy").GetString());
        Assert.Equal(1, request.GetProperty("approvalsRequired").GetInt32());
        Assert.Empty(request.GetProperty("approvals").EnumerateArray());
        Assert.Equal(["Requested"], RecoverySteps.History(request));

        // With m-of-n: the profile's approvals are fixed on the request.
        var dual = await RecoverySteps.RequestAsync(carol, carolId, "Key Recovery - Dual Control", [carols.Expired]);
        Assert.Equal("AwaitingValidation", dual.GetProperty("status").GetString());
        Assert.Equal(2, dual.GetProperty("approvalsRequired").GetInt32());
    }

    [Fact]
    public async Task SelfUpdateOfOnesOwnCard_DoesNotNeedAllowSelfRequests()
    {
        await using var server = await DemoServer.StartAsync();
        using var carol = await server.SignInAsync("carol");
        var carolId = await Json.PersonIdAsync(carol, "carol");
        var carols = await CardholderCertificates.OfAsync(carol, carolId);
        var card = await RecoverySteps.DeviceIdAsync(carol, carolId, "DEMO-CARD-CAROL");

        // Allow self requests governs requests to a new device; an update of one's own issued card is the "My" path.
        await DemoChanges.AllowSelfRequestsAsync(server, allow: false);
        using var response = await RecoverySteps.PostDeviceUpdateAsync(carol, card, null, [carols.Current, carols.Expired]);
        var request = await Json.ReadAsync(response, HttpStatusCode.Created);
        Assert.Equal(("DeviceUpdate", "AwaitingValidation"), (request.GetProperty("kind").GetString(), request.GetProperty("status").GetString()));
    }
}
