using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Keyward.Cli.Commands;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Keyward.Server.Hosting;
using Keyward.Server.Tests.Infrastructure;
using Keyward.Testing.Databases;
using Keyward.Testing.Directories;

namespace Keyward.Server.Tests.People;

/// <summary>
/// Directory sync against a real OpenLDAP directory (slapd on a loopback port) into the demo organisation, whose tree
/// the directory's OUs mirror under the root group Acme: people created, moved (their scope follows at once), updated,
/// disabled when they leave (their API tokens stop working), refusals reported with reasons while the others sync, a
/// bad bind refused with nothing changed, incremental runs that read only what changed, and the keyward command.
/// On SQLite, and on PostgreSQL below.
/// </summary>
public abstract class DirectorySyncTests
{
    private const string Suffix = "dc=acme,dc=example";
    private const string ReaderDn = "cn=keyward,dc=acme,dc=example";
    private const string ReaderPassword = "reader-secret";

    /// <summary>The OUs of the demo's tree, a reader account, and people: three good ones and five the sync must refuse.</summary>
    private const string Ldif = """
        dn: dc=acme,dc=example
        objectClass: dcObject
        objectClass: organization
        o: Acme
        dc: acme

        dn: cn=keyward,dc=acme,dc=example
        objectClass: organizationalRole
        objectClass: simpleSecurityObject
        cn: keyward
        userPassword: reader-secret

        dn: ou=Finance,dc=acme,dc=example
        objectClass: organizationalUnit
        ou: Finance

        dn: ou=Payroll,ou=Finance,dc=acme,dc=example
        objectClass: organizationalUnit
        ou: Payroll

        dn: ou=Engineering,dc=acme,dc=example
        objectClass: organizationalUnit
        ou: Engineering

        dn: ou=Research,dc=acme,dc=example
        objectClass: organizationalUnit
        ou: Research

        dn: cn=Imports,dc=acme,dc=example
        objectClass: organizationalRole
        cn: Imports

        dn: uid=ivan,ou=Finance,dc=acme,dc=example
        objectClass: inetOrgPerson
        uid: ivan
        cn: Ivan Ops
        sn: Ops
        mail: ivan@acme.example

        dn: uid=jane,ou=Payroll,ou=Finance,dc=acme,dc=example
        objectClass: inetOrgPerson
        uid: jane
        cn: Jane Pay
        sn: Pay
        mail: jane@acme.example

        dn: uid=ken,ou=Engineering,dc=acme,dc=example
        objectClass: inetOrgPerson
        uid: ken
        cn: Ken Eng
        sn: Eng
        mail: ken@acme.example

        dn: uid=carol,ou=Engineering,dc=acme,dc=example
        objectClass: inetOrgPerson
        uid: carol
        cn: Carol From The Directory
        sn: Directory
        mail: carol.dir@acme.example

        dn: cn=Twin One,ou=Finance,dc=acme,dc=example
        objectClass: inetOrgPerson
        uid: twin
        cn: Twin One
        sn: One
        mail: twin1@acme.example

        dn: cn=Twin Two,ou=Engineering,dc=acme,dc=example
        objectClass: inetOrgPerson
        uid: twin
        cn: Twin Two
        sn: Two
        mail: twin2@acme.example

        dn: uid=sam,cn=Imports,dc=acme,dc=example
        objectClass: inetOrgPerson
        uid: sam
        cn: Sam Stray
        sn: Stray
        mail: sam@acme.example

        dn: uid=bad,ou=Finance,dc=acme,dc=example
        objectClass: inetOrgPerson
        uid: bad
        cn: Bad Mail
        sn: Mail
        mail: not an address

        """;

    protected abstract Task<(DemoServer Server, Func<ValueTask> Cleanup)> StartAsync(Action<KeywardServerOptions> configure, bool loopback = false);

    [Fact]
    public async Task FullSync_NewDirectory_CreatesGoodPeopleAndRefusesTheRestWithReasons()
    {
        await using var slapd = await SlapdServer.StartAsync(Suffix, Ldif);
        var (server, cleanup) = await StartAsync(Configure(slapd, PasswordVariable(ReaderPassword)));
        try
        {
            using var admin = await server.SignInAsync("admin");

            var report = await SyncAsync(admin, full: true);

            Assert.True(report.GetProperty("full").GetBoolean());
            Assert.Equal(8, report.GetProperty("read").GetInt32());
            Assert.Equal(3, report.GetProperty("created").GetInt32());
            Assert.Equal(5, report.GetProperty("refused").GetInt32());
            Assert.Equal(1, report.GetProperty("groupsCreated").GetInt32());
            var reasons = Reasons(report);
            Assert.Contains("manages locally", reasons["uid=carol,ou=Engineering,dc=acme,dc=example"], StringComparison.Ordinal);
            Assert.Contains("also the logon name of directory entry cn=Twin Two", reasons["cn=Twin One,ou=Finance,dc=acme,dc=example"], StringComparison.Ordinal);
            Assert.Contains("also the logon name of directory entry cn=Twin One", reasons["cn=Twin Two,ou=Engineering,dc=acme,dc=example"], StringComparison.Ordinal);
            Assert.Contains("maps nowhere", reasons["uid=sam,cn=Imports,dc=acme,dc=example"], StringComparison.Ordinal);
            Assert.Contains("field 'email'", reasons["uid=bad,ou=Finance,dc=acme,dc=example"], StringComparison.Ordinal);

            Assert.Equal("Acme/Finance", await GroupOfAsync(admin, "ivan"));
            Assert.Equal("Acme/Finance/Payroll", await GroupOfAsync(admin, "jane"));
            Assert.Equal("Acme/Engineering", await GroupOfAsync(admin, "ken"));
            Assert.Equal("Acme/Finance/Payroll", await GroupOfAsync(admin, "carol"));
            Assert.Contains("Acme/Research", (await admin.GetFromJsonAsync<JsonElement>("/api/groups")).EnumerateArray().Select(g => g.GetProperty("path").GetString()));
            Assert.Empty(Json.LogonNames(await Json.GetAsync(admin, "/api/people?logonName=twin")));
            Assert.Empty(Json.LogonNames(await Json.GetAsync(admin, "/api/people?logonName=sam")));

            var created = await AuditAsync(admin, "directory.person_created");
            Assert.Equal(3, created.Count);
            Assert.All(created, e => Assert.Equal("directory-sync", e.GetProperty("actorName").GetString()));
            Assert.Single(await AuditAsync(admin, "directory.group_created"));
            var run = Assert.Single(await AuditAsync(admin, "directory.sync"));
            Assert.Equal("admin", run.GetProperty("actorName").GetString());

            var again = await SyncAsync(admin, full: true);
            Assert.Equal(0, again.GetProperty("created").GetInt32());
            Assert.Equal(3, again.GetProperty("unchanged").GetInt32());
            Assert.Equal(5, again.GetProperty("refused").GetInt32());
            Assert.Equal(3, (await AuditAsync(admin, "directory.person_created")).Count);
        }
        finally
        {
            await cleanup();
        }
    }

    [Fact]
    public async Task IncrementalSync_OperatorMovedOutOfTheDivision_LosesTheDivisionsPeopleAtOnce()
    {
        await using var slapd = await SlapdServer.StartAsync(Suffix, Ldif);
        var (server, cleanup) = await StartAsync(Configure(slapd, PasswordVariable(ReaderPassword)));
        try
        {
            using var admin = await server.SignInAsync("admin");
            await SyncAsync(admin, full: true);
            var ivanId = await Json.PersonIdAsync(admin, "ivan");
            using (var assigned = await admin.PostAsJsonAsync($"/api/people/{ivanId}/roles", new { role = "Administrator", scope = "Division" }))
            {
                Assert.True(assigned.IsSuccessStatusCode, await assigned.Content.ReadAsStringAsync());
            }

            using var ivan = await SignInAsNewClientAsync(server, admin, "ivan");
            Assert.Contains("jane", Json.LogonNames(await Json.GetAsync(ivan, "/api/people")));
            Assert.Contains("carol", Json.LogonNames(await Json.GetAsync(ivan, "/api/people")));

            await slapd.ModifyAsync("""
                dn: uid=ivan,ou=Finance,dc=acme,dc=example
                changetype: modrdn
                newrdn: uid=ivan
                deleteoldrdn: 1
                newsuperior: ou=Engineering,dc=acme,dc=example

                """);
            var report = await SyncAsync(admin, full: false);

            Assert.False(report.GetProperty("full").GetBoolean());
            Assert.Equal(1, report.GetProperty("moved").GetInt32());
            Assert.Equal("Acme/Engineering", await GroupOfAsync(admin, "ivan"));
            var visible = Json.LogonNames(await Json.GetAsync(ivan, "/api/people"));
            Assert.DoesNotContain("jane", visible);
            Assert.DoesNotContain("carol", visible);
            Assert.Contains("ken", visible);
            using var jane = await ivan.GetAsync(new Uri($"/api/people/{await Json.PersonIdAsync(admin, "jane")}", UriKind.Relative));
            await Json.ProblemAsync(jane, HttpStatusCode.NotFound, "people.not_found");
            var moved = Assert.Single(await AuditAsync(admin, "directory.person_moved"));
            Assert.Contains("from Acme/Finance to Acme/Engineering", moved.GetProperty("details").GetString(), StringComparison.Ordinal);
        }
        finally
        {
            await cleanup();
        }
    }

    [Fact]
    public async Task FullSync_PersonDeletedFromTheDirectory_IsDisabledAndTheirTokenIsRefused()
    {
        await using var slapd = await SlapdServer.StartAsync(Suffix, Ldif);
        var (server, cleanup) = await StartAsync(Configure(slapd, PasswordVariable(ReaderPassword)));
        try
        {
            using var admin = await server.SignInAsync("admin");
            await SyncAsync(admin, full: true);
            using var ken = await SignInAsNewClientAsync(server, admin, "ken");
            Assert.Equal("ken", (await Json.GetAsync(ken, "/api/me")).GetProperty("logonName").GetString());

            await slapd.ModifyAsync("""
                dn: uid=ken,ou=Engineering,dc=acme,dc=example
                changetype: delete

                """);

            // An incremental run sees only entries that changed: a deleted one is not among them.
            Assert.Equal(0, (await SyncAsync(admin, full: false)).GetProperty("disabled").GetInt32());
            var report = await SyncAsync(admin, full: true);

            Assert.Equal(1, report.GetProperty("disabled").GetInt32());
            using var refused = await ken.GetAsync(new Uri("/api/me", UriKind.Relative));
            Assert.False(refused.IsSuccessStatusCode);
            Assert.Contains("auth.person_disabled", await refused.Content.ReadAsStringAsync(), StringComparison.Ordinal);
            var person = await Json.GetAsync(admin, $"/api/people/{await Json.PersonIdAsync(admin, "ken")}");
            Assert.False(person.GetProperty("enabled").GetBoolean());
            Assert.Single(await AuditAsync(admin, "directory.person_disabled"));
            Assert.Equal(0, (await SyncAsync(admin, full: true)).GetProperty("disabled").GetInt32());
        }
        finally
        {
            await cleanup();
        }
    }

    [Fact]
    public async Task IncrementalSync_NameAndEmailChanged_ReadsOnlyTheChangedEntriesAndAppliesTheChange()
    {
        await using var slapd = await SlapdServer.StartAsync(Suffix, Ldif);
        var (server, cleanup) = await StartAsync(Configure(slapd, PasswordVariable(ReaderPassword)));
        try
        {
            using var admin = await server.SignInAsync("admin");
            await SyncAsync(admin, full: true);

            // modifyTimestamp counts whole seconds and an incremental run reads the mark's second again: move past it.
            await Task.Delay(TimeSpan.FromSeconds(1.1));
            await slapd.ModifyAsync("""
                dn: uid=ken,ou=Engineering,dc=acme,dc=example
                changetype: modify
                replace: description
                description: touched

                """);
            await SyncAsync(admin, full: false);
            await slapd.ModifyAsync("""
                dn: uid=jane,ou=Payroll,ou=Finance,dc=acme,dc=example
                changetype: modify
                replace: cn
                cn: Jane Renamed
                -
                replace: mail
                mail: jane.renamed@acme.example

                """);
            var report = await SyncAsync(admin, full: false);

            Assert.False(report.GetProperty("full").GetBoolean());
            Assert.InRange(report.GetProperty("read").GetInt32(), 1, 2);
            Assert.Equal(1, report.GetProperty("updated").GetInt32());
            Assert.Equal(0, report.GetProperty("created").GetInt32());
            Assert.Equal(0, report.GetProperty("refused").GetInt32());
            var jane = await Json.GetAsync(admin, $"/api/people/{await Json.PersonIdAsync(admin, "jane")}");
            Assert.Equal("Jane Renamed", jane.GetProperty("name").GetString());
            Assert.Equal("jane.renamed@acme.example", jane.GetProperty("email").GetString());
            var updated = Assert.Single(await AuditAsync(admin, "directory.person_updated"));
            Assert.Contains("name 'Jane Pay' → 'Jane Renamed'", updated.GetProperty("details").GetString(), StringComparison.Ordinal);
        }
        finally
        {
            await cleanup();
        }
    }

    [Fact]
    public async Task Sync_WrongPasswordOrNoServer_AnswersAClearErrorAndChangesNothing()
    {
        await using var slapd = await SlapdServer.StartAsync(Suffix, Ldif);
        var wrong = PasswordVariable("not-the-password");
        var (server, cleanup) = await StartAsync(Configure(slapd, wrong));
        try
        {
            using var admin = await server.SignInAsync("admin");
            var before = (await Json.GetAsync(admin, "/api/people")).GetProperty("total").GetInt32();

            using var refused = await admin.PostAsync("/api/directory/sync?full=true", null);
            var detail = await Json.ProblemAsync(refused, HttpStatusCode.BadGateway, "directory.bind_refused");

            Assert.Contains(ReaderDn, detail, StringComparison.Ordinal);
            Assert.DoesNotContain("not-the-password", detail, StringComparison.Ordinal);
            Assert.Equal(before, (await Json.GetAsync(admin, "/api/people")).GetProperty("total").GetInt32());
            Assert.Empty(await AuditAsync(admin, "directory.person"));
            Assert.Equal("Refused", Assert.Single(await AuditAsync(admin, "directory.sync")).GetProperty("outcome").GetString());

            var options = server.App.Services.GetRequiredService<KeywardServerOptions>();
            options.Directory.Url = new Uri("ldap://127.0.0.1:1");
            using var away = await admin.PostAsync("/api/directory/sync?full=true", null);
            await Json.ProblemAsync(away, HttpStatusCode.BadGateway, "directory.unreachable");
            Assert.Equal(before, (await Json.GetAsync(admin, "/api/people")).GetProperty("total").GetInt32());

            using var olivia = await server.SignInAsync("olivia");
            using var forbidden = await olivia.PostAsync("/api/directory/sync", null);
            await Json.ProblemAsync(forbidden, HttpStatusCode.Forbidden, "directory.forbidden");
        }
        finally
        {
            await cleanup();
        }
    }

    [Fact]
    public async Task DirectorySyncCommand_Full_PrintsTheReportWithRefusals()
    {
        await using var slapd = await SlapdServer.StartAsync(Suffix, Ldif);
        var (server, cleanup) = await StartAsync(Configure(slapd, PasswordVariable(ReaderPassword)), loopback: true);
        try
        {
            using var output = new StringWriter();
            using var error = new StringWriter();

            var exit = await KeywardCommand.RunAsync(
                ["directory", "sync", "--full", "--server", server.Address!.ToString(), "--client-id", "admin-cli", "--client-secret", "admin-secret"], output, error);

            Assert.True(exit == 0, error.ToString());
            var text = output.ToString();
            Assert.Contains("Directory sync (full): 8 read, 3 created, 0 updated, 0 moved, 0 disabled, 0 unchanged, 5 refused, 1 groups created.", text, StringComparison.Ordinal);
            Assert.Contains("uid=sam,cn=Imports,dc=acme,dc=example (sam): its group maps nowhere", text, StringComparison.Ordinal);

            var options = server.App.Services.GetRequiredService<KeywardServerOptions>();
            options.Directory.BindPasswordVariable = PasswordVariable("wrong");
            using var refusedOutput = new StringWriter();
            using var refusedError = new StringWriter();
            var refused = await KeywardCommand.RunAsync(
                ["directory", "sync", "--server", server.Address!.ToString(), "--client-id", "admin-cli", "--client-secret", "admin-secret"], refusedOutput, refusedError);
            Assert.Equal(1, refused);
            Assert.Contains("directory.bind_refused", refusedError.ToString(), StringComparison.Ordinal);
            Assert.Contains("refused the bind", refusedError.ToString(), StringComparison.Ordinal);
        }
        finally
        {
            await cleanup();
        }
    }

    [Fact]
    public async Task ScheduledSync_IntervalSet_RunsAtStartAsTheSyncJob()
    {
        await using var slapd = await SlapdServer.StartAsync(Suffix, Ldif);
        var configure = Configure(slapd, PasswordVariable(ReaderPassword));
        var (server, cleanup) = await StartAsync(o =>
        {
            configure(o);
            o.Directory.Interval = TimeSpan.FromHours(1);
        });
        try
        {
            using var admin = await server.SignInAsync("admin");

            await Eventually.HoldsAsync("the scheduled run's audit entry", async () => (await AuditAsync(admin, "directory.sync")).Count > 0);

            var run = Assert.Single(await AuditAsync(admin, "directory.sync"));
            Assert.Equal("directory-sync", run.GetProperty("actorName").GetString());
            Assert.Equal("System", run.GetProperty("channel").GetString());
            Assert.Contains("Full sync: 8 read, 3 created", run.GetProperty("details").GetString(), StringComparison.Ordinal);
            Assert.Equal("Acme/Engineering", await GroupOfAsync(admin, "ken"));
        }
        finally
        {
            await cleanup();
        }
    }

    private static Action<KeywardServerOptions> Configure(SlapdServer slapd, string passwordVariable) => o =>
    {
        o.Directory.Url = slapd.Url;
        o.Directory.BindDn = ReaderDn;
        o.Directory.BindPasswordVariable = passwordVariable;
        o.Directory.BaseDn = Suffix;
        o.Directory.RootGroup = "Acme";
        o.Directory.PageSize = 3;
        o.Directory.BatchSize = 2;
    };

    /// <summary>A fresh environment variable holding <paramref name="password"/>: tests run in parallel in one process.</summary>
    private static string PasswordVariable(string password)
    {
        var name = "KEYWARD_TEST_DIRECTORY_PASSWORD_" + Guid.NewGuid().ToString("N");
        Environment.SetEnvironmentVariable(name, password);
        return name;
    }

    private static async Task<JsonElement> SyncAsync(HttpClient admin, bool full)
    {
        using var response = await admin.PostAsync(full ? "/api/directory/sync?full=true" : "/api/directory/sync", null);
        return await Json.ReadAsync(response, HttpStatusCode.OK);
    }

    private static Dictionary<string, string> Reasons(JsonElement report) =>
        report.GetProperty("refusals").EnumerateArray().ToDictionary(r => r.GetProperty("entry").GetString()!, r => r.GetProperty("reason").GetString()!, StringComparer.Ordinal);

    private static async Task<string?> GroupOfAsync(HttpClient admin, string logonName) =>
        (await Json.GetAsync(admin, $"/api/people/{await Json.PersonIdAsync(admin, logonName)}")).GetProperty("group").GetString();

    private static async Task<List<JsonElement>> AuditAsync(HttpClient admin, string action) =>
        [.. (await admin.GetFromJsonAsync<JsonElement>($"/api/audit?action={action}&pageSize=500")).GetProperty("results").EnumerateArray()];

    private static async Task<HttpClient> SignInAsNewClientAsync(DemoServer server, HttpClient admin, string logonName)
    {
        using var created = await admin.PostAsJsonAsync("/api/apiClients", new { person = logonName, clientId = logonName + "-dir" });
        var secret = (await Json.ReadAsync(created, HttpStatusCode.Created)).GetProperty("clientSecret").GetString()!;
        using var token = await server.RequestTokenAsync(logonName + "-dir", secret);
        var access = (await Json.ReadAsync(token, HttpStatusCode.OK)).GetProperty("access_token").GetString()!;
        var client = server.Address is null ? server.App.GetTestClient() : new HttpClient { BaseAddress = server.Address };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", access);
        return client;
    }
}

public sealed class SqliteDirectorySyncTests : DirectorySyncTests
{
    protected override async Task<(DemoServer Server, Func<ValueTask> Cleanup)> StartAsync(Action<KeywardServerOptions> configure, bool loopback = false)
    {
        var server = loopback ? await DemoServer.StartOnLoopbackAsync(configure) : await DemoServer.StartAsync(configure);
        return (server, server.DisposeAsync);
    }
}

public sealed class PostgresDirectorySyncTests(PostgresServer postgres) : DirectorySyncTests, IClassFixture<PostgresServer>
{
    protected override async Task<(DemoServer Server, Func<ValueTask> Cleanup)> StartAsync(Action<KeywardServerOptions> configure, bool loopback = false)
    {
        var database = await postgres.CreateEmptyDatabaseAsync(CancellationToken.None);
        var data = Directory.CreateTempSubdirectory("keyward-pg-directory-").FullName;
        void Configure(KeywardServerOptions o)
        {
            o.Database = database.Options;
            o.DataDirectory = data;
            configure(o);
        }

        var server = loopback ? await DemoServer.StartOnLoopbackAsync(Configure) : await DemoServer.StartAsync(Configure);
        return (server, async () =>
        {
            await server.DisposeAsync();
            await database.DisposeAsync();
            Directory.Delete(data, recursive: true);
        });
    }
}
