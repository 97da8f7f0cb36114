using System.Formats.Asn1;
using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Keyward.Server.Demo;
using Keyward.Server.Tests.Infrastructure;

namespace Keyward.Server.Tests.Certificates;

/// <summary>
/// <c>POST /api/people/{id}/certificates</c>: an archiving policy makes the key on the server, a signing policy
/// certifies the holder's CSR; every refusal changes nothing and is audited. The tests share one server and
/// only ever add certificates, so each compares before and after itself.
/// </summary>
public sealed class IssueCertificateTests(DemoServerFixture fixture) : IClassFixture<DemoServerFixture>
{
    private const string Action = "certificates.issue";

    private DemoServer Server => fixture.Server;

    [Fact]
    public async Task Issue_EncryptionPolicyAsAdmin_CreatesACertificateWithItsKeyArchived()
    {
        using var admin = await Server.SignInAsync("admin");
        var carol = await Json.PersonIdAsync(admin, "carol");
        var before = (await CertificateApi.ListAsync(admin, carol)).Count;

        using var response = await CertificateApi.IssueAsync(admin, carol, DemoOrganisation.EncryptionPolicy);

        var issued = await Json.ReadAsync(response, HttpStatusCode.Created);
        Assert.Equal((true, DemoOrganisation.EncryptionPolicy, "Encryption", "Issued", carol), (CertificateApi.Archived(issued), CertificateApi.Policy(issued), CertificateApi.KeyUsage(issued), CertificateApi.Status(issued), issued.GetProperty("ownerId").GetString()));
        Assert.Equal($"/api/certificates/{CertificateApi.Id(issued)}", response.Headers.Location?.OriginalString);
        var listed = Assert.Single(await CertificateApi.ListAsync(admin, carol), c => CertificateApi.Id(c) == CertificateApi.Id(issued));
        Assert.True(CertificateApi.Archived(listed));
        Assert.Equal(before + 1, (await CertificateApi.ListAsync(admin, carol)).Count);
        var (_, certificate) = await CertificateApi.GetAsync(admin, CertificateApi.Id(issued));
        using (certificate)
        {
            Assert.Equal(2048, certificate.GetRSAPublicKey()!.KeySize);
            Assert.Equal(X509KeyUsageFlags.KeyEncipherment, certificate.Extensions.OfType<X509KeyUsageExtension>().Single().KeyUsages);
            Assert.False(certificate.HasPrivateKey);
        }
    }

    [Fact]
    public async Task Issue_SigningPolicyWithCsr_CertifiesTheRequestsKeyWithoutArchivingIt()
    {
        using var admin = await Server.SignInAsync("admin");
        var carol = await Json.PersonIdAsync(admin, "carol");
        using var holderKey = TestKeys.Holder();
        var csr = CertificateApi.Pem(CertificateApi.RsaRequest(holderKey));

        using var response = await CertificateApi.IssueAsync(admin, carol, DemoOrganisation.SigningPolicy, csr);

        var issued = await Json.ReadAsync(response, HttpStatusCode.Created);
        Assert.Equal((false, DemoOrganisation.SigningPolicy, "Signing"), (CertificateApi.Archived(issued), CertificateApi.Policy(issued), CertificateApi.KeyUsage(issued)));
        var (_, certificate) = await CertificateApi.GetAsync(admin, CertificateApi.Id(issued));
        using (certificate)
        {
            Assert.Equal(holderKey.ExportSubjectPublicKeyInfo(), certificate.PublicKey.ExportSubjectPublicKeyInfo());
            Assert.True(certificate.Extensions.OfType<X509KeyUsageExtension>().Single().KeyUsages.HasFlag(X509KeyUsageFlags.DigitalSignature));
        }
    }

    [Fact]
    public async Task Issue_CsrForArchivingPolicy_RefusedCsrNotAccepted()
    {
        using var admin = await Server.SignInAsync("admin");
        var carol = await Json.PersonIdAsync(admin, "carol");
        using var holderKey = TestKeys.Holder();
        var csr = CertificateApi.Pem(CertificateApi.RsaRequest(holderKey));

        await CertificateApi.AssertRefusedAsync(Server, admin, carol, () => CertificateApi.IssueAsync(admin, carol, DemoOrganisation.EncryptionPolicy, csr), HttpStatusCode.BadRequest, "certificates.csr_not_accepted", Action);
    }

    [Fact]
    public async Task Issue_SigningPolicyWithoutCsr_RefusedCsrRequired()
    {
        using var admin = await Server.SignInAsync("admin");
        var carol = await Json.PersonIdAsync(admin, "carol");

        await CertificateApi.AssertRefusedAsync(Server, admin, carol, () => CertificateApi.IssueAsync(admin, carol, DemoOrganisation.SigningPolicy), HttpStatusCode.BadRequest, "certificates.csr_required", Action);
    }

    [Theory]
    [InlineData("p256-key")]
    [InlineData("rsa-1024-key")]
    [InlineData("ed25519-key")]
    [InlineData("bad-signature")]
    [InlineData("truncated")]
    [InlineData("not-base64")]
    [InlineData("not-a-request")]
    public async Task Issue_InvalidCsrForSigningPolicy_RefusedInvalidCsr(string defect)
    {
        using var admin = await Server.SignInAsync("admin");
        var carol = await Json.PersonIdAsync(admin, "carol");
        var csr = BadRequest(defect);

        await CertificateApi.AssertRefusedAsync(Server, admin, carol, () => CertificateApi.IssueAsync(admin, carol, DemoOrganisation.SigningPolicy, csr), HttpStatusCode.BadRequest, "certificates.invalid_csr", Action);
    }

    [Fact]
    public async Task Issue_UnknownPolicy_RefusedPolicyNotFound()
    {
        using var admin = await Server.SignInAsync("admin");
        var carol = await Json.PersonIdAsync(admin, "carol");

        await CertificateApi.AssertRefusedAsync(Server, admin, carol, () => CertificateApi.IssueAsync(admin, carol, "Encryption RSA-9999 (nowhere)"), HttpStatusCode.BadRequest, "certificates.policy_not_found", Action);
    }

    [Fact]
    public async Task Issue_PolicyById_IsTheSameAsByName()
    {
        using var admin = await Server.SignInAsync("admin");
        var carol = await Json.PersonIdAsync(admin, "carol");
        var policies = await Json.GetAsync(admin, "/api/certificatePolicies");
        var id = policies.EnumerateArray().Single(p => p.GetProperty("name").GetString() == DemoOrganisation.EncryptionPolicy).GetProperty("id").GetString()!;

        using var response = await CertificateApi.IssueAsync(admin, carol, id);

        Assert.Equal(DemoOrganisation.EncryptionPolicy, CertificateApi.Policy(await Json.ReadAsync(response, HttpStatusCode.Created)));
    }

    [Fact]
    public async Task Issue_AsOliviaWhoMayNotIssue_RefusedForbidden()
    {
        using var admin = await Server.SignInAsync("admin");
        using var olivia = await Server.SignInAsync("olivia");
        var carol = await Json.PersonIdAsync(admin, "carol");

        // Carol is within olivia's Division scope, so the answer is 403 (not 404): olivia may see carol but lacks IssueCertificate.
        await CertificateApi.AssertRefusedAsync(Server, admin, carol, () => CertificateApi.IssueAsync(olivia, carol, DemoOrganisation.EncryptionPolicy), HttpStatusCode.Forbidden, "certificates.forbidden", Action, actor: "olivia");
    }

    [Fact]
    public async Task Issue_ForErinWhoIsDisabled_RefusedForbidden()
    {
        using var admin = await Server.SignInAsync("admin");
        var erin = await Json.PersonIdAsync(admin, "erin");

        await CertificateApi.AssertRefusedAsync(Server, admin, erin, () => CertificateApi.IssueAsync(admin, erin, DemoOrganisation.EncryptionPolicy), HttpStatusCode.Forbidden, "certificates.forbidden", Action);
    }

    // Finding 5 (leaks that a record exists): olivia, who may not issue, was told 403 about anyone who exists and
    // 404 about an unknown id, so she could tell who exists outside her scope.
    [Fact]
    public async Task Issue_ForSomeoneTheCallerCannotSee_AnswersExactlyAsForAnUnknownPerson()
    {
        using var admin = await Server.SignInAsync("admin");
        using var olivia = await Server.SignInAsync("olivia");
        using var carol = await Server.SignInAsync("carol");
        var dave = await Json.PersonIdAsync(admin, "dave");
        var nobody = Guid.NewGuid().ToString("N");

        // Dave is in Engineering: beyond olivia's Finance division and carol's Self scope, and neither may issue.
        foreach (var (caller, name) in new[] { (olivia, "olivia"), (carol, "carol") })
        {
            var hidden = await CertificateApi.AssertRefusedAsync(Server, admin, dave, () => CertificateApi.IssueAsync(caller, dave, DemoOrganisation.EncryptionPolicy), HttpStatusCode.NotFound, "people.not_found", Action, actor: name);
            var unknown = await CertificateApi.AssertRefusedAsync(Server, admin, dave, () => CertificateApi.IssueAsync(caller, nobody, DemoOrganisation.EncryptionPolicy), HttpStatusCode.NotFound, "people.not_found", Action, actor: name);
            Assert.Equal(unknown, hidden);
        }
    }

    [Fact]
    public async Task Issue_UnknownPerson_NotFound()
    {
        using var admin = await Server.SignInAsync("admin");
        var carol = await Json.PersonIdAsync(admin, "carol");
        var nobody = Guid.NewGuid().ToString("N");

        await CertificateApi.AssertRefusedAsync(Server, admin, carol, () => CertificateApi.IssueAsync(admin, nobody, DemoOrganisation.EncryptionPolicy), HttpStatusCode.NotFound, "people.not_found", Action);
    }

    /// <summary>A request the signing policy (RSA-2048, from a CSR) must refuse.</summary>
    private static string BadRequest(string defect)
    {
        switch (defect)
        {
            case "p256-key":
            {
                using var ec = ECDsa.Create(ECCurve.NamedCurves.nistP256);
                return new CertificateRequest("CN=Carol", ec, HashAlgorithmName.SHA256).CreateSigningRequestPem();
            }

            case "rsa-1024-key":
            {
                using var rsa = RSA.Create(1024);
                return CertificateApi.Pem(CertificateApi.RsaRequest(rsa));
            }

            case "bad-signature":
            {
                using var rsa = TestKeys.Holder();
                var der = CertificateApi.RsaRequest(rsa);
                der[^1] ^= 0x01;
                return CertificateApi.Pem(der);
            }

            case "truncated":
            {
                using var rsa = TestKeys.Holder();
                return CertificateApi.Pem(CertificateApi.RsaRequest(rsa)[..^40]);
            }

            case "ed25519-key":
            {
                // .NET cannot make Ed25519 keys, so this request is put together by hand (its signature is random):
                // the server must refuse the key's algorithm as the holder's mistake, not fail on it.
                var ed25519 = new Oid("1.3.101.112");
                var writer = new AsnWriter(AsnEncodingRules.DER);
                using (writer.PushSequence())
                {
                    using (writer.PushSequence())
                    {
                        writer.WriteInteger(0);
                        writer.WriteEncodedValue(new X500DistinguishedName("CN=Carol").RawData);
                        using (writer.PushSequence())
                        {
                            using (writer.PushSequence())
                            {
                                writer.WriteObjectIdentifier(ed25519.Value!);
                            }

                            writer.WriteBitString(RandomNumberGenerator.GetBytes(32));
                        }

                        using (writer.PushSetOf(new Asn1Tag(TagClass.ContextSpecific, 0)))
                        {
                        }
                    }

                    using (writer.PushSequence())
                    {
                        writer.WriteObjectIdentifier(ed25519.Value!);
                    }

                    writer.WriteBitString(RandomNumberGenerator.GetBytes(64));
                }

                return CertificateApi.Pem(writer.Encode());
            }

            case "not-base64":
                return "-----BEGIN CERTIFICATE REQUEST-----\n!!! this is not base64 !!!\n-----END CERTIFICATE REQUEST-----\n";

            default:
                return "hello, I would like a certificate";
        }
    }
}
