using System.Net;
using Keyward.Devices;
using Keyward.Server.Tests.Certificates;
using Keyward.Server.Tests.Infrastructure;

namespace Keyward.Server.Tests.Recovery;

/// <summary>
/// The requesting rules of docs/recovery.md#requesting for device updates through <c>POST /api/devices/{id}/certificateRecovery</c>: each refusal
/// answers its own code, opens no request, records no device and is audited. The tests share one demo server;
/// what they add (cards, a certificate for olivia) is used by no other test.
/// </summary>
public sealed class DeviceUpdateRefusalTests(DemoServerFixture fixture) : IClassFixture<DemoServerFixture>
{
    private DemoServer Server => fixture.Server;

    [Fact]
    public async Task OperatorAskingToUpdateTheirOwnCard_IsRefused()
    {
        using var refusals = await Refusals.OnAsync(Server);
        using var olivia = await Server.SignInAsync("olivia");
        var oliviaId = await Json.PersonIdAsync(refusals.Admin, "olivia");

        // Olivia holds a card with an archived encryption certificate of her own.
        using var issued = await CertificateApi.IssueAsync(refusals.Admin, oliviaId, "Encryption RSA-2048 (archived)");
        var certificate = (await Json.ReadAsync(issued, HttpStatusCode.Created)).GetProperty("id").GetString()!;
        var card = await DemoChanges.AddCardAsync(Server, "olivia", "OLIVIA-CARD-1", DeviceStatus.Active, certificate);

        var detail = await refusals.NoRequestAsync(oliviaId, () => RecoverySteps.PostDeviceUpdateAsync(olivia, card, null, [certificate]), HttpStatusCode.Forbidden, "recovery.own_device");
        Assert.Contains("self-service", detail, StringComparison.OrdinalIgnoreCase);

        // Nothing else is wrong with it: another operator may ask for the same update.
        using var byAdmin = await RecoverySteps.PostDeviceUpdateAsync(refusals.Admin, card, null, [certificate]);
        var request = await Json.ReadAsync(byAdmin, HttpStatusCode.Created);
        Assert.Equal("DeviceUpdate", request.GetProperty("kind").GetString());
    }

    [Fact]
    public async Task DeviceUpdate_WithoutRecoverCertificates_IsForbidden()
    {
        using var refusals = await Refusals.OnAsync(Server);
        using var vera = await Server.SignInAsync("vera");
        var dave = await Json.PersonIdAsync(vera, "dave");
        var card = await RecoverySteps.DeviceIdAsync(vera, dave, "DEMO-CARD-DAVE");
        var daves = await CardholderCertificates.OfAsync(vera, dave);

        // Vera sees dave's card but validates only.
        var detail = await refusals.NoRequestAsync(dave, () => RecoverySteps.PostDeviceUpdateAsync(vera, card, null, [daves.Current]), HttpStatusCode.Forbidden, "recovery.forbidden");
        Assert.Contains("RecoverCertificates", detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task DeviceUpdateWithASoftCertificateProfile_IsRefused()
    {
        using var refusals = await Refusals.OnAsync(Server);
        using var olivia = await Server.SignInAsync("olivia");
        var carolId = await Json.PersonIdAsync(olivia, "carol");
        var card = await RecoverySteps.DeviceIdAsync(olivia, carolId, "DEMO-CARD-CAROL");
        var carols = await CardholderCertificates.OfAsync(olivia, carolId);

        foreach (var profile in new[] { "Key Recovery - Soft Certificate", "Key Recovery - System Store" })
        {
            await refusals.NoRequestAsync(carolId, () => RecoverySteps.PostDeviceUpdateAsync(olivia, card, profile, [carols.Current]), HttpStatusCode.BadRequest, "recovery.profile_mismatch");
        }
    }

    [Fact]
    public async Task DeviceUpdateOfALostCard_IsRefused()
    {
        using var refusals = await Refusals.OnAsync(Server);
        using var olivia = await Server.SignInAsync("olivia");
        var carolId = await Json.PersonIdAsync(olivia, "carol");
        var carols = await CardholderCertificates.OfAsync(olivia, carolId);
        var lost = await DemoChanges.AddCardAsync(Server, "carol", "CAROL-LOST-CARD", DeviceStatus.Lost);

        var detail = await refusals.NoRequestAsync(carolId, () => RecoverySteps.PostDeviceUpdateAsync(olivia, lost, null, [carols.Expired]), HttpStatusCode.Conflict, "recovery.device_not_updatable");
        Assert.Contains("Lost", detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task DeviceUpdateOfADamagedCardOrASoftCertificatePackage_IsRefused()
    {
        using var refusals = await Refusals.OnAsync(Server);
        using var olivia = await Server.SignInAsync("olivia");
        var carolId = await Json.PersonIdAsync(olivia, "carol");
        var carols = await CardholderCertificates.OfAsync(olivia, carolId);
        var damaged = await DemoChanges.AddCardAsync(Server, "carol", "CAROL-DAMAGED-CARD", DeviceStatus.Damaged);
        var package = await DemoChanges.AddDeviceAsync(Server, "carol", DeviceType.SoftCertificatePackage, "PFX-CAROL-OLD", DeviceStatus.Active);

        await refusals.NoRequestAsync(carolId, () => RecoverySteps.PostDeviceUpdateAsync(olivia, damaged, null, [carols.Expired]), HttpStatusCode.Conflict, "recovery.device_not_updatable");
        var detail = await refusals.NoRequestAsync(carolId, () => RecoverySteps.PostDeviceUpdateAsync(olivia, package, null, [carols.Expired]), HttpStatusCode.Conflict, "recovery.device_not_updatable");
        Assert.Contains("SoftCertificatePackage", detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task DeviceUpdateOfACardTheCallerCannotSee_AnswersExactlyAsForAnUnknownCard()
    {
        using var refusals = await Refusals.OnAsync(Server);
        using var olivia = await Server.SignInAsync("olivia");
        using var carol = await Server.SignInAsync("carol");
        var dave = await Json.PersonIdAsync(refusals.Admin, "dave");
        var card = await RecoverySteps.DeviceIdAsync(refusals.Admin, dave, "DEMO-CARD-DAVE");
        var daves = await CardholderCertificates.OfAsync(refusals.Admin, dave);

        // Dave's card is in Engineering, beyond olivia's Finance division and carol's Self scope: the same answer
        // as for no card at all.
        foreach (var caller in new[] { olivia, carol })
        {
            var (_, hidden) = await refusals.NoRequestProblemAsync(dave, () => RecoverySteps.PostDeviceUpdateAsync(caller, card, null, [daves.Current]), HttpStatusCode.NotFound, "recovery.device_not_found");
            var (_, unknown) = await refusals.NoRequestProblemAsync(dave, () => RecoverySteps.PostDeviceUpdateAsync(caller, "0000000000000000000000000000cafe", null, [daves.Current]), HttpStatusCode.NotFound, "recovery.device_not_found");
            Assert.Equal(unknown, hidden);
        }
    }
}
