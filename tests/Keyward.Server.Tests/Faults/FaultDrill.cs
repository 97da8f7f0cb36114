using System.Net;
using System.Text.Json;
using Keyward.Server.Demo;
using Keyward.Server.Tests.Certificates;
using Keyward.Server.Tests.Infrastructure;
using Keyward.Server.Tests.Recovery;
using Xunit.Sdk;

namespace Keyward.Server.Tests.Faults;

/// <summary>
/// What the fault tests share: a <c>keyward server</c> process with short server leases, approved File Store requests
/// for carol with one certificate each, carol's collects as they came back (or did not), and the checks that must
/// hold after any fault — every request settles, every PFX that reached the client opens and has its audited
/// release, and the server counted exactly the releases it audited.
/// </summary>
internal static class FaultDrill
{
    /// <summary>How long one call may take before the test calls it a hang.</summary>
    public static readonly TimeSpan CallLimit = TimeSpan.FromSeconds(30);

    /// <summary>
    /// A demo server's environment with a lease of 4 s renewed every second, so a dead process's collections come back
    /// within seconds; on PostgreSQL when <paramref name="postgresConnectionString"/> is given, else on the data folder's
    /// SQLite database.
    /// </summary>
    public static Dictionary<string, string> Environment(string? postgresConnectionString = null)
    {
        var environment = new Dictionary<string, string>
        {
            ["Keyward__KeyProtector__Passphrase"] = DemoServer.TestPassphrase,
            ["Keyward__KeyProtector__KeyPoolSize"] = "0",
            ["Keyward__Collection__LeaseDuration"] = "00:00:04",
            ["Keyward__Collection__LeaseHeartbeat"] = "00:00:01",
        };
        if (postgresConnectionString is not null)
        {
            environment["Keyward__Database__Provider"] = "Postgres";
            environment["Keyward__Database__ConnectionString"] = postgresConnectionString;
        }

        return environment;
    }

    /// <summary>
    /// <paramref name="count"/> requests for carol, each for one archived encryption certificate of hers (the demo's two,
    /// and as many more as the admin issues), asked by olivia and approved by victor: every one awaits issue.
    /// </summary>
    public static async Task<IReadOnlyList<Ticket>> ApprovedRequestsForCarolAsync(KeywardProcess server, int count)
    {
        using var admin = await server.SignInAsync("admin");
        using var olivia = await server.SignInAsync("olivia");
        using var victor = await server.SignInAsync("victor");
        var carolId = await Json.PersonIdAsync(admin, "carol");
        var missing = count - (await RecoverySteps.ArchivedEncryptionCertificatesAsync(admin, carolId)).Count;
        await Task.WhenAll(Enumerable.Range(0, Math.Max(0, missing)).Select(async _ =>
        {
            using var issued = await CertificateApi.IssueAsync(admin, carolId, DemoOrganisation.EncryptionPolicy);
            await Json.ReadAsync(issued, HttpStatusCode.Created);
        }));

        var certificates = (await RecoverySteps.ArchivedEncryptionCertificatesAsync(admin, carolId)).Take(count).ToList();
        Assert.Equal(count, certificates.Count);
        return await Task.WhenAll(certificates.Select(async certificate =>
        {
            var request = await RecoverySteps.RequestAsync(olivia, carolId, RaceTests.SoftCertificate, [certificate.Key]);
            var id = request.GetProperty("id").GetString()!;
            Assert.Equal("AwaitingIssue", (await RecoverySteps.ApproveAsync(victor, id)).GetProperty("status").GetString());
            return new Ticket(id, certificate.Key, certificate.Value);
        }));
    }

    /// <summary>
    /// <c>POST /api/requests/{id}/collect</c> as carol would send it, with <paramref name="password"/> or for a generated
    /// one: what came back, or that nothing did (the connection broke, or no answer within <see cref="CallLimit"/>).
    /// </summary>
    public static async Task<Answer> CollectAsync(HttpClient client, string requestId, string? password = null)
    {
        using var limit = new CancellationTokenSource(CallLimit);
        try
        {
            using var response = await client.PostAsync(new Uri($"/api/requests/{requestId}/collect", UriKind.Relative), Json.Body(password is null ? new { } : new { password }), limit.Token);
            var body = await response.Content.ReadAsStringAsync(limit.Token);
            return new Answer(requestId, password, response.StatusCode, response.Content.Headers.ContentType?.MediaType, body, null);
        }
        catch (OperationCanceledException) when (limit.IsCancellationRequested)
        {
            return new Answer(requestId, password, null, null, string.Empty, $"no answer within {CallLimit.TotalSeconds} s");
        }
        catch (Exception ex) when (ex is HttpRequestException or IOException)
        {
            return new Answer(requestId, password, null, null, string.Empty, $"{ex.GetType().Name}: {ex.Message}");
        }
    }

    /// <summary>A refusal or failure must be an RFC 9457 problem with a stable code (never a bare 500), and never a hang.</summary>
    public static void AssertProblemWithCode(Answer answer)
    {
        ArgumentNullException.ThrowIfNull(answer);
        Assert.True(answer.Status is not null, $"Request {answer.RequestId}: the server must answer, not hang or drop the connection: {answer}");
        Assert.True((int)answer.Status! >= 400, $"Request {answer.RequestId}: a collect that did not deliver a PFX answers an error status: {answer}");
        Assert.True(answer.MediaType == "application/problem+json" && !string.IsNullOrWhiteSpace(answer.Code), $"Request {answer.RequestId}: the error is a problem+json with a code: {answer}");
    }

    /// <summary>Waits until none of the requests is InProgress (the server returns interrupted collections by itself); their statuses.</summary>
    public static async Task<IReadOnlyDictionary<string, string>> SettledAsync(HttpClient admin, IReadOnlyList<Ticket> tickets)
    {
        ArgumentNullException.ThrowIfNull(tickets);
        IReadOnlyDictionary<string, string> statuses = new Dictionary<string, string>();
        try
        {
            await Eventually.HoldsAsync("no request is InProgress", async () =>
            {
                var read = await Task.WhenAll(tickets.Select(async t => (t.RequestId, Status: await RecoverySteps.StatusAsync(admin, t.RequestId))));
                statuses = read.ToDictionary(r => r.RequestId, r => r.Status);
                return statuses.Values.All(s => s != "InProgress");
            });
        }
        catch (XunitException ex)
        {
            throw new XunitException($"{ex.Message} Last seen: {Describe(statuses)}.", ex);
        }

        return statuses;
    }

    /// <summary>The PFX opens with the password it came with and holds the ticket's certificate with its own private key.</summary>
    public static void AssertPfxOpens(Answer answer, Ticket ticket)
    {
        ArgumentNullException.ThrowIfNull(answer);
        ArgumentNullException.ThrowIfNull(ticket);
        Assert.True(answer.Delivered, $"Request {ticket.RequestId}: {answer}");
        var collected = answer.Json;
        var password = answer.ChosenPassword ?? collected.GetProperty("password").GetString();
        Assert.False(string.IsNullOrEmpty(password), $"Request {ticket.RequestId}: a generated password comes with the PFX.");
        RaceTests.AssertPfxHoldsTheKeys(collected.GetProperty("pfx").GetBytesFromBase64(), password, [ticket.Serial]);
    }

    /// <summary>
    /// No key left without an entry: for each request, the <c>recovery.release</c> Succeeded entries of the audit trail
    /// number exactly the releases its history records ("Released", "ReleasedAgain"), and at least the PFXs the client
    /// received; then the whole chain verifies.
    /// </summary>
    public static async Task AssertEveryReleaseAuditedAsync(HttpClient admin, IReadOnlyList<Ticket> tickets, IEnumerable<Answer> answers)
    {
        ArgumentNullException.ThrowIfNull(tickets);
        var received = answers.Where(a => a.Delivered).GroupBy(a => a.RequestId).ToDictionary(g => g.Key, g => g.Count());
        foreach (var ticket in tickets)
        {
            var request = await RecoverySteps.GetAsync(admin, ticket.RequestId);
            var history = RecoverySteps.History(request);
            var recorded = history.Count(a => a is "Released" or "ReleasedAgain");
            var audit = await Json.GetAsync(admin, $"/api/audit?action=recovery.release&targetId={ticket.RequestId}&outcome=Succeeded&pageSize=100");
            var audited = audit.GetProperty("total").GetInt32();
            var delivered = received.GetValueOrDefault(ticket.RequestId);
            var story = $"request {ticket.RequestId} ({request.GetProperty("status").GetString()}): history [{string.Join(", ", history)}], {audited} recovery.release entries, {delivered} PFX(s) received";
            Assert.True(recorded == audited, $"Every release the request records has its audit entry and no other: {story}");
            Assert.True(delivered <= audited, $"Every PFX that reached the client has its recovery.release entry: {story}");
        }

        var verified = await Json.GetAsync(admin, "/api/audit/verify");
        Assert.True(verified.GetProperty("intact").GetBoolean(), $"The audit chain is intact: {verified}");
    }

    /// <summary>The requests' histories, alike ones counted together (for the test output: which paths the fault took).</summary>
    public static async Task<string> HistoriesAsync(HttpClient admin, IReadOnlyList<Ticket> tickets)
    {
        ArgumentNullException.ThrowIfNull(tickets);
        var histories = await Task.WhenAll(tickets.Select(async t => string.Join(", ", RecoverySteps.History(await RecoverySteps.GetAsync(admin, t.RequestId)))));
        return string.Join('\n', histories.GroupBy(h => h).OrderByDescending(g => g.Count()).Select(g => $"  {g.Count()} × [{g.Key}]"));
    }

    public static string Describe(IReadOnlyDictionary<string, string> statuses) =>
        string.Join(", ", statuses.Values.GroupBy(s => s).OrderBy(g => g.Key, StringComparer.Ordinal).Select(g => $"{g.Count()} × {g.Key}"));

    public static string Describe(IEnumerable<Answer> answers) =>
        string.Join(", ", answers.GroupBy(a => a.Summary).OrderBy(g => g.Key, StringComparer.Ordinal).Select(g => $"{g.Count()} × {g.Key}"));

    /// <summary>One approved request for one certificate of carol's.</summary>
    public sealed record Ticket(string RequestId, string CertificateId, string Serial);

    /// <summary>What one collect (with the collector's own password, or none) got: an HTTP answer, or <see cref="Failure"/> when none arrived.</summary>
    public sealed record Answer(string RequestId, string? ChosenPassword, HttpStatusCode? Status, string? MediaType, string Body, string? Failure)
    {
        /// <summary>A complete 200 answer: the client holds the PFX.</summary>
        public bool Delivered => Status == HttpStatusCode.OK;

        public JsonElement Json => JsonDocument.Parse(Body).RootElement.Clone();

        /// <summary>The stable code of a problem answer, or null.</summary>
        public string? Code
        {
            get
            {
                if (MediaType != "application/problem+json")
                {
                    return null;
                }

                try
                {
                    return Json.TryGetProperty("code", out var code) ? code.GetString() : null;
                }
                catch (JsonException)
                {
                    return null;
                }
            }
        }

        /// <summary>Status and code, or what broke: for grouping in messages.</summary>
        public string Summary => Status is { } status ? $"{(int)status} {Code ?? (Delivered ? "PFX" : MediaType)}" : "no answer";

        public override string ToString() =>
            Status is { } status ? $"{(int)status} {MediaType}: {(Delivered ? "(a PFX)" : Body)}" : $"no answer ({Failure})";
    }
}
