using System.Net;
using System.Text;
using Keyward.Common;
using Keyward.Server.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace Keyward.Server.Tests.Problems;

/// <summary>
/// Bad input gets RFC 9457 problem details with a stable code — never a 500 or a stack trace — and changes
/// nothing.
/// </summary>
public sealed class BadInputTests(DemoServerFixture fixture) : IClassFixture<DemoServerFixture>
{
    private DemoServer Server => fixture.Server;

    [Fact]
    public async Task CreatePerson_WithMalformedJson_AnswersMalformedBodyAndChangesNothing()
    {
        var server = Server;
        using var admin = await server.SignInAsync("admin");
        var before = await CountPeopleAsync(server);

        using var response = await admin.PostAsync(new Uri("/api/people", UriKind.Relative), new StringContent("{\"logonName\": \"zoe\", ", Encoding.UTF8, "application/json"));

        await Json.ProblemAsync(response, HttpStatusCode.BadRequest, "request.malformed_body");
        Assert.Equal(before, await CountPeopleAsync(server));
    }

    [Fact]
    public async Task CreatePerson_WithFieldOfWrongType_AnswersProblemNamingTheField()
    {
        var server = Server;
        using var admin = await server.SignInAsync("admin");
        var before = await CountPeopleAsync(server);

        using var response = await admin.PostAsync(
            new Uri("/api/people", UriKind.Relative),
            new StringContent("{\"logonName\": \"zoe\", \"name\": \"Zoe\", \"email\": \"zoe@acme.example\", \"group\": \"Acme\", \"enabled\": \"sometimes\"}", Encoding.UTF8, "application/json"));

        var detail = await Json.ProblemAsync(response, HttpStatusCode.BadRequest, "request.malformed_body");
        Assert.Contains("enabled", detail, StringComparison.Ordinal);
        Assert.Equal(before, await CountPeopleAsync(server));
    }

    [Fact]
    public async Task CreatePerson_WithWrongContentType_AnswersUnsupportedMediaType()
    {
        var server = Server;
        using var admin = await server.SignInAsync("admin");

        using var response = await admin.PostAsync(new Uri("/api/people", UriKind.Relative), new StringContent("logonName=zoe", Encoding.UTF8, "text/plain"));

        await Json.ProblemAsync(response, HttpStatusCode.UnsupportedMediaType, "request.unsupported_media_type");
    }

    [Fact]
    public async Task CreatePerson_WithOversizedBody_AnswersBodyTooLargeAndChangesNothing()
    {
        var server = Server;
        using var admin = await server.SignInAsync("admin");
        var before = await CountPeopleAsync(server);
        var huge = new string('x', 2 * 1024 * 1024);

        using var response = await admin.PostAsync(new Uri("/api/people", UriKind.Relative), Json.Body(new { logonName = "zoe", name = huge, email = "zoe@acme.example", group = "Acme" }));

        await Json.ProblemAsync(response, HttpStatusCode.RequestEntityTooLarge, "request.body_too_large");
        Assert.Equal(before, await CountPeopleAsync(server));
    }

    [Fact]
    public async Task CreatePerson_WithInvalidEmail_AnswersImportInvalidNamingTheField()
    {
        var server = Server;
        using var admin = await server.SignInAsync("admin");
        var before = await CountPeopleAsync(server);

        using var response = await admin.PostAsync(new Uri("/api/people", UriKind.Relative), Json.Body(new { logonName = "zoe", name = "Zoe", email = "not-an-address", group = "Acme" }));

        var detail = await Json.ProblemAsync(response, HttpStatusCode.BadRequest, "people.import_invalid");
        Assert.Contains("'email'", detail, StringComparison.Ordinal);
        Assert.Equal(before, await CountPeopleAsync(server));
    }

    [Fact]
    public async Task CreatePerson_AsOliviaWithoutManagePeople_AnswersForbidden()
    {
        var server = Server;
        using var olivia = await server.SignInAsync("olivia");

        using var response = await olivia.PostAsync(new Uri("/api/people", UriKind.Relative), Json.Body(new { logonName = "zoe", name = "Zoe", email = "zoe@acme.example", group = "Acme/Finance" }));

        await Json.ProblemAsync(response, HttpStatusCode.Forbidden, "people.forbidden");
    }

    [Theory]
    [InlineData("/api/people/does-not-exist", "people.not_found")]
    [InlineData("/api/people/does-not-exist/certificates", "people.not_found")]
    [InlineData("/api/people/does-not-exist/devices", "people.not_found")]
    [InlineData("/api/no-such-route", "request.not_found")]
    public async Task Get_UnknownIdOrRoute_AnswersNotFoundProblem(string path, string code)
    {
        var server = Server;
        using var admin = await server.SignInAsync("admin");

        using var response = await admin.GetAsync(new Uri(path, UriKind.Relative));

        await Json.ProblemAsync(response, HttpStatusCode.NotFound, code);
    }

    [Fact]
    public async Task ListPeople_WithNonNumericPage_AnswersInvalidParameter()
    {
        var server = Server;
        using var admin = await server.SignInAsync("admin");

        using var response = await admin.GetAsync(new Uri("/api/people?page=first", UriKind.Relative));

        await Json.ProblemAsync(response, HttpStatusCode.BadRequest, "request.invalid_parameter");
    }

    [Fact]
    public async Task Delete_OnListRoute_AnswersMethodNotAllowedProblem()
    {
        var server = Server;
        using var admin = await server.SignInAsync("admin");

        using var response = await admin.DeleteAsync(new Uri("/api/people", UriKind.Relative));

        await Json.ProblemAsync(response, HttpStatusCode.MethodNotAllowed, "request.method_not_allowed");
    }

    [Fact]
    public async Task ErrorPage_ForEveryProblemType_DescribesTheCode()
    {
        var server = Server;

        var page = await Json.GetAsync(server.Client, "/errors/people.not_found");

        Assert.Equal("people.not_found", page.GetProperty("code").GetString());
        Assert.Equal(404, page.GetProperty("status").GetInt32());
    }

    /// <summary>Found by the fuzz test (finding 8): an unknown charset made reading the JSON body throw, answered 500.</summary>
    [Fact]
    public async Task CreatePerson_BodyInUnknownCharset_AnswersUnsupportedMediaType()
    {
        using var admin = await Server.SignInAsync("admin");
        using var body = new StringContent("{}", Encoding.UTF8);
        body.Headers.Remove("Content-Type");
        body.Headers.TryAddWithoutValidation("Content-Type", "application/json; charset=nonsense");

        using var response = await admin.PostAsync(new Uri("/api/people", UriKind.Relative), body);

        var detail = await Json.ProblemAsync(response, HttpStatusCode.UnsupportedMediaType, "request.unsupported_media_type");
        Assert.Contains("nonsense", detail, StringComparison.Ordinal);
    }

    /// <summary>
    /// Found by the fuzz test on PostgreSQL (finding 8): NUL in a query string, a JSON string or a form field reached
    /// a query, and PostgreSQL, which cannot compare or store NUL, failed it: 500. It is refused where it enters.
    /// </summary>
    [Theory]
    [InlineData("/api/people?q=a%00b", "q")]
    [InlineData("/api/requests?targetId=%00", "targetId")]
    [InlineData("/api/audit?action=a%00b", "action")]
    public async Task Get_QueryValueWithNul_AnswersInvalidParameterNamingIt(string path, string parameter)
    {
        using var admin = await Server.SignInAsync("admin");

        using var response = await admin.GetAsync(new Uri(path, UriKind.Relative));

        var detail = await Json.ProblemAsync(response, HttpStatusCode.BadRequest, "request.invalid_parameter");
        Assert.Contains($"'{parameter}'", detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task IssueCertificate_JsonStringWithNul_AnswersMalformedBodyNamingThePath()
    {
        using var admin = await Server.SignInAsync("admin");
        var carolId = await Json.PersonIdAsync(admin, "carol");

        using var response = await admin.PostAsync(new Uri($"/api/people/{carolId}/certificates", UriKind.Relative), new StringContent("{\"policyId\": \"a\\u0000b\"}", Encoding.UTF8, "application/json"));

        var detail = await Json.ProblemAsync(response, HttpStatusCode.BadRequest, "request.malformed_body");
        Assert.Contains("$.policyId", detail, StringComparison.Ordinal);
        Assert.Contains("NUL", detail, StringComparison.Ordinal);
    }

    /// <summary>The form reader refuses NUL by throwing, which answered 500; the form is read, and refused, before OpenIddict reads it.</summary>
    [Fact]
    public async Task Token_ClientIdWithNul_AnswersMalformedBodyAndIssuesNothing()
    {
        using var form = new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["grant_type"] = "client_credentials",
            ["client_id"] = "admin-cli\0",
            ["client_secret"] = "admin-secret",
        });

        using var response = await Server.Client.PostAsync(new Uri("/connect/token", UriKind.Relative), form);

        await Json.ProblemAsync(response, HttpStatusCode.BadRequest, "request.malformed_body");
    }

    /// <summary>Found by the fuzz test (finding 8): a null in the certificate list of a device update reached the save, answered 500.</summary>
    [Fact]
    public async Task RequestDeviceUpdate_NullCertificateId_AnswersUnknownCertificate()
    {
        using var olivia = await Server.SignInAsync("olivia");
        var carolId = await Json.PersonIdAsync(olivia, "carol");
        var card = await Recovery.RecoverySteps.DeviceIdAsync(olivia, carolId, "DEMO-CARD-CAROL");

        using var response = await olivia.PostAsync(new Uri($"/api/devices/{card}/certificateRecovery", UriKind.Relative), new StringContent("{\"recoverCertificateIds\": [null]}", Encoding.UTF8, "application/json"));

        await Json.ProblemAsync(response, HttpStatusCode.BadRequest, "recovery.unknown_certificate");
    }

    private static async Task<int> CountPeopleAsync(DemoServer server)
    {
        await using var scope = server.App.Services.CreateAsyncScope();
        var store = scope.ServiceProvider.GetRequiredService<IKeywardStore>();
        return await store.CountAsync(store.People, CancellationToken.None);
    }
}
