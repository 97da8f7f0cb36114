using System.Net;
using System.Text;
using Keyward.Scopes;
using Keyward.Server.Tests.Infrastructure;
using Keyward.Server.Tests.Recovery;

namespace Keyward.Server.Tests.People;

/// <summary><c>POST /api/people/import</c>: all or nothing, with a message naming the row and the field.</summary>
public sealed class ImportTests
{
    private const string GoodCsv = """
        logonName,name,email,group,enabled
        frank,Frank Moss,frank@acme.example,Acme/Finance/Payroll,true
        grace,"Hopper, Grace",grace@acme.example,Acme/Engineering/Compilers,
        carol,Carol Payroll,carol.p@acme.example,Acme/Finance/Payroll,true
        """;

    [Fact]
    public async Task Import_GoodCsvAsAdmin_CreatesUpdatesAndMakesGroups()
    {
        await using var server = await DemoServer.StartAsync();
        using var admin = await server.SignInAsync("admin");

        using var response = await admin.PostAsync(new Uri("/api/people/import", UriKind.Relative), new StringContent(GoodCsv, Encoding.UTF8, "text/csv"));

        var summary = await Json.ReadAsync(response, HttpStatusCode.OK);
        Assert.Equal(2, summary.GetProperty("created").GetInt32());
        Assert.Equal(1, summary.GetProperty("updated").GetInt32());
        Assert.Equal(1, summary.GetProperty("groupsCreated").GetInt32());
        var grace = (await Json.GetAsync(admin, "/api/people?logonName=grace")).GetProperty("results")[0];
        Assert.Equal("Hopper, Grace", grace.GetProperty("name").GetString());
        Assert.Equal("Acme/Engineering/Compilers", grace.GetProperty("group").GetString());
        var carol = (await Json.GetAsync(admin, "/api/people?logonName=carol")).GetProperty("results")[0];
        Assert.Equal("carol.p@acme.example", carol.GetProperty("email").GetString());
    }

    [Fact]
    public async Task Import_CsvWithBadThirdRow_RejectsWholeFileNamingLineAndField()
    {
        await using var server = await DemoServer.StartAsync();
        using var admin = await server.SignInAsync("admin");
        const string csv = """
            logonName,name,email,group
            frank,Frank Moss,frank@acme.example,Acme/Finance
            grace,Grace Hopper,grace-at-acme,Acme/Engineering
            """;

        using var response = await admin.PostAsync(new Uri("/api/people/import", UriKind.Relative), new StringContent(csv, Encoding.UTF8, "text/csv"));

        var detail = await Json.ProblemAsync(response, HttpStatusCode.BadRequest, "people.import_invalid");
        Assert.Contains("Line 3", detail, StringComparison.Ordinal);
        Assert.Contains("'email'", detail, StringComparison.Ordinal);
        Assert.Equal(7, (await Json.GetAsync(admin, "/api/people")).GetProperty("total").GetInt32());
    }

    [Fact]
    public async Task Import_PartOfALargerFile_NamesTheLineInThatFile()
    {
        await using var server = await DemoServer.StartAsync();
        using var admin = await server.SignInAsync("admin");
        const string part = """
            logonName,name,email,group
            frank,Frank Moss,frank@acme.example,Acme/Finance
            grace,Grace Hopper,grace-at-acme,Acme/Engineering
            """;

        using var response = await admin.PostAsync(new Uri("/api/people/import?firstRow=120001", UriKind.Relative), new StringContent(part, Encoding.UTF8, "text/csv"));
        using var zero = await admin.PostAsync(new Uri("/api/people/import?firstRow=0", UriKind.Relative), new StringContent(part, Encoding.UTF8, "text/csv"));

        var detail = await Json.ProblemAsync(response, HttpStatusCode.BadRequest, "people.import_invalid");
        Assert.StartsWith("Line 120002, field 'email'", detail, StringComparison.Ordinal);
        Assert.Contains("'firstRow'", await Json.ProblemAsync(zero, HttpStatusCode.BadRequest, "request.invalid_parameter"), StringComparison.Ordinal);
        Assert.Equal(7, (await Json.GetAsync(admin, "/api/people")).GetProperty("total").GetInt32());
    }

    [Fact]
    public async Task Import_JsonWithWrongTypeInSecondItem_RejectsWholeFileNamingItemAndField()
    {
        await using var server = await DemoServer.StartAsync();
        using var admin = await server.SignInAsync("admin");
        const string json = """
            [
              {"logonName": "frank", "name": "Frank", "email": "frank@acme.example", "group": "Acme"},
              {"logonName": "grace", "name": 42, "email": "grace@acme.example", "group": "Acme"}
            ]
            """;

        using var response = await admin.PostAsync(new Uri("/api/people/import", UriKind.Relative), new StringContent(json, Encoding.UTF8, "application/json"));

        var detail = await Json.ProblemAsync(response, HttpStatusCode.BadRequest, "people.import_invalid");
        Assert.Contains("Item 2", detail, StringComparison.Ordinal);
        Assert.Contains("'name'", detail, StringComparison.Ordinal);
        Assert.Equal(7, (await Json.GetAsync(admin, "/api/people")).GetProperty("total").GetInt32());
    }

    [Fact]
    public async Task Import_AsOlivia_IsForbiddenAndChangesNothing()
    {
        await using var server = await DemoServer.StartAsync();
        using var olivia = await server.SignInAsync("olivia");
        using var admin = await server.SignInAsync("admin");

        using var response = await olivia.PostAsync(new Uri("/api/people/import", UriKind.Relative), new StringContent(GoodCsv, Encoding.UTF8, "text/csv"));

        await Json.ProblemAsync(response, HttpStatusCode.Forbidden, "people.forbidden");
        Assert.Equal(7, (await Json.GetAsync(admin, "/api/people")).GetProperty("total").GetInt32());
    }

    // Finding 5 (leaks that a record exists): an importer with a narrow scope was told "'dave' exists outside
    // your scope", and "does not exist" for a group that does not exist but "outside your scope" for one that does.
    [Fact]
    public async Task CreatePerson_NamingWhatLiesOutsideTheCallersScope_DoesNotConfirmItExists()
    {
        await using var server = await DemoServer.StartAsync();
        await DemoChanges.GrantAsync(server, "olivia", "Finance people manager", Scope.Division, Operation.ManagePeople);
        using var olivia = await server.SignInAsync("olivia");
        using var admin = await server.SignInAsync("admin");
        var before = (await Json.GetAsync(admin, "/api/people?pageSize=100")).GetRawText();

        // A group outside olivia's Finance division and a group that does not exist: one answer, naming only the path sent.
        using var hiddenGroup = await olivia.PostAsync(new Uri("/api/people", UriKind.Relative), Json.Body(new { logonName = "zoe", name = "Zoe", email = "zoe@acme.example", group = "Acme/Engineering" }));
        using var unknownGroup = await olivia.PostAsync(new Uri("/api/people", UriKind.Relative), Json.Body(new { logonName = "zoe", name = "Zoe", email = "zoe@acme.example", group = "Acme/Nowhere" }));
        await Json.ProblemAsync(hiddenGroup, HttpStatusCode.Forbidden, "people.import_forbidden");
        Assert.Equal(
            (await Json.ProblemTextAsync(unknownGroup)).Replace("Acme/Nowhere", "{group}", StringComparison.Ordinal),
            (await Json.ProblemTextAsync(hiddenGroup)).Replace("Acme/Engineering", "{group}", StringComparison.Ordinal));

        // Dave's logon name is taken, unavoidably; the answer does not say by whom, or that he is outside the scope.
        using var taken = await olivia.PostAsync(new Uri("/api/people", UriKind.Relative), Json.Body(new { logonName = "dave", name = "Dave", email = "dave@acme.example", group = "Acme/Finance" }));
        Assert.Equal("Body, field 'logonName': 'dave' cannot be used.", await Json.ProblemAsync(taken, HttpStatusCode.Forbidden, "people.import_forbidden"));

        Assert.Equal(before, (await Json.GetAsync(admin, "/api/people?pageSize=100")).GetRawText());
    }

    [Fact]
    public async Task CreatePerson_InNewGroup_AnswersCreatedWithTheGroupPath()
    {
        await using var server = await DemoServer.StartAsync();
        using var admin = await server.SignInAsync("admin");

        using var response = await admin.PostAsync(
            new Uri("/api/people", UriKind.Relative),
            Json.Body(new { logonName = "Zoe", name = "Zoe Quinn", email = "zoe@acme.example", group = "Acme/Legal" }));

        var person = await Json.ReadAsync(response, HttpStatusCode.Created);
        Assert.Equal("zoe", person.GetProperty("logonName").GetString());
        Assert.Equal("Acme/Legal", person.GetProperty("group").GetString());
        Assert.True(person.GetProperty("enabled").GetBoolean());
        Assert.Equal($"/api/people/{person.GetProperty("id").GetString()}", response.Headers.Location?.ToString());
        Assert.Equal("Acme/Legal", (await Json.GetAsync(admin, response.Headers.Location!.ToString())).GetProperty("group").GetString());
    }

    [Fact]
    public async Task Import_WithUnsupportedContentType_AnswersUnsupportedMediaType()
    {
        await using var server = await DemoServer.StartAsync();
        using var admin = await server.SignInAsync("admin");

        using var response = await admin.PostAsync(new Uri("/api/people/import", UriKind.Relative), new StringContent("<people/>", Encoding.UTF8, "application/xml"));

        await Json.ProblemAsync(response, HttpStatusCode.UnsupportedMediaType, "request.unsupported_media_type");
    }

    /// <summary>
    /// Values a group or person record cannot hold are refused at the row, not by the database at the save: a group
    /// name is at most 200 characters, and names carry no control characters (PostgreSQL cannot store NUL at all).
    /// </summary>
    [Theory]
    [InlineData("name", "Zoe\nQuinn")]
    [InlineData("group", "Acme/LONG")]
    public async Task CreatePerson_ValueTheRecordCannotHold_AnswersImportInvalidNamingTheField(string field, string value)
    {
        await using var server = await DemoServer.StartAsync();
        using var admin = await server.SignInAsync("admin");
        value = System.Text.RegularExpressions.Regex.Unescape(value).Replace("LONG", new string('g', 201), StringComparison.Ordinal);
        var person = new Dictionary<string, string> { ["logonName"] = "zoe", ["name"] = "Zoe Quinn", ["email"] = "zoe@acme.example", ["group"] = "Acme/Legal" };
        person[field] = value;

        using var response = await admin.PostAsync(new Uri("/api/people", UriKind.Relative), Json.Body(person));

        var detail = await Json.ProblemAsync(response, HttpStatusCode.BadRequest, "people.import_invalid");
        Assert.StartsWith($"Body, field '{field}':", detail, StringComparison.Ordinal);
        Assert.Equal(7, (await Json.GetAsync(admin, "/api/people")).GetProperty("total").GetInt32());
    }
}
