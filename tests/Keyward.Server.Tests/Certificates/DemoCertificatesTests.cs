using System.Text.Json;
using Keyward.Server.Demo;
using Keyward.Server.Tests.Infrastructure;

namespace Keyward.Server.Tests.Certificates;

/// <summary>The demo's certificates and cards (docs/demo.md#certificates-and-cards), as an administrator sees them through the API.</summary>
public sealed class DemoCertificatesTests(DemoServerFixture fixture) : IClassFixture<DemoServerFixture>
{
    private DemoServer Server => fixture.Server;

    [Fact]
    public async Task CertificatePolicies_Demo_EncryptionArchivesAndSigningDoesNot()
    {
        using var admin = await Server.SignInAsync("admin");

        var policies = (await Json.GetAsync(admin, "/api/certificatePolicies")).EnumerateArray()
            .ToDictionary(p => p.GetProperty("name").GetString()!, p => p);

        Assert.Equal([DemoOrganisation.EncryptionPolicy, DemoOrganisation.SigningPolicy], policies.Keys.Order(StringComparer.Ordinal));
        var encryption = policies[DemoOrganisation.EncryptionPolicy];
        Assert.Equal(("Rsa2048", "Encryption", true), (encryption.GetProperty("keyAlgorithm").GetString(), encryption.GetProperty("keyUsage").GetString(), encryption.GetProperty("archiveKeys").GetBoolean()));
        var signing = policies[DemoOrganisation.SigningPolicy];
        Assert.Equal(("Rsa2048", "Signing", false), (signing.GetProperty("keyAlgorithm").GetString(), signing.GetProperty("keyUsage").GetString(), signing.GetProperty("archiveKeys").GetBoolean()));
    }

    [Theory]
    [InlineData("carol")]
    [InlineData("dave")]
    [InlineData("erin")]
    public async Task Certificates_CardholderAsAdmin_ThreeArchivedEncryptionAndOneSigning(string logonName)
    {
        using var admin = await Server.SignInAsync("admin");
        var person = await Json.PersonIdAsync(admin, logonName);

        var certificates = await CertificateApi.ListAsync(admin, person);

        Assert.Equal(4, certificates.Count);
        var encryption = certificates.Where(c => CertificateApi.KeyUsage(c) == "Encryption").ToList();
        Assert.Equal(["Expired", "Issued", "Revoked"], encryption.Select(CertificateApi.Status).Order(StringComparer.Ordinal));
        Assert.All(encryption, c => Assert.Equal((DemoOrganisation.EncryptionPolicy, true), (CertificateApi.Policy(c), CertificateApi.Archived(c))));
        var signing = Assert.Single(certificates, c => CertificateApi.KeyUsage(c) == "Signing");
        Assert.Equal((DemoOrganisation.SigningPolicy, false, "Issued"), (CertificateApi.Policy(signing), CertificateApi.Archived(signing), CertificateApi.Status(signing)));
        Assert.All(certificates, c => Assert.Equal((person, "CN=Keyward Issuing CA"), (c.GetProperty("ownerId").GetString(), c.GetProperty("issuer").GetString())));
    }

    [Fact]
    public async Task Certificates_ExpiredOne_IsPastItsNotAfterAtTheServersClock()
    {
        using var admin = await Server.SignInAsync("admin");
        var carol = await Json.PersonIdAsync(admin, "carol");
        var now = Server.Clock.GetUtcNow().UtcDateTime;

        var certificates = await CertificateApi.ListAsync(admin, carol);

        Assert.All(certificates.Where(c => CertificateApi.Status(c) == "Expired"), c => Assert.True(c.GetProperty("notAfter").GetDateTime() < now));
        Assert.All(certificates.Where(c => CertificateApi.Status(c) == "Issued"), c => Assert.True(c.GetProperty("notAfter").GetDateTime() > now));
    }

    [Theory]
    [InlineData("carol", "DEMO-CARD-CAROL")]
    [InlineData("dave", "DEMO-CARD-DAVE")]
    public async Task SmartCard_Cardholder_CarriesExactlyHerCurrentEncryptionAndSigningCertificates(string logonName, string serial)
    {
        using var admin = await Server.SignInAsync("admin");
        var person = await Json.PersonIdAsync(admin, logonName);

        var devices = (await Json.GetAsync(admin, $"/api/people/{person}/devices")).GetProperty("results").EnumerateArray().ToList();
        var certificates = await CertificateApi.ListAsync(admin, person);

        var card = Assert.Single(devices);
        Assert.Equal((serial, "SmartCard"), (card.GetProperty("serialNumber").GetString(), card.GetProperty("type").GetString()));
        var onCard = certificates.Where(c => c.GetProperty("deviceId").GetString() == card.GetProperty("id").GetString()).ToList();
        Assert.Equal(2, onCard.Count);
        Assert.Contains(onCard, c => (CertificateApi.KeyUsage(c), CertificateApi.Status(c), CertificateApi.Archived(c)) == ("Encryption", "Issued", true));
        Assert.Contains(onCard, c => (CertificateApi.KeyUsage(c), CertificateApi.Status(c), CertificateApi.Archived(c)) == ("Signing", "Issued", false));
        Assert.All(certificates.Except(onCard), c => Assert.Equal(JsonValueKind.Null, c.GetProperty("deviceId").ValueKind));
    }

    [Fact]
    public async Task Erin_Disabled_StillHoldsHerFourCertificatesAndNoCard()
    {
        using var admin = await Server.SignInAsync("admin");
        var erin = await Json.PersonIdAsync(admin, "erin");

        var person = await Json.GetAsync(admin, $"/api/people/{erin}");

        Assert.False(person.GetProperty("enabled").GetBoolean());
        Assert.Equal(4, (await CertificateApi.ListAsync(admin, erin)).Count);
        Assert.Equal(0, (await Json.GetAsync(admin, $"/api/people/{erin}/devices")).GetProperty("total").GetInt32());
    }

    [Theory]
    [InlineData("vera")]
    [InlineData("olivia")]
    [InlineData("victor")]
    [InlineData("admin")]
    public async Task Certificates_PeopleWhoAreNotCardholders_None(string logonName)
    {
        using var admin = await Server.SignInAsync("admin");
        var person = await Json.PersonIdAsync(admin, logonName);

        Assert.Empty(await CertificateApi.ListAsync(admin, person));
    }
}
