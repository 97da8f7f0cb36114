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

    // The person visible to the caller, then the operation with the person in scope.
    [Fact]
    public async Task RequestingForSomeoneTheCallerSees_WithoutRecoverCertificatesToNewDevice_IsForbidden()
    {
        using var refusals = await Refusals.OnAsync(Server);
        using var vera = await Server.SignInAsync("vera");
        using var victor = await Server.SignInAsync("victor");
        var dave = await Json.PersonIdAsync(refusals.Admin, "dave");
        var carolId = await Json.PersonIdAsync(refusals.Admin, "carol");
        var daves = await CardholderCertificates.OfAsync(refusals.Admin, dave);
        var carols = await CardholderCertificates.OfAsync(refusals.Admin, carolId);

        // Validators see the person but may not ask for their keys: 403 tells them nothing they do not know.
        var detail = await refusals.NoRequestAsync(dave, () => RecoverySteps.PostRequestAsync(vera, dave, SoftCertificate, [daves.Current]), HttpStatusCode.Forbidden, "recovery.forbidden");
        Assert.Contains("RecoverCertificatesToNewDevice", detail, StringComparison.Ordinal);
        await refusals.NoRequestAsync(carolId, () => RecoverySteps.PostRequestAsync(victor, carolId, SoftCertificate, [carols.Current]), HttpStatusCode.Forbidden, "recovery.forbidden");
    }

    // Finding 5 (leaks that a record exists): carol asking for dave's keys was told 403, an unknown id 404.
    [Fact]
    public async Task RequestingForSomeoneTheCallerCannotSee_AnswersExactlyAsForAnUnknownPerson()
    {
        using var refusals = await Refusals.OnAsync(Server);
        using var carol = await Server.SignInAsync("carol");
        using var olivia = await Server.SignInAsync("olivia");
        var dave = await Json.PersonIdAsync(refusals.Admin, "dave");
        var daves = await CardholderCertificates.OfAsync(refusals.Admin, dave);
        const string nobody = "0000000000000000000000000000dead";

        // Carol (a cardholder, scope Self) and olivia (an operator for Finance and below) cannot see dave in
        // Engineering: the answer about him is the one about nobody at all, and nothing is opened.
        foreach (var caller in new[] { carol, olivia })
        {
            var (_, hidden) = await refusals.NoRequestProblemAsync(dave, () => RecoverySteps.PostRequestAsync(caller, dave, SoftCertificate, [daves.Current]), HttpStatusCode.NotFound, "people.not_found");
            var (_, unknown) = await refusals.NoRequestProblemAsync(nobody, () => RecoverySteps.PostRequestAsync(caller, nobody, SoftCertificate, [daves.Current]), HttpStatusCode.NotFound, "people.not_found");
            Assert.Equal(unknown, hidden);
        }
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
        Assert.Equal($"Certificate {unknown} is not one of Carol's certificates.", detail);
    }

    // Finding 5 (leaks that a record exists): someone else's certificate id was answered recovery.foreign_certificate,
    // an id that names no certificate recovery.unknown_certificate, so a request told which ids exist.
    [Fact]
    public async Task RequestingAnotherPersonsCertificate_AnswersExactlyAsForAnUnknownCertificate()
    {
        using var refusals = await Refusals.OnAsync(Server);
        using var olivia = await Server.SignInAsync("olivia");
        var carolId = await Json.PersonIdAsync(olivia, "carol");
        var carols = await CardholderCertificates.OfAsync(olivia, carolId);
        var daves = await CardholderCertificates.OfAsync(refusals.Admin, await Json.PersonIdAsync(refusals.Admin, "dave"));
        const string unknown = "00000000000000000000000000000bad";

        // Dave's certificate in carol's request, whether or not the caller may see dave: the answer is the unknown
        // id's, which differs only by the id the caller sent.
        foreach (var caller in new[] { olivia, refusals.Admin })
        {
            var (_, foreign) = await refusals.NoRequestProblemAsync(carolId, () => RecoverySteps.PostRequestAsync(caller, carolId, SoftCertificate, [carols.Current, daves.Expired]), HttpStatusCode.BadRequest, "recovery.unknown_certificate");
            var (_, nothing) = await refusals.NoRequestProblemAsync(carolId, () => RecoverySteps.PostRequestAsync(caller, carolId, SoftCertificate, [carols.Current, unknown]), HttpStatusCode.BadRequest, "recovery.unknown_certificate");
            Assert.Contains(daves.Expired, foreign, StringComparison.Ordinal);
            Assert.Equal(nothing.Replace(unknown, "{id}", StringComparison.Ordinal), foreign.Replace(daves.Expired, "{id}", StringComparison.Ordinal));
        }
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
