using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using Keyward.Scopes;
using Keyward.Server.Demo;
using Keyward.Server.Tests.Infrastructure;
using Keyward.Server.Tests.Recovery;

namespace Keyward.Server.Tests.Certificates;

/// <summary>
/// <c>POST /api/people/{id}/certificates/import</c>: a PFX from another CA goes into the archive once; every
/// file that cannot be archived is refused with a code a person can act on, changes nothing, and is audited.
/// </summary>
public sealed class ImportCertificateTests(DemoServerFixture fixture) : IClassFixture<DemoServerFixture>
{
    private const string Action = "certificates.import";

    private DemoServer Server => fixture.Server;

    [Fact]
    public async Task Import_EncryptionPfxFromAnotherCa_ArchivedOnceThenRefusedAsDuplicate()
    {
        using var admin = await Server.SignInAsync("admin");
        var carol = await Json.PersonIdAsync(admin, "carol");
        using var key = TestKeys.Holder();
        using var certificate = OtherCa.Issue(key, X509KeyUsageFlags.KeyEncipherment);
        var pfx = OtherCa.Pfx(certificate, key);

        using var response = await CertificateApi.ImportAsync(admin, carol, DemoOrganisation.EncryptionPolicy, pfx, OtherCa.Password);

        var imported = await Json.ReadAsync(response, HttpStatusCode.Created);
        Assert.Equal((true, DemoOrganisation.EncryptionPolicy, "Encryption"), (CertificateApi.Archived(imported), CertificateApi.Policy(imported), CertificateApi.KeyUsage(imported)));
        Assert.Equal(certificate.Issuer, imported.GetProperty("issuer").GetString());
        Assert.Equal(certificate.SerialNumber, imported.GetProperty("serialNumber").GetString(), ignoreCase: true);
        var listed = Assert.Single(await CertificateApi.ListAsync(admin, carol), c => CertificateApi.Id(c) == CertificateApi.Id(imported));
        Assert.Equal((true, "Issued"), (CertificateApi.Archived(listed), CertificateApi.Status(listed)));
        var (_, stored) = await CertificateApi.GetAsync(admin, CertificateApi.Id(imported));
        using (stored)
        {
            Assert.Equal(certificate.RawData, stored.RawData);
        }

        await CertificateApi.AssertRefusedAsync(Server, admin, carol, () => CertificateApi.ImportAsync(admin, carol, DemoOrganisation.EncryptionPolicy, pfx, OtherCa.Password), HttpStatusCode.Conflict, "certificates.import_duplicate", Action);
    }

    // Finding 5 (leaks that a record exists): a thumbprint is unique, so importing a certificate twice is refused
    // whoever asks; only a caller who may see the recorded certificate is told which one it is and whose.
    [Fact]
    public async Task Import_DuplicateOfACertificateTheCallerCannotSee_DoesNotSayWhichOrWhose()
    {
        await DemoChanges.GrantAsync(Server, "olivia", "Finance issuer", Scope.Division, Operation.IssueCertificate);
        using var admin = await Server.SignInAsync("admin");
        using var olivia = await Server.SignInAsync("olivia");
        var dave = await Json.PersonIdAsync(admin, "dave");
        var carol = await Json.PersonIdAsync(admin, "carol");
        using var key = TestKeys.Holder();
        using var certificate = OtherCa.Issue(key, X509KeyUsageFlags.KeyEncipherment, "CN=Dave, OU=Engineering, DC=corp, DC=example");
        var pfx = OtherCa.Pfx(certificate, key);
        using var archived = await CertificateApi.ImportAsync(admin, dave, DemoOrganisation.EncryptionPolicy, pfx, OtherCa.Password);
        var daves = CertificateApi.Id(await Json.ReadAsync(archived, HttpStatusCode.Created));

        // Olivia issues for Finance; dave is in Engineering.
        var hidden = await CertificateApi.AssertRefusedAsync(Server, admin, carol, () => CertificateApi.ImportAsync(olivia, carol, DemoOrganisation.EncryptionPolicy, pfx, OtherCa.Password), HttpStatusCode.Conflict, "certificates.import_duplicate", Action, actor: "olivia");
        using (var page = await Server.Client.GetAsync(new Uri("/errors/certificates.import_duplicate", UriKind.Relative)))
        {
            var generic = (await Json.ReadAsync(page, HttpStatusCode.OK)).GetProperty("detail").GetString()!;
            Assert.Contains(JsonEncodedText.Encode(generic).ToString(), hidden, StringComparison.Ordinal);
        }

        Assert.DoesNotContain(daves, hidden, StringComparison.Ordinal);
        Assert.DoesNotContain(dave, hidden, StringComparison.Ordinal);
        Assert.DoesNotContain("dave", hidden, StringComparison.OrdinalIgnoreCase);

        // The administrator sees every certificate, so the answer names the one on record.
        var seen = await CertificateApi.AssertRefusedAsync(Server, admin, carol, () => CertificateApi.ImportAsync(admin, carol, DemoOrganisation.EncryptionPolicy, pfx, OtherCa.Password), HttpStatusCode.Conflict, "certificates.import_duplicate", Action);
        Assert.Contains($"certificate {daves} of dave", seen, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Import_WrongPassword_RefusedUnreadable()
    {
        using var admin = await Server.SignInAsync("admin");
        var carol = await Json.PersonIdAsync(admin, "carol");
        using var key = TestKeys.Holder();
        using var certificate = OtherCa.Issue(key, X509KeyUsageFlags.KeyEncipherment);
        var pfx = OtherCa.Pfx(certificate, key);

        await CertificateApi.AssertRefusedAsync(Server, admin, carol, () => CertificateApi.ImportAsync(admin, carol, DemoOrganisation.EncryptionPolicy, pfx, "not-the-password"), HttpStatusCode.BadRequest, "certificates.import_unreadable", Action);
    }

    [Fact]
    public async Task Import_KeyBagOfAnotherKeyPairedWithTheCertificate_RefusedKeyMismatch()
    {
        using var admin = await Server.SignInAsync("admin");
        var carol = await Json.PersonIdAsync(admin, "carol");
        using var key = TestKeys.Holder();
        using var otherKey = TestKeys.Another();
        using var certificate = OtherCa.Issue(key, X509KeyUsageFlags.KeyEncipherment);
        var pfx = OtherCa.PfxWithAnotherKey(certificate, otherKey);

        // .NET's PKCS#12 loader pairs the key bag with the certificate bag by their shared localKeyId without
        // checking the key, so the certificate arrives "with" a private key and the import's own comparison of
        // the two public keys is what refuses it.
        await CertificateApi.AssertRefusedAsync(Server, admin, carol, () => CertificateApi.ImportAsync(admin, carol, DemoOrganisation.EncryptionPolicy, pfx, OtherCa.Password), HttpStatusCode.BadRequest, "certificates.import_key_mismatch", Action);
    }

    [Fact]
    public async Task Import_SigningOnlyCertificate_RefusedSigningOnly()
    {
        using var admin = await Server.SignInAsync("admin");
        var carol = await Json.PersonIdAsync(admin, "carol");
        using var key = TestKeys.Holder();
        using var certificate = OtherCa.Issue(key, X509KeyUsageFlags.DigitalSignature);
        var pfx = OtherCa.Pfx(certificate, key);

        await CertificateApi.AssertRefusedAsync(Server, admin, carol, () => CertificateApi.ImportAsync(admin, carol, DemoOrganisation.EncryptionPolicy, pfx, OtherCa.Password), HttpStatusCode.BadRequest, "certificates.import_signing_only", Action);
    }

    [Fact]
    public async Task Import_CertificateWithoutKey_RefusedNoPrivateKey()
    {
        using var admin = await Server.SignInAsync("admin");
        var carol = await Json.PersonIdAsync(admin, "carol");
        using var key = TestKeys.Holder();
        using var certificate = OtherCa.Issue(key, X509KeyUsageFlags.KeyEncipherment);
        var pfx = OtherCa.PfxWithoutKey(certificate);

        await CertificateApi.AssertRefusedAsync(Server, admin, carol, () => CertificateApi.ImportAsync(admin, carol, DemoOrganisation.EncryptionPolicy, pfx, OtherCa.Password), HttpStatusCode.BadRequest, "certificates.import_no_private_key", Action);
    }

    [Fact]
    public async Task Import_EcP256KeyIntoRsa2048Policy_RefusedUnsupportedKey()
    {
        using var admin = await Server.SignInAsync("admin");
        var carol = await Json.PersonIdAsync(admin, "carol");
        using var key = ECDiffieHellman.Create(ECCurve.NamedCurves.nistP256);
        using var certificate = OtherCa.Issue(key, X509KeyUsageFlags.KeyAgreement);
        var pfx = OtherCa.Pfx(certificate, key);

        // An EC P-256 encryption key is archivable, but not under a policy that says RSA-2048.
        await CertificateApi.AssertRefusedAsync(Server, admin, carol, () => CertificateApi.ImportAsync(admin, carol, DemoOrganisation.EncryptionPolicy, pfx, OtherCa.Password), HttpStatusCode.BadRequest, "certificates.import_unsupported_key", Action);
    }

    [Fact]
    public async Task Import_IntoSigningPolicy_RefusedSigningKeyArchival()
    {
        using var admin = await Server.SignInAsync("admin");
        var carol = await Json.PersonIdAsync(admin, "carol");
        using var key = TestKeys.Holder();
        using var certificate = OtherCa.Issue(key, X509KeyUsageFlags.KeyEncipherment);
        var pfx = OtherCa.Pfx(certificate, key);

        await CertificateApi.AssertRefusedAsync(Server, admin, carol, () => CertificateApi.ImportAsync(admin, carol, DemoOrganisation.SigningPolicy, pfx, OtherCa.Password), HttpStatusCode.BadRequest, "certificates.signing_key_archival", Action);
    }
}
