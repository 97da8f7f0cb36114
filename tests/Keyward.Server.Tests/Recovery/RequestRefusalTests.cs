using System.Net;
using Keyward.Profiles;
using Keyward.Server.Tests.Infrastructure;

namespace Keyward.Server.Tests.Recovery;

/// <summary>
/// The requesting rules of docs/recovery.md#requesting through <c>POST /api/people/{id}/requests</c>: each refusal answers its own code, opens
/// no request, records no device and is audited. The tests share one demo server: a refusal changes nothing but
/// the audit trail, and the few requests opened here use certificates no other test names.
/// </summary>
public sealed class RequestRefusalTests(DemoServerFixture fixture) : IClassFixture<DemoServerFixture>
{
    private const string SoftCertificate = "Key Recovery - Soft Certificate";

    private DemoServer Server => fixture.Server;

    // The operation, with the person in scope.
    [Fact]
    public async Task RequestingForSomeoneElse_WithoutRecoverCertificatesToNewDevice_IsForbidden()
    {
        using var refusals = await Refusals.OnAsync(Server);
        using var carol = await Server.SignInAsync("carol");
        using var vera = await Server.SignInAsync("vera");
        using var victor = await Server.SignInAsync("victor");
        var dave = await Json.PersonIdAsync(refusals.Admin, "dave");
        var carolId = await Json.PersonIdAsync(refusals.Admin, "carol");
        var daves = await CardholderCertificates.OfAsync(refusals.Admin, dave);
        var carols = await CardholderCertificates.OfAsync(refusals.Admin, carolId);

        // A cardholder asks for someone else's keys: self-service does not reach other people.
        var detail = await refusals.NoRequestAsync(dave, () => RecoverySteps.PostRequestAsync(carol, dave, SoftCertificate, [daves.Current]), HttpStatusCode.Forbidden, "recovery.forbidden");
        Assert.Contains("RecoverCertificatesToNewDevice", detail, StringComparison.Ordinal);

        // Validators see the person but may not ask for their keys.
        await refusals.NoRequestAsync(dave, () => RecoverySteps.PostRequestAsync(vera, dave, SoftCertificate, [daves.Current]), HttpStatusCode.Forbidden, "recovery.forbidden");
        await refusals.NoRequestAsync(carolId, () => RecoverySteps.PostRequestAsync(victor, carolId, SoftCertificate, [carols.Current]), HttpStatusCode.Forbidden, "recovery.forbidden");
    }

    [Fact]
    public async Task RequestingForSomeoneOutsideTheOperatorsScope_AnswersPersonNotFound()
    {
        using var refusals = await Refusals.OnAsync(Server);
        using var olivia = await Server.SignInAsync("olivia");
        var dave = await Json.PersonIdAsync(refusals.Admin, "dave");
        var daves = await CardholderCertificates.OfAsync(refusals.Admin, dave);

        // Olivia operates for Finance and below; dave is in Engineering. The answer is the one for nobody at all.
        await refusals.NoRequestAsync(dave, () => RecoverySteps.PostRequestAsync(olivia, dave, SoftCertificate, [daves.Current]), HttpStatusCode.NotFound, "people.not_found");
        await refusals.NoRequestAsync("0000000000000000000000000000dead", () => RecoverySteps.PostRequestAsync(olivia, "0000000000000000000000000000dead", SoftCertificate, [daves.Current]), HttpStatusCode.NotFound, "people.not_found");
    }

    [Fact]
    public async Task RequestingWithAProfileWhoseCanRequestListLacksTheOperatorsRole_IsRefused()
    {
        using var refusals = await Refusals.OnAsync(Server);
        using var olivia = await Server.SignInAsync("olivia");
        var profile = await DemoChanges.AddProfileAsync(Server, "Administrators request only", (s, roles) => s with { CanRequest = [roles["Administrator"]] });
        var carolId = await Json.PersonIdAsync(olivia, "carol");
        var carols = await CardholderCertificates.OfAsync(olivia, carolId);

        var detail = await refusals.NoRequestAsync(carolId, () => RecoverySteps.PostRequestAsync(olivia, carolId, profile, [carols.Expired]), HttpStatusCode.Forbidden, "recovery.cannot_request");
        Assert.Contains("Administrators request only", detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RequestingForAPersonWithNoRoleOnCanReceive_IsRefused()
    {
        using var refusals = await Refusals.OnAsync(Server);
        using var olivia = await Server.SignInAsync("olivia");
        var profile = await DemoChanges.AddProfileAsync(Server, "Operators receive only", (s, roles) => s with { CanReceive = [roles["Administrator"], roles["Recovery Operator"]] });
        var carolId = await Json.PersonIdAsync(olivia, "carol");
        var carols = await CardholderCertificates.OfAsync(olivia, carolId);

        await refusals.NoRequestAsync(carolId, () => RecoverySteps.PostRequestAsync(olivia, carolId, profile, [carols.Expired]), HttpStatusCode.Forbidden, "recovery.cannot_receive");
    }

    [Fact]
    public async Task RequestingForADisabledPerson_IsRefused()
    {
        using var refusals = await Refusals.OnAsync(Server);
        using var olivia = await Server.SignInAsync("olivia");
        var erin = await Json.PersonIdAsync(olivia, "erin");
        var erins = await CardholderCertificates.OfAsync(olivia, erin);

        await refusals.NoRequestAsync(erin, () => RecoverySteps.PostRequestAsync(olivia, erin, SoftCertificate, [erins.Current]), HttpStatusCode.Forbidden, "recovery.target_disabled");
    }

    [Fact]
    public async Task RequestingWithAnUnknownOrMissingProfile_IsRefused()
    {
        using var refusals = await Refusals.OnAsync(Server);
        using var olivia = await Server.SignInAsync("olivia");
        var carolId = await Json.PersonIdAsync(olivia, "carol");
        var carols = await CardholderCertificates.OfAsync(olivia, carolId);

        await refusals.NoRequestAsync(carolId, () => RecoverySteps.PostRequestAsync(olivia, carolId, "Key Recovery - No Such Profile", [carols.Expired]), HttpStatusCode.BadRequest, "recovery.profile_not_found");
        await refusals.NoRequestAsync(
            carolId,
            () => olivia.PostAsync(new Uri($"/api/people/{carolId}/requests", UriKind.Relative), Json.Body(new { recoverCertificateIds = new[] { carols.Expired } })),
            HttpStatusCode.BadRequest,
            "recovery.profile_not_found");
    }

    [Fact]
    public async Task RequestingWithAProfileNotMarkedKeyRecoveryOnly_IsRefused()
    {
        using var refusals = await Refusals.OnAsync(Server);
        using var olivia = await Server.SignInAsync("olivia");
        var profile = await DemoChanges.AddProfileAsync(Server, "Soft certificates (issuance)", (s, _) => s with { KeyRecoveryOnly = false, ValidateIssuance = false });
        var carolId = await Json.PersonIdAsync(olivia, "carol");
        var carols = await CardholderCertificates.OfAsync(olivia, carolId);

        var detail = await refusals.NoRequestAsync(carolId, () => RecoverySteps.PostRequestAsync(olivia, carolId, profile, [carols.Expired]), HttpStatusCode.BadRequest, "recovery.profile_not_for_recovery");
        Assert.Contains("Soft certificates (issuance)", detail, StringComparison.Ordinal);
    }

    // The certificates.
    [Fact]
    public async Task RequestingNoCertificates_IsRefused()
    {
        using var refusals = await Refusals.OnAsync(Server);
        using var olivia = await Server.SignInAsync("olivia");
        var carolId = await Json.PersonIdAsync(olivia, "carol");

        await refusals.NoRequestAsync(carolId, () => RecoverySteps.PostRequestAsync(olivia, carolId, SoftCertificate, []), HttpStatusCode.BadRequest, "recovery.no_certificates");
        await refusals.NoRequestAsync(
            carolId,
            () => olivia.PostAsync(new Uri($"/api/people/{carolId}/requests", UriKind.Relative), Json.Body(new { credentialProfileId = SoftCertificate })),
            HttpStatusCode.BadRequest,
            "recovery.no_certificates");
    }

    [Fact]
    public async Task RequestingTheSameCertificateTwice_IsRefused()
    {
        using var refusals = await Refusals.OnAsync(Server);
        using var olivia = await Server.SignInAsync("olivia");
        var carolId = await Json.PersonIdAsync(olivia, "carol");
        var carols = await CardholderCertificates.OfAsync(olivia, carolId);

        var detail = await refusals.NoRequestAsync(carolId, () => RecoverySteps.PostRequestAsync(olivia, carolId, SoftCertificate, [carols.Current, carols.Expired, carols.Current]), HttpStatusCode.BadRequest, "recovery.duplicate_certificate");
        Assert.Contains(carols.Current, detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RequestingAnUnknownCertificate_IsRefused()
    {
        using var refusals = await Refusals.OnAsync(Server);
        using var olivia = await Server.SignInAsync("olivia");
        var carolId = await Json.PersonIdAsync(olivia, "carol");
        var carols = await CardholderCertificates.OfAsync(olivia, carolId);
        const string unknown = "00000000000000000000000000000bad";

        var detail = await refusals.NoRequestAsync(carolId, () => RecoverySteps.PostRequestAsync(olivia, carolId, SoftCertificate, [carols.Current, unknown]), HttpStatusCode.BadRequest, "recovery.unknown_certificate");
        Assert.Contains(unknown, detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RequestingAnotherPersonsCertificate_IsRefused()
    {
        using var refusals = await Refusals.OnAsync(Server);
        using var olivia = await Server.SignInAsync("olivia");
        var carolId = await Json.PersonIdAsync(olivia, "carol");
        var carols = await CardholderCertificates.OfAsync(olivia, carolId);
        var daves = await CardholderCertificates.OfAsync(refusals.Admin, await Json.PersonIdAsync(refusals.Admin, "dave"));

        // Dave's certificate in carol's request — whether or not the operator may see dave.
        await refusals.NoRequestAsync(carolId, () => RecoverySteps.PostRequestAsync(olivia, carolId, SoftCertificate, [carols.Current, daves.Current]), HttpStatusCode.BadRequest, "recovery.foreign_certificate");
        await refusals.NoRequestAsync(carolId, () => RecoverySteps.PostRequestAsync(refusals.Admin, carolId, SoftCertificate, [daves.Expired]), HttpStatusCode.BadRequest, "recovery.foreign_certificate");
    }

    [Fact]
    public async Task RequestingACertificateWithoutAnArchivedKey_IsRefused()
    {
        using var refusals = await Refusals.OnAsync(Server);
        using var olivia = await Server.SignInAsync("olivia");
        var carolId = await Json.PersonIdAsync(olivia, "carol");
        var carols = await CardholderCertificates.OfAsync(olivia, carolId);

        // Carol's current signing certificate: issued from her own CSR, its key was never archived.
        await refusals.NoRequestAsync(carolId, () => RecoverySteps.PostRequestAsync(olivia, carolId, SoftCertificate, [carols.Current, carols.Signing]), HttpStatusCode.BadRequest, "recovery.not_archived");
    }

    [Fact]
    public async Task RequestingMoreThanFiftyCertificates_IsRefused()
    {
        using var refusals = await Refusals.OnAsync(Server);
        using var olivia = await Server.SignInAsync("olivia");
        var carolId = await Json.PersonIdAsync(olivia, "carol");
        var carols = await CardholderCertificates.OfAsync(olivia, carolId);
        var many = carols.Archived.Concat(Enumerable.Range(0, 48).Select(i => $"{i:D32}")).ToList();
        Assert.Equal(51, many.Count);

        await refusals.NoRequestAsync(carolId, () => RecoverySteps.PostRequestAsync(olivia, carolId, SoftCertificate, many), HttpStatusCode.BadRequest, "recovery.too_many_certificates");
    }

    [Fact]
    public async Task RequestingACertificateAlreadyInAnOutstandingRequest_IsAConflict()
    {
        using var refusals = await Refusals.OnAsync(Server);
        using var olivia = await Server.SignInAsync("olivia");
        using var carol = await Server.SignInAsync("carol");
        var carolId = await Json.PersonIdAsync(olivia, "carol");
        var carols = await CardholderCertificates.OfAsync(olivia, carolId);

        // The revoked certificate is named by no other test of this class.
        var first = await RecoverySteps.RequestAsync(olivia, carolId, SoftCertificate, [carols.Revoked]);
        Assert.Equal("AwaitingValidation", first.GetProperty("status").GetString());

        await refusals.NoRequestAsync(carolId, () => RecoverySteps.PostRequestAsync(olivia, carolId, "Key Recovery - System Store", [carols.Expired, carols.Revoked]), HttpStatusCode.Conflict, "recovery.already_requested");
        await refusals.NoRequestAsync(carolId, () => RecoverySteps.PostRequestAsync(carol, carolId, SoftCertificate, [carols.Revoked]), HttpStatusCode.Conflict, "recovery.already_requested");
    }
}
