using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.TestHost;
using Keyward.Server.Tests.Infrastructure;
using Keyward.Testing.Databases;

namespace Keyward.Server.Tests.Administration;

/// <summary>
/// Administration through the Core API on the demo organisation: profiles, policies, roles, groups and API clients;
/// a change that weakens recovery controls waits for another administrator (never its requester), a strengthening
/// one applies at once, both audited with before and after. On SQLite, and on PostgreSQL below.
/// </summary>
public abstract class AdministrationTests
{
    private const string SoftCertificate = "Key Recovery - Soft Certificate";
    private const string DualControl = "Key Recovery - Dual Control";

    protected abstract Task<(DemoServer Server, Func<ValueTask> Cleanup)> StartAsync();

    [Fact]
    public async Task ProfileUpdate_WeakeningChange_WaitsForAnotherAdministratorAndTheRequesterCannotApprove()
    {
        var (server, cleanup) = await StartAsync();
        try
        {
            using var admin = await server.SignInAsync("admin");
            using var second = await SecondAdministratorAsync(server, admin, "ada");
            var profile = await ProfileAsync(admin, SoftCertificate);
            var settings = Settings(profile);
            settings["canValidate"] = new JsonArray("Administrator", "Recovery Validator", "Cardholder");

            using var asked = await admin.PutAsJsonAsync($"/api/credentialProfiles/{profile.GetProperty("id").GetString()}", settings);
            var answer = await Json.ReadAsync(asked, HttpStatusCode.Accepted);
            var pending = answer.GetProperty("pending");
            Assert.Equal("Pending", pending.GetProperty("status").GetString());
            Assert.Contains("Can validate gains Cardholder", pending.GetProperty("summary").GetString(), StringComparison.Ordinal);
            Assert.DoesNotContain("Cardholder", Names((await ProfileAsync(admin, SoftCertificate)).GetProperty("canValidate")));
            var changeId = pending.GetProperty("id").GetString()!;

            using var again = await admin.PutAsJsonAsync($"/api/credentialProfiles/{profile.GetProperty("id").GetString()}", settings);
            await Json.ProblemAsync(again, HttpStatusCode.Conflict, "changes.pending_exists");
            using var self = await admin.PostAsJsonAsync($"/api/changeRequests/{changeId}/approve", new { notes = "mine" });
            await Json.ProblemAsync(self, HttpStatusCode.Forbidden, "changes.requester_cannot_approve");

            using var approved = await second.PostAsJsonAsync($"/api/changeRequests/{changeId}/approve", new { notes = "ticket 12" });
            Assert.Equal("Applied", (await Json.ReadAsync(approved, HttpStatusCode.OK)).GetProperty("status").GetString());
            Assert.Contains("Cardholder", Names((await ProfileAsync(admin, SoftCertificate)).GetProperty("canValidate")));
            using var twice = await second.PostAsJsonAsync($"/api/changeRequests/{changeId}/approve", new { });
            await Json.ProblemAsync(twice, HttpStatusCode.Conflict, "changes.wrong_state");

            var applied = await AuditAsync(admin, "changes.apply");
            var details = Assert.Single(applied).GetProperty("details").GetString()!;
            Assert.Contains("Before: {", details, StringComparison.Ordinal);
            Assert.Contains("After: {", details, StringComparison.Ordinal);
            Assert.Contains("canValidate", details, StringComparison.Ordinal);
            Assert.Equal("ada", applied[0].GetProperty("actorName").GetString());
            Assert.Contains(await AuditAsync(admin, "changes.approve"), e => e.GetProperty("outcome").GetString() == "Refused" && e.GetProperty("code").GetString() == "changes.requester_cannot_approve");
        }
        finally
        {
            await cleanup();
        }
    }

    [Fact]
    public async Task ProfileUpdate_LoweringTwoApprovals_NeedsTwoOtherAdministrators()
    {
        var (server, cleanup) = await StartAsync();
        try
        {
            using var admin = await server.SignInAsync("admin");
            using var ada = await SecondAdministratorAsync(server, admin, "ada");
            using var bea = await SecondAdministratorAsync(server, admin, "bea");
            var profile = await ProfileAsync(admin, DualControl);
            var settings = Settings(profile);
            settings["approvalsRequired"] = 1;
            using var asked = await admin.PutAsJsonAsync($"/api/credentialProfiles/{profile.GetProperty("id").GetString()}", settings);
            var pending = (await Json.ReadAsync(asked, HttpStatusCode.Accepted)).GetProperty("pending");
            Assert.Equal(2, pending.GetProperty("approvalsRequired").GetInt32());
            var id = pending.GetProperty("id").GetString();

            using var first = await ada.PostAsJsonAsync($"/api/changeRequests/{id}/approve", new { });
            Assert.Equal("Pending", (await Json.ReadAsync(first, HttpStatusCode.OK)).GetProperty("status").GetString());
            using var repeat = await ada.PostAsJsonAsync($"/api/changeRequests/{id}/approve", new { });
            await Json.ProblemAsync(repeat, HttpStatusCode.Conflict, "changes.already_approved");
            Assert.Equal(2, (await ProfileAsync(admin, DualControl)).GetProperty("approvalsRequired").GetInt32());

            using var second = await bea.PostAsJsonAsync($"/api/changeRequests/{id}/approve", new { });
            Assert.Equal("Applied", (await Json.ReadAsync(second, HttpStatusCode.OK)).GetProperty("status").GetString());
            Assert.Equal(1, (await ProfileAsync(admin, DualControl)).GetProperty("approvalsRequired").GetInt32());
        }
        finally
        {
            await cleanup();
        }
    }

    [Fact]
    public async Task ProfileUpdate_StrengtheningChange_AppliesAtOnceAuditedWithBeforeAndAfter()
    {
        var (server, cleanup) = await StartAsync();
        try
        {
            using var admin = await server.SignInAsync("admin");
            var profile = await ProfileAsync(admin, SoftCertificate);
            var settings = Settings(profile);
            settings["approvalsRequired"] = 3;
            settings["maxReleases"] = 1;
            settings["canCollect"] = new JsonArray("Administrator");
            using var changed = await admin.PutAsJsonAsync($"/api/credentialProfiles/{profile.GetProperty("id").GetString()}", settings);
            var applied = (await Json.ReadAsync(changed, HttpStatusCode.OK)).GetProperty("applied");
            Assert.Equal(3, applied.GetProperty("approvalsRequired").GetInt32());
            Assert.Equal(["Administrator"], Names(applied.GetProperty("canCollect")));

            // Nothing needs a restart: the next request under the profile needs three approvals.
            using var olivia = await server.SignInAsync("olivia");
            var carol = await PersonIdAsync(admin, "carol");
            var certificates = await admin.GetFromJsonAsync<JsonElement>($"/api/people/{carol}/certificates?pageSize=50");
            var archived = certificates.GetProperty("results").EnumerateArray().First(c => c.GetProperty("archived").GetBoolean() && c.GetProperty("status").GetString() == "Issued");
            using var request = await olivia.PostAsJsonAsync($"/api/people/{carol}/requests", new { credentialProfileId = profile.GetProperty("id").GetString(), recoverCertificateIds = new[] { archived.GetProperty("id").GetString() } });
            Assert.Equal(3, (await Json.ReadAsync(request, HttpStatusCode.Created)).GetProperty("approvalsRequired").GetInt32());

            var entry = Assert.Single(await AuditAsync(admin, "profiles.update"));
            var details = entry.GetProperty("details").GetString()!;
            Assert.Contains("approvalsRequired: 1 → 3", details, StringComparison.Ordinal);
            Assert.Contains("Before: {", details, StringComparison.Ordinal);
            Assert.Contains("\"approvalsRequired\":3", details, StringComparison.Ordinal);
        }
        finally
        {
            await cleanup();
        }
    }

    [Fact]
    public async Task PolicyUpdate_TurningArchivalOff_WaitsForApproval_OtherChangesApplyAtOnce()
    {
        var (server, cleanup) = await StartAsync();
        try
        {
            using var admin = await server.SignInAsync("admin");
            using var ada = await SecondAdministratorAsync(server, admin, "ada");
            var policies = await admin.GetFromJsonAsync<JsonElement>("/api/certificatePolicies");
            var encryption = policies.EnumerateArray().Single(p => p.GetProperty("archiveKeys").GetBoolean());
            var id = encryption.GetProperty("id").GetString();

            using var longer = await admin.PutAsJsonAsync($"/api/certificatePolicies/{id}", new { name = encryption.GetProperty("name").GetString(), keyAlgorithm = "Rsa2048", keyUsage = "Encryption", validityDays = 730, archiveKeys = true });
            Assert.Equal(730, (await Json.ReadAsync(longer, HttpStatusCode.OK)).GetProperty("applied").GetProperty("validityDays").GetInt32());

            using var off = await admin.PutAsJsonAsync($"/api/certificatePolicies/{id}", new { name = encryption.GetProperty("name").GetString(), keyAlgorithm = "Rsa2048", keyUsage = "Encryption", validityDays = 730, archiveKeys = false });
            var pending = (await Json.ReadAsync(off, HttpStatusCode.Accepted)).GetProperty("pending");
            Assert.Equal("key archival turned off", pending.GetProperty("summary").GetString());
            using var refused = await admin.PostAsJsonAsync($"/api/changeRequests/{pending.GetProperty("id").GetString()}/approve", new { });
            await Json.ProblemAsync(refused, HttpStatusCode.Forbidden, "changes.requester_cannot_approve");
            using var approved = await ada.PostAsJsonAsync($"/api/changeRequests/{pending.GetProperty("id").GetString()}/approve", new { });
            Assert.Equal("Applied", (await Json.ReadAsync(approved, HttpStatusCode.OK)).GetProperty("status").GetString());
            var after = (await admin.GetFromJsonAsync<JsonElement>("/api/certificatePolicies")).EnumerateArray().Single(p => p.GetProperty("id").GetString() == id);
            Assert.False(after.GetProperty("archiveKeys").GetBoolean());
        }
        finally
        {
            await cleanup();
        }
    }

    [Fact]
    public async Task Administration_BadInputAndNamesTaken_AnswerStableProblemsAndWriteNothing()
    {
        var (server, cleanup) = await StartAsync();
        try
        {
            using var admin = await server.SignInAsync("admin");
            var profile = await ProfileAsync(admin, SoftCertificate);
            var settings = Settings(profile);
            settings["name"] = "Another";
            settings["approvalsRequired"] = 0;
            using (var bad = await admin.PostAsJsonAsync("/api/credentialProfiles", settings))
            {
                await Json.ProblemAsync(bad, HttpStatusCode.BadRequest, "profiles.invalid");
            }

            settings["approvalsRequired"] = 1;
            settings["canRequest"] = new JsonArray("No Such Role");
            using (var unknown = await admin.PostAsJsonAsync("/api/credentialProfiles", settings))
            {
                await Json.ProblemAsync(unknown, HttpStatusCode.BadRequest, "profiles.unknown_role");
            }

            settings["canRequest"] = new JsonArray("Recovery Operator");
            settings["name"] = DualControl;
            using (var taken = await admin.PostAsJsonAsync("/api/credentialProfiles", settings))
            {
                await Json.ProblemAsync(taken, HttpStatusCode.Conflict, "profiles.name_taken");
            }

            using (var malformed = await admin.PostAsync("/api/credentialProfiles", new StringContent("{\"name\": 5", Encoding.UTF8, "application/json")))
            {
                Assert.Equal(HttpStatusCode.BadRequest, malformed.StatusCode);
            }

            using (var signingArchived = await admin.PostAsJsonAsync("/api/certificatePolicies", new { name = "Bad", keyAlgorithm = "Rsa2048", keyUsage = "Signing", validityDays = 365, archiveKeys = true }))
            {
                await Json.ProblemAsync(signingArchived, HttpStatusCode.BadRequest, "certificates.signing_key_archival");
            }

            using (var role = await admin.PostAsJsonAsync("/api/roles", new { name = "Cardholder", operations = new[] { "ViewPerson" } }))
            {
                await Json.ProblemAsync(role, HttpStatusCode.Conflict, "roles.name_taken");
            }

            using (var group = await admin.PostAsJsonAsync("/api/groups", new { path = "Acme/Finance" }))
            {
                await Json.ProblemAsync(group, HttpStatusCode.Conflict, "people.group_exists");
            }

            using (var scope = await admin.PostAsJsonAsync($"/api/people/{await PersonIdAsync(admin, "carol")}/roles", new { role = "Cardholder", scope = "None" }))
            {
                await Json.ProblemAsync(scope, HttpStatusCode.BadRequest, "roles.invalid");
            }

            var profiles = await admin.GetFromJsonAsync<JsonElement>("/api/credentialProfiles");
            Assert.Equal(4, profiles.GetProperty("total").GetInt32());
            Assert.Contains(await AuditAsync(admin, "profiles.create"), e => e.GetProperty("code").GetString() == "profiles.name_taken");

            using var olivia = await server.SignInAsync("olivia");
            using (var notAdmin = await olivia.PostAsJsonAsync("/api/roles", new { name = "Mine", operations = new[] { "ViewPerson" } }))
            {
                await Json.ProblemAsync(notAdmin, HttpStatusCode.Forbidden, "roles.forbidden");
            }

            using (var noProfiles = await olivia.PutAsJsonAsync($"/api/credentialProfiles/{profile.GetProperty("id").GetString()}", Settings(profile)))
            {
                await Json.ProblemAsync(noProfiles, HttpStatusCode.Forbidden, "profiles.forbidden");
            }
        }
        finally
        {
            await cleanup();
        }
    }

    [Fact]
    public async Task ApiClients_CreateAndRotate_SecretShownOnceOldSecretStopsWorking()
    {
        var (server, cleanup) = await StartAsync();
        try
        {
            using var admin = await server.SignInAsync("admin");
            using var created = await admin.PostAsJsonAsync("/api/apiClients", new { person = "carol", clientId = "carol-laptop" });
            Assert.Equal("no-store", created.Headers.CacheControl?.ToString());
            var first = (await Json.ReadAsync(created, HttpStatusCode.Created)).GetProperty("clientSecret").GetString()!;
            using (var token = await server.RequestTokenAsync("carol-laptop", first))
            {
                Assert.Equal(HttpStatusCode.OK, token.StatusCode);
            }

            using var rotated = await admin.PostAsync("/api/apiClients/carol-laptop/secret", null);
            var second = (await Json.ReadAsync(rotated, HttpStatusCode.OK)).GetProperty("clientSecret").GetString()!;
            Assert.NotEqual(first, second);
            using (var old = await server.RequestTokenAsync("carol-laptop", first))
            {
                Assert.Equal(HttpStatusCode.Unauthorized, old.StatusCode);
            }

            using (var fresh = await server.RequestTokenAsync("carol-laptop", second))
            {
                Assert.Equal(HttpStatusCode.OK, fresh.StatusCode);
            }

            using (var taken = await admin.PostAsJsonAsync("/api/apiClients", new { person = "carol", clientId = "carol-laptop" }))
            {
                await Json.ProblemAsync(taken, HttpStatusCode.Conflict, "clients.id_taken");
            }

            using var olivia = await server.SignInAsync("olivia");
            using (var forbidden = await olivia.PostAsJsonAsync("/api/apiClients", new { person = "carol" }))
            {
                await Json.ProblemAsync(forbidden, HttpStatusCode.Forbidden, "clients.forbidden");
            }

            var audit = await AuditAsync(admin, "clients.");
            Assert.Contains(audit, e => e.GetProperty("action").GetString() == "clients.rotate_secret" && e.GetProperty("outcome").GetString() == "Succeeded");
            Assert.DoesNotContain(audit, e => e.GetProperty("details").GetString()!.Contains(second, StringComparison.Ordinal));
        }
        finally
        {
            await cleanup();
        }
    }

    /// <summary>A second administrator made through the API: a person, the Administrator role at scope All, an API client.</summary>
    internal static async Task<HttpClient> SecondAdministratorAsync(DemoServer server, HttpClient admin, string logon)
    {
        using var person = await admin.PostAsJsonAsync("/api/people", new { logonName = logon, name = logon.ToUpperInvariant(), email = $"{logon}@acme.example", group = "Acme" });
        var id = (await Json.ReadAsync(person, HttpStatusCode.Created)).GetProperty("id").GetString();
        using var role = await admin.PostAsJsonAsync($"/api/people/{id}/roles", new { role = "Administrator", scope = "All" });
        await Json.ReadAsync(role, HttpStatusCode.Created);
        using var client = await admin.PostAsJsonAsync("/api/apiClients", new { person = logon, clientId = $"{logon}-cli" });
        var secret = (await Json.ReadAsync(client, HttpStatusCode.Created)).GetProperty("clientSecret").GetString()!;
        using var token = await server.RequestTokenAsync($"{logon}-cli", secret);
        var access = (await Json.ReadAsync(token, HttpStatusCode.OK)).GetProperty("access_token").GetString();
        var signedIn = server.Address is null ? server.App.GetTestClient() : new HttpClient { BaseAddress = server.Address };
        signedIn.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", access);
        return signedIn;
    }

    private static async Task<JsonElement> ProfileAsync(HttpClient admin, string name) =>
        (await admin.GetFromJsonAsync<JsonElement>("/api/credentialProfiles?pageSize=50")).GetProperty("results").EnumerateArray().Single(p => p.GetProperty("name").GetString() == name);

    private static async Task<string> PersonIdAsync(HttpClient client, string logon) =>
        (await client.GetFromJsonAsync<JsonElement>($"/api/people?logonName={logon}")).GetProperty("results")[0].GetProperty("id").GetString()!;

    private static async Task<List<JsonElement>> AuditAsync(HttpClient admin, string action) =>
        [.. (await admin.GetFromJsonAsync<JsonElement>($"/api/audit?action={action}&pageSize=500")).GetProperty("results").EnumerateArray()];

    private static string[] Names(JsonElement list) => [.. list.EnumerateArray().Select(e => e.GetString()!)];

    /// <summary>A profile's view as the settings a PUT takes (role lists by name).</summary>
    private static JsonObject Settings(JsonElement profile)
    {
        var settings = JsonNode.Parse(profile.GetRawText())!.AsObject();
        settings.Remove("id");
        return settings;
    }
}

public sealed class SqliteAdministrationTests : AdministrationTests
{
    protected override async Task<(DemoServer Server, Func<ValueTask> Cleanup)> StartAsync()
    {
        var server = await DemoServer.StartAsync();
        return (server, server.DisposeAsync);
    }
}

public sealed class PostgresAdministrationTests(PostgresServer postgres) : AdministrationTests, IClassFixture<PostgresServer>
{
    protected override async Task<(DemoServer Server, Func<ValueTask> Cleanup)> StartAsync()
    {
        var database = await postgres.CreateEmptyDatabaseAsync(CancellationToken.None);
        var data = Directory.CreateTempSubdirectory("keyward-pg-admin-").FullName;
        var server = await DemoServer.StartAsync(o =>
        {
            o.Database = database.Options;
            o.DataDirectory = data;
        });
        return (server, async () =>
        {
            await server.DisposeAsync();
            await database.DisposeAsync();
            Directory.Delete(data, recursive: true);
        });
    }
}
