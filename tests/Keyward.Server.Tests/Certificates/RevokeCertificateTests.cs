using System.Net;
using Keyward.Server.Tests.Infrastructure;

namespace Keyward.Server.Tests.Certificates;

/// <summary><c>POST /api/certificates/{id}/revoke</c>: revokes once, lists the serial in the CRL; the archived key stays recoverable.</summary>
public sealed class RevokeCertificateTests(DemoServerFixture fixture) : IClassFixture<DemoServerFixture>
{
    private DemoServer Server => fixture.Server;

    [Fact]
    public async Task Revoke_CarolsCurrentEncryptionCertificate_RevokedOnceAndStillArchived()
    {
        using var admin = await Server.SignInAsync("admin");
        var carol = await Json.PersonIdAsync(admin, "carol");
        var current = (await CertificateApi.ListAsync(admin, carol)).Single(c => CertificateApi.KeyUsage(c) == "Encryption" && CertificateApi.Status(c) == "Issued");
        var id = CertificateApi.Id(current);

        using (var response = await CertificateApi.RevokeAsync(admin, id, "KeyCompromise"))
        {
            var revoked = await Json.ReadAsync(response, HttpStatusCode.OK);
            Assert.Equal((id, "Revoked", true), (CertificateApi.Id(revoked), CertificateApi.Status(revoked), CertificateApi.Archived(revoked)));
        }

        await CertificateApi.AssertRefusedAsync(Server, admin, carol, () => CertificateApi.RevokeAsync(admin, id), HttpStatusCode.Conflict, "certificates.already_revoked", "certificates.revoke");

        var (view, certificate) = await CertificateApi.GetAsync(admin, id);
        certificate.Dispose();
        Assert.Equal(("Revoked", true), (CertificateApi.Status(view), CertificateApi.Archived(view)));
        var listed = Assert.Single(await CertificateApi.ListAsync(admin, carol), c => CertificateApi.Id(c) == id);
        Assert.Equal(("Revoked", true), (CertificateApi.Status(listed), CertificateApi.Archived(listed)));
        Assert.Contains(current.GetProperty("serialNumber").GetString()!, await CrlTextAsync(), StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task Revoke_CertificateOfErinWhoIsDisabled_RevokedAndListedInTheCrl()
    {
        using var admin = await Server.SignInAsync("admin");
        var erin = await Json.PersonIdAsync(admin, "erin");
        var current = (await CertificateApi.ListAsync(admin, erin)).Single(c => CertificateApi.KeyUsage(c) == "Signing");

        // Disabling a leaver and then revoking what they hold is the usual way out: revoking gives them nothing.
        using var response = await CertificateApi.RevokeAsync(admin, CertificateApi.Id(current), "CessationOfOperation");

        Assert.Equal("Revoked", CertificateApi.Status(await Json.ReadAsync(response, HttpStatusCode.OK)));
        Assert.Contains(current.GetProperty("serialNumber").GetString()!, await CrlTextAsync(), StringComparison.OrdinalIgnoreCase);
    }

    // Finding 5 (leaks that a record exists): olivia, who may not revoke, was told 403 about any certificate that
    // exists and 404 about an unknown id, so she could tell which certificate ids exist outside her scope.
    [Fact]
    public async Task Revoke_CertificateOfSomeoneTheCallerCannotSee_AnswersExactlyAsForAnUnknownCertificate()
    {
        using var admin = await Server.SignInAsync("admin");
        using var olivia = await Server.SignInAsync("olivia");
        var dave = await Json.PersonIdAsync(admin, "dave");
        var daves = CertificateApi.Id((await CertificateApi.ListAsync(admin, dave)).First(c => CertificateApi.Status(c) != "Revoked"));

        var hidden = await CertificateApi.AssertRefusedAsync(Server, admin, dave, () => CertificateApi.RevokeAsync(olivia, daves, "KeyCompromise"), HttpStatusCode.NotFound, "certificates.not_found", "certificates.revoke", actor: "olivia");
        var unknown = await CertificateApi.AssertRefusedAsync(Server, admin, dave, () => CertificateApi.RevokeAsync(olivia, Guid.NewGuid().ToString("N"), "KeyCompromise"), HttpStatusCode.NotFound, "certificates.not_found", "certificates.revoke", actor: "olivia");

        Assert.Equal(unknown, hidden);
        var (view, certificate) = await CertificateApi.GetAsync(admin, daves);
        certificate.Dispose();
        Assert.NotEqual("Revoked", CertificateApi.Status(view));
    }

    [Fact]
    public async Task Revoke_AsOliviaWhoSeesTheHolderButMayNotIssue_RefusedForbidden()
    {
        using var admin = await Server.SignInAsync("admin");
        using var olivia = await Server.SignInAsync("olivia");
        var carol = await Json.PersonIdAsync(admin, "carol");
        var carols = CertificateApi.Id((await CertificateApi.ListAsync(admin, carol)).First(c => CertificateApi.Status(c) != "Revoked"));

        // Carol is in olivia's division: saying "forbidden" tells olivia nothing she cannot read herself.
        await CertificateApi.AssertRefusedAsync(Server, admin, carol, () => CertificateApi.RevokeAsync(olivia, carols), HttpStatusCode.Forbidden, "certificates.forbidden", "certificates.revoke", actor: "olivia");
    }

    /// <summary>The current CRL as openssl prints it.</summary>
    private async Task<string> CrlTextAsync()
    {
        using var openssl = new Openssl();
        using var response = await Server.Client.GetAsync(new Uri("/ca/crl", UriKind.Relative));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var crl = openssl.Write("crl.der", await response.Content.ReadAsByteArrayAsync());
        return await openssl.RunAsync("crl", "-inform", "DER", "-in", crl, "-noout", "-text");
    }
}
