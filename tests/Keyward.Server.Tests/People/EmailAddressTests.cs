using System.Net;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using Keyward.Certificates;
using Keyward.Common;
using Keyward.People;
using Keyward.Server.Demo;
using Keyward.Server.Tests.Infrastructure;
using Keyward.Server.Tests.Notifications;
using Microsoft.Extensions.DependencyInjection;
using MimeKit;

namespace Keyward.Server.Tests.People;

/// <summary>
/// Finding 8: a non-ASCII e-mail address was accepted at import and then broke certificate issuance with a 500.
/// An address is checked wherever a person is created (import, <c>POST /api/people</c>) against the syntax both of
/// its readers take — the certificate's rfc822Name and the notice's <c>To:</c> — and issuance refuses a bad stored
/// address with a clear 409 instead of failing.
/// </summary>
public sealed class EmailAddressTests(DemoServerFixture fixture) : IClassFixture<DemoServerFixture>
{
    /// <summary>Every character RFC 5322 allows in an unquoted local part, and a domain with digits and a hyphen.</summary>
    private const string Unusual = "o'brien+keys/x=y?z^_`{|}~!#$%&*-@mail-1.acme.example";

    public static TheoryData<string> Refused =>
    [
        "jörg@acme.example",
        "jorg@acmé.example",
        "\"jane doe\"@acme.example",
        "jane(work)@acme.example",
        "jane@[192.0.2.1]",
        "jane doe@acme.example",
        "jane..doe@acme.example",
        ".jane@acme.example",
        "jane.@acme.example",
        "jane@acme.example.",
        "jane@-acme.example",
        "jane@acme_example.com",
        "jane@@acme.example",
        "jane",
        "@acme.example",
        "jane@",
        new string('j', 65) + "@acme.example",
        "jane@" + string.Join('.', Enumerable.Repeat(new string('a', 60), 5)),
        "jane@acme.example\u2028x",
    ];

    [Theory]
    [MemberData(nameof(Refused))]
    public async Task ImportCsv_EmailKeywardCannotUse_AnswersImportInvalidNamingLineAndField(string email)
    {
        using var admin = await fixture.Server.SignInAsync("admin");
        var csv = $"logonName,name,email,group\nfrank,Frank Moss,frank@acme.example,Acme/Finance\nzoe,Zoe Stone,\"{email.Replace("\"", "\"\"", StringComparison.Ordinal)}\",Acme/Finance\n";
        var before = await CountAsync(s => s.People);

        using var response = await admin.PostAsync(new Uri("/api/people/import", UriKind.Relative), new StringContent(csv, Encoding.UTF8, "text/csv"));

        var detail = await Json.ProblemAsync(response, HttpStatusCode.BadRequest, "people.import_invalid");
        Assert.StartsWith("Line 3, field 'email':", detail, StringComparison.Ordinal);
        Assert.Equal(before, await CountAsync(s => s.People));
    }

    [Theory]
    [MemberData(nameof(Refused))]
    public async Task CreatePerson_EmailKeywardCannotUse_AnswersImportInvalidNamingTheField(string email)
    {
        using var admin = await fixture.Server.SignInAsync("admin");
        var before = await CountAsync(s => s.People);

        using var response = await admin.PostAsync(new Uri("/api/people", UriKind.Relative), Json.Body(new { logonName = "zoe", name = "Zoe Stone", email, group = "Acme/Finance" }));

        var detail = await Json.ProblemAsync(response, HttpStatusCode.BadRequest, "people.import_invalid");
        Assert.StartsWith("Body, field 'email':", detail, StringComparison.Ordinal);
        Assert.Equal(before, await CountAsync(s => s.People));
    }

    [Fact]
    public async Task ImportJson_NonAsciiEmailInSecondItem_AnswersImportInvalidNamingItemAndField()
    {
        using var admin = await fixture.Server.SignInAsync("admin");
        const string json = """
            [
              { "logonName": "frank", "name": "Frank Moss", "email": "frank@acme.example", "group": "Acme/Finance" },
              { "logonName": "jorg", "name": "Jörg Brandt", "email": "jörg@acme.example", "group": "Acme/Finance" }
            ]
            """;

        using var response = await admin.PostAsync(new Uri("/api/people/import", UriKind.Relative), new StringContent(json, Encoding.UTF8, "application/json"));

        var detail = await Json.ProblemAsync(response, HttpStatusCode.BadRequest, "people.import_invalid");
        Assert.StartsWith("Item 2, field 'email':", detail, StringComparison.Ordinal);
        Assert.Contains("jörg@acme.example", detail, StringComparison.Ordinal);
    }

    /// <summary>The most unusual address Keyward accepts: a certificate carries it as its rfc822Name and a notice reaches it.</summary>
    [Fact]
    public async Task Import_UnusualButValidEmail_IssuesCertificateNamingItAndMailsIt()
    {
        await using var server = await DemoServer.StartAsync();
        using var admin = await server.SignInAsync("admin");
        using var created = await admin.PostAsync(new Uri("/api/people", UriKind.Relative), Json.Body(new { logonName = "obrien", name = "Pat O'Brien", email = Unusual, group = "Acme/Finance" }));
        var personId = (await Json.ReadAsync(created, HttpStatusCode.Created)).GetProperty("id").GetString()!;

        using var issued = await admin.PostAsync(new Uri($"/api/people/{personId}/certificates", UriKind.Relative), Json.Body(new { policyId = DemoOrganisation.EncryptionPolicy }));

        var certificateId = (await Json.ReadAsync(issued, HttpStatusCode.Created)).GetProperty("id").GetString()!;
        var pem = (await Json.GetAsync(admin, $"/api/certificates/{certificateId}")).GetProperty("pem").GetString()!;
        using var certificate = X509Certificate2.CreateFromPem(pem);
        var names = certificate.Extensions.OfType<X509SubjectAlternativeNameExtension>().Single();
        Assert.Equal(Unusual, certificate.GetNameInfo(X509NameType.EmailName, forIssuer: false));
        Assert.Empty(names.EnumerateDnsNames());

        var staged = await NotificationDeliveryTests.StageForAsync(server, "obrien", "Your key recovery request", "Hello.");
        var file = Path.Combine(server.DataDirectory, "mail", staged.Id + ".eml");
        await Eventually.HoldsAsync($"{file} exists", () => Task.FromResult(File.Exists(file)));
        var message = await MimeMessage.LoadAsync(file);
        Assert.Equal(Unusual, Assert.Single(message.To.Mailboxes).Address);
    }

    /// <summary>A person stored before the check (or around it) with an address no certificate can carry: a 409, not a 500.</summary>
    [Fact]
    public async Task IssueCertificate_StoredEmailNotAscii_AnswersInvalidEmailAndIssuesNothing()
    {
        var server = fixture.Server;
        string personId;
        await using (var scope = server.App.Services.CreateAsyncScope())
        {
            var store = scope.ServiceProvider.GetRequiredService<IKeywardStore>();
            var finance = await store.FirstOrDefaultAsync(store.Groups.Where(g => g.Path == "Acme/Finance"), CancellationToken.None);
            var person = new Person(Ids.New(), "jorg.legacy", "Jörg Brandt", "jörg@acme.example", finance!.Id, enabled: true);
            store.Add(person);
            await store.SaveChangesAsync(CancellationToken.None);
            personId = person.Id;
        }

        using var admin = await server.SignInAsync("admin");
        var certificates = await CountAsync(s => s.Certificates);
        var keys = await CountAsync(s => s.ArchivedKeys);

        using var response = await admin.PostAsync(new Uri($"/api/people/{personId}/certificates", UriKind.Relative), Json.Body(new { policyId = DemoOrganisation.EncryptionPolicy }));

        var detail = await Json.ProblemAsync(response, HttpStatusCode.Conflict, "certificates.invalid_email");
        Assert.Contains("jorg.legacy", detail, StringComparison.Ordinal);
        Assert.Equal(certificates, await CountAsync(s => s.Certificates));
        Assert.Equal(keys, await CountAsync(s => s.ArchivedKeys));
        var refusals = await Json.GetAsync(admin, $"/api/audit?action=certificates.issue&subjectId={personId}");
        Assert.Equal("certificates.invalid_email", refusals.GetProperty("results")[0].GetProperty("code").GetString());
    }

    private async Task<int> CountAsync<T>(Func<IKeywardStore, IQueryable<T>> rows)
    {
        await using var scope = fixture.Server.App.Services.CreateAsyncScope();
        var store = scope.ServiceProvider.GetRequiredService<IKeywardStore>();
        return await store.CountAsync(rows(store), CancellationToken.None);
    }
}
