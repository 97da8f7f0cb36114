using System.Net;
using System.Text;
using System.Text.Json;
using Keyward.Common;
using Keyward.Scopes;
using Keyward.Server.Tests.Infrastructure;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;

namespace Keyward.Server.Tests.Audit;

/// <summary><c>GET /api/audit</c> and <c>GET /api/audit/verify</c> on a demo server: who may read what, and tampering found.</summary>
public sealed class AuditApiTests
{
    [Fact]
    public async Task List_AsAdmin_ShowsSignInFailuresAndImportsNewestFirst()
    {
        await using var server = await DemoServer.StartAsync();
        using (var refused = await server.RequestTokenAsync("admin-cli", "not-the-secret"))
        {
            Assert.NotEqual(HttpStatusCode.OK, refused.StatusCode);
        }

        using var admin = await server.SignInAsync("admin");
        using (var imported = await admin.PostAsync(
                   new Uri("/api/people/import", UriKind.Relative),
                   new StringContent("logonName,name,email,group\nfrank,Frank Moss,frank@acme.example,Acme/Finance\n", Encoding.UTF8, "text/csv")))
        {
            await Json.ReadAsync(imported, HttpStatusCode.OK);
        }

        var list = await Json.GetAsync(admin, "/api/audit?pageSize=500");

        var entries = list.GetProperty("results").EnumerateArray().ToList();
        Assert.Equal((1, 500, entries.Count), (list.GetProperty("page").GetInt32(), list.GetProperty("pageSize").GetInt32(), list.GetProperty("total").GetInt32()));
        Assert.Equal(entries.Select(e => e.GetProperty("sequence").GetInt64()).OrderDescending(), entries.Select(e => e.GetProperty("sequence").GetInt64()));
        var import = entries[0];
        Assert.Equal(("people.import", "Succeeded", "admin", "Api"), (Text(import, "action"), Text(import, "outcome"), Text(import, "actorName"), Text(import, "channel")));
        Assert.Equal("1 rows: 1 created, 0 updated, 0 unchanged, 0 groups created.", Text(import, "details"));
        var signIn = entries[1];
        Assert.Equal(("auth.sign_in", "Refused", "auth.invalid_client", "admin-cli"), (Text(signIn, "action"), Text(signIn, "outcome"), Text(signIn, "code"), Text(signIn, "actorName")));
        Assert.Equal(Text(signIn, "hash"), Text(import, "previousHash"));
        Assert.Equal(
            ["sequence", "at", "actorId", "actorName", "action", "outcome", "code", "subjectId", "targetId", "details", "channel", "hash", "previousHash"],
            import.EnumerateObject().Select(p => p.Name));
        Assert.Equal(DemoServer.Start, import.GetProperty("at").GetDateTimeOffset());
        Assert.Contains(entries, e => Text(e, "action") == "demo.seed");
    }

    [Fact]
    public async Task List_Filters_NarrowTheTrail()
    {
        await using var server = await DemoServer.StartAsync();
        server.Clock.Advance(TimeSpan.FromHours(1));
        using (await server.RequestTokenAsync("carol-cli", "wrong"))
        {
        }

        using var admin = await server.SignInAsync("admin");
        var carol = await Json.PersonIdAsync(admin, "carol");

        var refused = await Json.GetAsync(admin, "/api/audit?action=AUTH&outcome=refused");
        var aboutCarol = await Json.GetAsync(admin, $"/api/audit?subjectId={carol}&action=certificates.issue");
        var later = await Json.GetAsync(admin, "/api/audit?from=2026-11-01T09:30:00Z");
        var earlier = await Json.GetAsync(admin, "/api/audit?to=2026-11-01T09:30:00%2B00:00");
        var beforeTheDay = await Json.GetAsync(admin, "/api/audit?to=2026-11-01");

        Assert.Equal(["auth.sign_in"], Actions(refused));
        Assert.Equal(4, aboutCarol.GetProperty("total").GetInt32());
        Assert.All(aboutCarol.GetProperty("results").EnumerateArray(), e => Assert.Equal(carol, Text(e, "subjectId")));
        Assert.Equal(["auth.sign_in"], Actions(later));
        Assert.DoesNotContain("auth.sign_in", Actions(earlier));
        Assert.Equal(earlier.GetProperty("total").GetInt32() + 1, (await Json.GetAsync(admin, "/api/audit")).GetProperty("total").GetInt32());
        Assert.Equal(0, beforeTheDay.GetProperty("total").GetInt32());
    }

    [Theory]
    [InlineData("outcome=maybe", "'outcome' must be one of Succeeded, Refused, Failed.")]
    [InlineData("outcome=2", "'outcome' must be one of Succeeded, Refused, Failed.")]
    [InlineData("from=yesterday", "'from' must be an ISO 8601 date or instant")]
    [InlineData("to=2026-13-01", "'to' must be an ISO 8601 date or instant")]
    public async Task List_BadParameter_AnswersInvalidParameter(string query, string detail)
    {
        await using var server = await DemoServer.StartAsync();
        using var admin = await server.SignInAsync("admin");

        using var response = await admin.GetAsync(new Uri("/api/audit?" + query, UriKind.Relative));

        Assert.StartsWith(detail, await Json.ProblemAsync(response, HttpStatusCode.BadRequest, "request.invalid_parameter"), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("/api/audit")]
    [InlineData("/api/audit/verify")]
    public async Task ListAndVerify_AsCardholderCarol_AreForbidden(string path)
    {
        await using var server = await DemoServer.StartAsync();
        using var carol = await server.SignInAsync("carol");

        using var response = await carol.GetAsync(new Uri(path, UriKind.Relative));

        await Json.ProblemAsync(response, HttpStatusCode.Forbidden, "audit.forbidden");
        using var admin = await server.SignInAsync("admin");
        var refusal = (await Json.GetAsync(admin, "/api/audit?outcome=Refused")).GetProperty("results")[0];
        Assert.Equal(("carol", "audit.forbidden"), (Text(refusal, "actorName"), Text(refusal, "code")));
    }

    [Fact]
    public async Task List_AsDivisionScopedAuditor_ShowsOnlyEntriesAboutPeopleInReach()
    {
        await using var server = await DemoServer.StartAsync();
        await GrantAuditAsync(server, "olivia", Scope.Division);
        using var admin = await server.SignInAsync("admin");
        using var olivia = await server.SignInAsync("olivia");
        var people = (await Json.GetAsync(admin, "/api/people?pageSize=500")).GetProperty("results").EnumerateArray()
            .ToDictionary(p => Text(p, "id")!, p => Text(p, "group")!);
        var everything = (await Json.GetAsync(admin, "/api/audit?pageSize=500")).GetProperty("results").EnumerateArray().ToList();

        var seen = (await Json.GetAsync(olivia, "/api/audit?pageSize=500")).GetProperty("results").EnumerateArray().ToList();

        var expected = everything
            .Where(e => Text(e, "subjectId") is { } subject && people[subject].StartsWith("Acme/Finance", StringComparison.Ordinal))
            .Select(e => e.GetProperty("sequence").GetInt64())
            .ToList();
        Assert.NotEmpty(expected);
        Assert.Contains(everything, e => Text(e, "subjectId") is { } subject && people[subject] == "Acme/Engineering");
        Assert.Contains(everything, e => Text(e, "subjectId") is null);
        Assert.Equal(expected, seen.Select(e => e.GetProperty("sequence").GetInt64()));
    }

    [Theory]
    [InlineData("from=0")]
    [InlineData("to=0")]
    [InlineData("from=-1&to=5")]
    [InlineData("from=5&to=4")]
    public async Task Verify_RangeBelowOneOrBackwards_AnswersInvalidParameterAndAuditsNothing(string query)
    {
        await using var server = await DemoServer.StartAsync();
        using var admin = await server.SignInAsync("admin");
        var before = (await Json.GetAsync(admin, "/api/audit?pageSize=1")).GetProperty("total").GetInt64();

        using var response = await admin.GetAsync(new Uri("/api/audit/verify?" + query, UriKind.Relative));

        Assert.Equal(
            "'from' and 'to' are sequence numbers of audit entries: whole numbers from 1, 'to' not before 'from'.",
            await Json.ProblemAsync(response, HttpStatusCode.BadRequest, "request.invalid_parameter"));
        Assert.Empty((await Json.GetAsync(admin, "/api/audit?action=audit.verify")).GetProperty("results").EnumerateArray());
        Assert.Equal(before, (await Json.GetAsync(admin, "/api/audit?pageSize=1")).GetProperty("total").GetInt64());
    }

    [Fact]
    public async Task Verify_IntactTrail_AnswersTheCountAndTheHeadAndIsAudited()
    {
        await using var server = await DemoServer.StartAsync();
        using var admin = await server.SignInAsync("admin");
        var head = (await Json.GetAsync(admin, "/api/audit?pageSize=1")).GetProperty("results")[0];

        var verification = await Json.GetAsync(admin, "/api/audit/verify");

        Assert.Equal(
            ["intact", "entriesChecked", "firstBrokenSequence", "problem", "headHash"],
            verification.EnumerateObject().Select(p => p.Name));
        Assert.True(verification.GetProperty("intact").GetBoolean());
        Assert.Equal(head.GetProperty("sequence").GetInt64(), verification.GetProperty("entriesChecked").GetInt64());
        Assert.Equal(Text(head, "hash"), Text(verification, "headHash"));
        Assert.Equal(JsonValueKind.Null, verification.GetProperty("firstBrokenSequence").ValueKind);
        Assert.Equal(JsonValueKind.Null, verification.GetProperty("problem").ValueKind);
        var audited = (await Json.GetAsync(admin, "/api/audit?action=audit.verify")).GetProperty("results")[0];
        Assert.Equal(("Succeeded", head.GetProperty("sequence").GetInt64() + 1), (Text(audited, "outcome"), audited.GetProperty("sequence").GetInt64()));
    }

    [Fact]
    public async Task Verify_EntryEditedInTheDatabase_NamesThatEntry()
    {
        await using var server = await DemoServer.StartAsync();
        using var admin = await server.SignInAsync("admin");
        await TamperAsync(server, "UPDATE \"AuditEvents\" SET \"Details\" = 'Nothing happened.' WHERE \"Sequence\" = 3");

        var verification = await Json.GetAsync(admin, "/api/audit/verify");

        Assert.False(verification.GetProperty("intact").GetBoolean());
        Assert.Equal(3, verification.GetProperty("firstBrokenSequence").GetInt64());
        Assert.Equal(2, verification.GetProperty("entriesChecked").GetInt64());
        Assert.Equal("Entry 3 was altered: its hash does not match its contents.", Text(verification, "problem"));
        Assert.Equal(JsonValueKind.Null, verification.GetProperty("headHash").ValueKind);
        var audited = (await Json.GetAsync(admin, "/api/audit?action=audit.verify")).GetProperty("results")[0];
        Assert.Equal(("Failed", "The audit trail is broken: Entry 3 was altered: its hash does not match its contents."), (Text(audited, "outcome"), Text(audited, "details")));
    }

    [Fact]
    public async Task Verify_EntryDeletedFromTheDatabase_NamesTheMissingEntry()
    {
        await using var server = await DemoServer.StartAsync();
        using var olivia = await server.SignInAsync("olivia");
        await GrantAuditAsync(server, "olivia", Scope.Self);
        await TamperAsync(server, "DELETE FROM \"AuditEvents\" WHERE \"Sequence\" = 5");

        var verification = await Json.GetAsync(olivia, "/api/audit/verify");

        Assert.Equal((false, 5L, "Entry 5 is missing."), (verification.GetProperty("intact").GetBoolean(), verification.GetProperty("firstBrokenSequence").GetInt64(), Text(verification, "problem")));
    }

    [Fact]
    public async Task ConcurrentRequests_EachAudited_AllSucceedAndTheChainStaysIntact()
    {
        const int requests = 12;
        await using var server = await DemoServer.StartAsync();
        using var admin = await server.SignInAsync("admin");
        var before = (await Json.GetAsync(admin, "/api/audit?pageSize=1")).GetProperty("total").GetInt32();

        var responses = await Task.WhenAll(Enumerable.Range(0, requests).Select(async i =>
        {
            using var response = await admin.PostAsync(new Uri("/api/people", UriKind.Relative), Json.Body(new { logonName = $"racer{i}", name = $"Racer {i}", email = $"racer{i}@acme.example", group = "Acme/Finance" }));
            return (response.StatusCode, await response.Content.ReadAsStringAsync());
        }));

        Assert.All(responses, r => Assert.True(r.StatusCode == HttpStatusCode.Created, r.Item2));
        Assert.Equal(before + requests, (await Json.GetAsync(admin, "/api/audit?pageSize=1")).GetProperty("total").GetInt32());
        var verification = await Json.GetAsync(admin, "/api/audit/verify");
        Assert.True(verification.GetProperty("intact").GetBoolean(), Text(verification, "problem"));
        Assert.Equal(before + requests, verification.GetProperty("entriesChecked").GetInt64());
    }

    /// <summary>Runs SQL on the server's SQLite database, as someone with access to the data folder could.</summary>
    internal static async Task TamperAsync(DemoServer server, string sql)
    {
        var connectionString = new SqliteConnectionStringBuilder { DataSource = Path.Combine(server.DataDirectory, "keyward.db"), Pooling = false }.ToString();
        await using var connection = new SqliteConnection(connectionString);
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        Assert.Equal(1, await command.ExecuteNonQueryAsync());
    }

    /// <summary>Gives a demo person a role with ViewAudit (the demo has no auditor but the administrator).</summary>
    private static async Task GrantAuditAsync(DemoServer server, string logonName, Scope scope)
    {
        await using var services = server.App.Services.CreateAsyncScope();
        var store = services.ServiceProvider.GetRequiredService<IKeywardStore>();
        var person = await store.FirstOrDefaultAsync(store.People.Where(p => p.LogonName == logonName), CancellationToken.None);
        Assert.NotNull(person);
        var role = new Role(Ids.New(), "Auditor", "Reads and verifies the audit trail.", [Operation.ViewAudit]);
        store.Add(role);
        person.Assign(role, scope);
        await store.SaveChangesAsync(CancellationToken.None);
    }

    private static string? Text(JsonElement element, string property) => element.GetProperty(property).GetString();

    private static IEnumerable<string?> Actions(JsonElement list) => list.GetProperty("results").EnumerateArray().Select(e => Text(e, "action"));
}
