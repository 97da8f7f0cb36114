using System.Net;
using Keyward.Server.Tests.Infrastructure;

namespace Keyward.Server.Tests.People;

/// <summary>Every list and lookup is filtered by the caller's scope (docs/scopes.md); outside scope answers 404.</summary>
public sealed class PeopleVisibilityTests(DemoServerFixture fixture) : IClassFixture<DemoServerFixture>
{
    private DemoServer Server => fixture.Server;

    [Fact]
    public async Task ListPeople_AsOliviaWithDivisionScope_ListsFinanceAndPayrollButNotEngineering()
    {
        using var olivia = await Server.SignInAsync("olivia");

        var people = await Json.GetAsync(olivia, "/api/people");

        Assert.Equal(["carol", "erin", "olivia", "victor"], Json.LogonNames(people));
        Assert.Equal(4, people.GetProperty("total").GetInt32());
        Assert.All(people.GetProperty("results").EnumerateArray(), p => Assert.StartsWith("Acme/Finance", p.GetProperty("group").GetString(), StringComparison.Ordinal));
    }

    [Fact]
    public async Task ListPeople_AsCarolWithSelfScope_ListsOnlyHerself()
    {
        using var carol = await Server.SignInAsync("carol");

        var people = await Json.GetAsync(carol, "/api/people");

        Assert.Equal(["carol"], Json.LogonNames(people));
    }

    [Fact]
    public async Task ListPeople_AsVeraWithDepartmentScope_ListsEngineeringOnly()
    {
        using var vera = await Server.SignInAsync("vera");

        Assert.Equal(["dave", "vera"], Json.LogonNames(await Json.GetAsync(vera, "/api/people")));
    }

    [Fact]
    public async Task ListPeople_AsAdminWithAllScope_ListsEveryone()
    {
        using var admin = await Server.SignInAsync("admin");

        Assert.Equal(["admin", "carol", "dave", "erin", "olivia", "vera", "victor"], Json.LogonNames(await Json.GetAsync(admin, "/api/people")));
    }

    [Fact]
    public async Task GetPerson_DaveAskedByOlivia_AnswersNotFound()
    {
        using var admin = await Server.SignInAsync("admin");
        using var olivia = await Server.SignInAsync("olivia");
        var dave = await Json.PersonIdAsync(admin, "dave");

        foreach (var path in new[] { $"/api/people/{dave}", $"/api/people/{dave}/certificates", $"/api/people/{dave}/devices" })
        {
            using var response = await olivia.GetAsync(new Uri(path, UriKind.Relative));
            await Json.ProblemAsync(response, HttpStatusCode.NotFound, "people.not_found");
        }
    }

    [Fact]
    public async Task GetPerson_OutOfScopeAndUnknownIds_AnswerTheSameNotFound()
    {
        using var admin = await Server.SignInAsync("admin");
        using var olivia = await Server.SignInAsync("olivia");
        var dave = await Json.PersonIdAsync(admin, "dave");

        using var hidden = await olivia.GetAsync(new Uri($"/api/people/{dave}", UriKind.Relative));
        using var unknown = await olivia.GetAsync(new Uri("/api/people/no-such-person", UriKind.Relative));

        // The caller must not learn that a record exists outside their scope.
        Assert.Equal(await Json.ProblemAsync(hidden, HttpStatusCode.NotFound, "people.not_found"), await Json.ProblemAsync(unknown, HttpStatusCode.NotFound, "people.not_found"));
    }

    [Fact]
    public async Task CertificatesAndDevices_OfAFinancePersonAskedByVeraInEngineering_AnswerExactlyAsForAnUnknownPerson()
    {
        using var admin = await Server.SignInAsync("admin");
        using var vera = await Server.SignInAsync("vera");
        var carol = await Json.PersonIdAsync(admin, "carol");

        foreach (var what in new[] { string.Empty, "/certificates", "/devices" })
        {
            using var hidden = await vera.GetAsync(new Uri($"/api/people/{carol}{what}", UriKind.Relative));
            using var unknown = await vera.GetAsync(new Uri($"/api/people/0000000000000000000000000000dead{what}", UriKind.Relative));

            await Json.ProblemAsync(hidden, HttpStatusCode.NotFound, "people.not_found");
            Assert.Equal(await Json.ProblemTextAsync(unknown), await Json.ProblemTextAsync(hidden));
        }
    }

    [Fact]
    public async Task GetPerson_CarolInOliviasDivision_AnswersThePerson()
    {
        using var olivia = await Server.SignInAsync("olivia");
        var carol = await Json.PersonIdAsync(olivia, "carol");

        var person = await Json.GetAsync(olivia, $"/api/people/{carol}");

        Assert.Equal("carol", person.GetProperty("logonName").GetString());
        Assert.Equal("Acme/Finance/Payroll", person.GetProperty("group").GetString());
        Assert.Equal("carol@acme.example", person.GetProperty("email").GetString());
        Assert.True(person.GetProperty("enabled").GetBoolean());
        Assert.Equal(4, (await Json.GetAsync(olivia, $"/api/people/{carol}/certificates")).GetProperty("total").GetInt32());
        var device = Assert.Single((await Json.GetAsync(olivia, $"/api/people/{carol}/devices")).GetProperty("results").EnumerateArray());
        Assert.Equal("DEMO-CARD-CAROL", device.GetProperty("serialNumber").GetString());
    }

    [Fact]
    public async Task ListPeople_WithFilters_AppliesEachWithinScope()
    {
        using var olivia = await Server.SignInAsync("olivia");

        Assert.Equal(["carol"], Json.LogonNames(await Json.GetAsync(olivia, "/api/people?logonName=CAROL")));
        Assert.Equal(["victor"], Json.LogonNames(await Json.GetAsync(olivia, "/api/people?q=VIC")));
        Assert.Equal(["carol"], Json.LogonNames(await Json.GetAsync(olivia, "/api/people?group=Acme/Finance/Payroll")));
        Assert.Empty(Json.LogonNames(await Json.GetAsync(olivia, "/api/people?logonName=dave")));
        Assert.Empty(Json.LogonNames(await Json.GetAsync(olivia, "/api/people?group=Acme/Engineering")));
        Assert.Empty(Json.LogonNames(await Json.GetAsync(olivia, "/api/people?group=No/Such/Group")));
    }

    [Fact]
    public async Task ListPeople_Paged_AnswersPageShapeAndTotal()
    {
        using var admin = await Server.SignInAsync("admin");

        var first = await Json.GetAsync(admin, "/api/people?page=1&pageSize=3");
        var third = await Json.GetAsync(admin, "/api/people?page=3&pageSize=3");

        Assert.Equal(["admin", "carol", "dave"], Json.LogonNames(first));
        Assert.Equal(1, first.GetProperty("page").GetInt32());
        Assert.Equal(3, first.GetProperty("pageSize").GetInt32());
        Assert.Equal(7, first.GetProperty("total").GetInt32());
        Assert.Equal(["victor"], Json.LogonNames(third));
        Assert.Equal(3, third.GetProperty("page").GetInt32());
    }

    [Fact]
    public async Task Me_AsOlivia_AnswersHerRolesWithScopes()
    {
        using var olivia = await Server.SignInAsync("olivia");

        var me = await Json.GetAsync(olivia, "/api/me");

        Assert.Equal("olivia", me.GetProperty("logonName").GetString());
        Assert.Equal("Acme/Finance", me.GetProperty("group").GetString());
        var role = Assert.Single(me.GetProperty("roles").EnumerateArray());
        Assert.Equal("Recovery Operator", role.GetProperty("name").GetString());
        Assert.Equal("Division", role.GetProperty("scope").GetString());
        Assert.Contains("RecoverCertificatesToNewDevice", role.GetProperty("operations").EnumerateArray().Select(o => o.GetString()));
    }

    [Fact]
    public async Task CredentialProfiles_AsOlivia_ListsTheFourDemoProfilesWithTheirRoleLists()
    {
        using var olivia = await Server.SignInAsync("olivia");

        var profiles = await Json.GetAsync(olivia, "/api/credentialProfiles");

        var names = profiles.GetProperty("results").EnumerateArray().Select(p => p.GetProperty("name").GetString()).ToList();
        Assert.Equal(["Key Recovery - Dual Control", "Key Recovery - Smart Card", "Key Recovery - Soft Certificate", "Key Recovery - System Store"], names);
        var dual = profiles.GetProperty("results")[0];
        Assert.Equal(2, dual.GetProperty("approvalsRequired").GetInt32());
        Assert.True(dual.GetProperty("keyRecoveryOnly").GetBoolean());
        Assert.True(dual.GetProperty("validateIssuance").GetBoolean());
        Assert.Equal("FileStore", dual.GetProperty("softCertificateLocation").GetString());
        Assert.Equal(["Administrator", "Recovery Validator"], dual.GetProperty("canValidate").EnumerateArray().Select(r => r.GetString()).Order(StringComparer.Ordinal));
        Assert.Equal(["Administrator", "Cardholder", "Recovery Operator"], dual.GetProperty("canRequest").EnumerateArray().Select(r => r.GetString()).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task Health_WithDatabaseAndKeys_AnswersHealthy()
    {
        var health = await Json.GetAsync(Server.Client, "/health");

        Assert.Equal("Healthy", health.GetProperty("status").GetString());
        Assert.Equal("Healthy", health.GetProperty("checks").GetProperty("database").GetString());
        Assert.Equal("Healthy", health.GetProperty("checks").GetProperty("keyProtector").GetString());
    }

    [Fact]
    public async Task OpenApi_Document_DescribesTheContractRoutes()
    {
        var document = await Json.GetAsync(Server.Client, "/openapi/v1.json");

        var paths = document.GetProperty("paths").EnumerateObject().Select(p => p.Name).ToList();
        foreach (var route in new[] { "/api/me", "/api/people", "/api/people/{id}", "/api/people/{id}/certificates", "/api/people/{id}/devices", "/api/credentialProfiles" })
        {
            Assert.Contains(route, paths);
        }
    }
}
