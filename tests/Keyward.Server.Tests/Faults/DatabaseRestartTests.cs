using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Text.Json;
using Keyward.Audit;
using Keyward.Common;
using Keyward.Recovery;
using Keyward.Server.Demo;
using Keyward.Server.Recovery;
using Keyward.Server.Tests.Infrastructure;
using Keyward.Server.Tests.Recovery;
using Keyward.Testing.Databases;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Npgsql;
using Xunit.Abstractions;
using Xunit.Sdk;

namespace Keyward.Server.Tests.Faults;

/// <summary>
/// The database goes away under a running server: every call still gets an answer — while PostgreSQL is away a 503
/// <c>server.database_unavailable</c> with <c>Retry-After</c>, never a 500 — <c>/health</c> says so, and the server
/// serves again by itself once the database is back, without losing or doubling anything. The PostgreSQL server is
/// this class's own (an xunit class fixture per test class), so stopping it disturbs no other test.
/// </summary>
public sealed class DatabaseRestartTests(PostgresServer postgres, ITestOutputHelper output) : IClassFixture<PostgresServer>
{
    private const int Clients = 8;
    private const int FlowsPerClient = 8;

    /// <summary>The restart comes once this many flows are complete: a third of the way through.</summary>
    private const int RestartAfterFlows = Clients * FlowsPerClient / 3;

    /// <summary>How long the server may take to serve again once PostgreSQL accepts connections; a limit, not a measurement.</summary>
    private static readonly TimeSpan RecoveryLimit = TimeSpan.FromSeconds(30);

    /// <summary>How long a client keeps retrying one step answered 503 before the test fails.</summary>
    private static readonly TimeSpan RetryLimit = TimeSpan.FromSeconds(90);

    [Fact]
    public async Task DatabaseStopped_ApiAndHealth_Answer503WithRetryAfterThenServeAgainOnceItIsBack()
    {
        await using var deployment = await Deployment.StartAsync(postgres);
        var server = deployment.Server;
        using var admin = await server.SignInAsync("admin");
        var carolId = await Json.PersonIdAsync(admin, "carol");
        var people = await CountPeopleAsync(server);

        await postgres.StopForNowAsync(CancellationToken.None);
        try
        {
            // A health report is answered for up to a second before the next probe checks again (docs/operations.md#health).
            var report = await UnhealthyHealthReportAsync(server);
            Assert.Equal("Unhealthy", report.GetProperty("checks").GetProperty("database").GetString());
            Assert.Equal("Healthy", report.GetProperty("checks").GetProperty("keyProtector").GetString());

            using (var read = await admin.GetAsync(new Uri($"/api/people/{carolId}", UriKind.Relative)))
            {
                await AssertUnavailableAsync(read);
            }

            using (var write = await admin.PostAsync(new Uri("/api/people", UriKind.Relative), Json.Body(new { logonName = "zoe", name = "Zoe Quinn", email = "zoe@acme.example", group = "Acme/Legal" })))
            {
                await AssertUnavailableAsync(write);
            }
        }
        finally
        {
            await postgres.StartAgainAsync(CancellationToken.None);
        }

        var waited = await ServesAgainAsync(server, admin, carolId);
        output.WriteLine($"Served again {waited.TotalSeconds:0.0} s after PostgreSQL accepted connections.");
        Assert.Equal(people, await CountPeopleAsync(server));
    }

    /// <summary>
    /// Eight clients run whole recoveries — olivia requests one of carol's archived keys, victor approves, carol
    /// collects — each on a certificate of its own, while PostgreSQL is restarted with <c>pg_ctl restart -m fast</c>
    /// a third of the way through. A step answered 503 is retried after <c>Retry-After</c>; a retry may then find its
    /// step already done (the commit reached the database, its answer did not reach the client), which the client
    /// checks against the database.
    /// </summary>
    [Fact]
    public async Task PostgresRestartedDuringRecoveries_NoServerErrorNothingLostOrDoubledAuditIntact()
    {
        await using var deployment = await Deployment.StartAsync(postgres);
        var server = deployment.Server;
        using var admin = await server.SignInAsync("admin");
        var carolId = await Json.PersonIdAsync(admin, "carol");
        var certificates = new List<string>();
        for (var i = 0; i < Clients; i++)
        {
            using var issued = await admin.PostAsync(new Uri($"/api/people/{carolId}/certificates", UriKind.Relative), Json.Body(new { policyId = DemoOrganisation.EncryptionPolicy }));
            certificates.Add((await Json.ReadAsync(issued, HttpStatusCode.Created)).GetProperty("id").GetString()!);
        }

        var run = new Run(server, carolId);
        var clients = new List<Client>();
        try
        {
            for (var i = 0; i < Clients; i++)
            {
                clients.Add(new Client(i + 1, certificates[i], await server.SignInAsync("olivia"), await server.SignInAsync("victor"), await server.SignInAsync("carol")));
            }

            var flows = clients.Select(c => Task.Run(() => run.FlowsAsync(c, FlowsPerClient))).ToList();
            var restart = Task.Run(async () =>
            {
                await Eventually.HoldsAsync($"{RestartAfterFlows} flows are complete", () => Task.FromResult(run.Completed >= RestartAfterFlows), TimeSpan.FromMinutes(5));
                output.WriteLine($"Restarting PostgreSQL after {run.Completed} flows ({run.Answers.Count} answers so far).");
                await postgres.RestartAsync(CancellationToken.None);
                var waited = await ServesAgainAsync(server, admin, carolId);
                output.WriteLine($"PostgreSQL is back; the server served again {waited.TotalSeconds:0.0} s later.");
            });
            await Task.WhenAll([.. flows, restart]);
        }
        catch (Exception ex)
        {
            throw new XunitException($"{ex.Message}\n{run.Describe()}", ex);
        }
        finally
        {
            clients.ForEach(c => c.Dispose());
        }

        output.WriteLine(run.Describe());
        var answers = run.Answers.ToList();
        Assert.True(answers.All(a => a.Status < 500 || a.Status == 503), $"No server error other than 503:\n{run.Describe(a => a.Status >= 500)}");
        Assert.True(answers.Where(a => a.Status == 503).All(a => a.RetryAfter && a.Code == "server.database_unavailable"), $"Every 503 is server.database_unavailable with Retry-After:\n{run.Describe(a => a.Status == 503)}");
        Assert.True(answers.Any(a => a.Status == 503), "No client saw the restart: the test did not test the outage.");

        // A collection taken just before the database went away (InProgress) is released after the abandoned-collection
        // timeout, as it would be in production: then carol collects it. (The clock moves past the tokens' lifetime.)
        await ReleaseAndCollectStrandedAsync(server, run);

        await using var scope = server.App.Services.CreateAsyncScope();
        var store = scope.ServiceProvider.GetRequiredService<IKeywardStore>();
        var stored = await store.ToListAsync(store.Requests.Where(r => r.TargetId == carolId && r.Certificates.Any(c => certificates.Contains(c.CertificateId))), CancellationToken.None);
        var known = run.Requests.Keys.ToHashSet(StringComparer.Ordinal);

        // Not lost, not doubled: every request the database holds is one a client was told of (201, or found after a 503), and no more.
        Assert.True(known.SetEquals(stored.Select(r => r.Id)), $"The requests stored are exactly those the clients know of:\nstored {stored.Count}, known {known.Count} ({run.Created} answered 201, {run.Adopted} found after a 503)");
        var audit = await store.ToListAsync(store.AuditEvents.Where(e => e.Action == "recovery.collect" && e.Outcome == AuditOutcome.Succeeded), CancellationToken.None);
        foreach (var request in stored)
        {
            Assert.True(request.Status == RequestStatus.Completed, $"Request {request.Id} is {request.Status}: every flow ends collected.");
            Assert.Single(request.History, h => h.Action == "Completed");
            Assert.Single(audit, e => e.TargetId == request.Id);
            Assert.True(run.Requests[request.Id].Collected <= 1, $"Request {request.Id} was handed out {run.Requests[request.Id].Collected} times.");
        }

        using var auditor = await server.SignInAsync("admin");
        var verification = await Json.GetAsync(auditor, "/api/audit/verify");
        Assert.True(verification.GetProperty("intact").GetBoolean(), $"The audit chain is intact: {verification}");
    }

    /// <summary>Polls until <c>/health</c> and an API read both answer 200; fails after <see cref="RecoveryLimit"/>. Returns how long it took.</summary>
    private static async Task<TimeSpan> ServesAgainAsync(DemoServer server, HttpClient client, string personId)
    {
        var watch = Stopwatch.StartNew();
        await Eventually.HoldsAsync(
            "the server serves again after PostgreSQL is back",
            async () =>
            {
                using var health = await server.Client.GetAsync(new Uri("/health", UriKind.Relative));
                using var read = await client.GetAsync(new Uri($"/api/people/{personId}", UriKind.Relative));
                return health.StatusCode == HttpStatusCode.OK && read.StatusCode == HttpStatusCode.OK;
            },
            RecoveryLimit);
        return watch.Elapsed;
    }

    /// <summary>Polls <c>/health</c> until it answers 503 (a report is answered for up to a second); returns that report.</summary>
    private static async Task<JsonElement> UnhealthyHealthReportAsync(DemoServer server)
    {
        JsonElement report = default;
        await Eventually.HoldsAsync(
            "/health answers 503 once the database is gone",
            async () =>
            {
                using var health = await server.Client.GetAsync(new Uri("/health", UriKind.Relative));
                if (health.StatusCode != HttpStatusCode.ServiceUnavailable)
                {
                    Assert.Equal(HttpStatusCode.OK, health.StatusCode);
                    return false;
                }

                report = await Json.ReadAsync(health, HttpStatusCode.ServiceUnavailable);
                return true;
            },
            RecoveryLimit);
        return report;
    }

    private static async Task AssertUnavailableAsync(HttpResponseMessage response)
    {
        await Json.ProblemAsync(response, HttpStatusCode.ServiceUnavailable, "server.database_unavailable");
        Assert.True(response.Headers.RetryAfter?.Delta is { TotalSeconds: > 0 and <= 10 }, $"Retry-After of a few seconds, got '{response.Headers.RetryAfter}'.");
    }

    private static async Task ReleaseAndCollectStrandedAsync(DemoServer server, Run run)
    {
        var stranded = run.Requests.Where(r => r.Value.Stranded).Select(r => r.Key).ToList();
        if (stranded.Count == 0)
        {
            return;
        }

        var options = server.App.Services.GetRequiredService<Keyward.Server.Hosting.KeywardServerOptions>();
        server.Clock.Advance(options.AbandonedCollectionTimeout + TimeSpan.FromMinutes(1));
        var expiry = server.App.Services.GetServices<IHostedService>().OfType<RequestExpiryService>().Single();
        await expiry.RunOnceAsync(CancellationToken.None);
        using var carol = await server.SignInAsync("carol");

        // A collection this process took while the database was away is returned by its own lease's next heartbeat,
        // which the clock's advance fires on a timer of its own: wait for it rather than race it.
        using var admin = await server.SignInAsync("admin");
        await Eventually.HoldsAsync(
            "every stranded request is collectable again",
            async () =>
            {
                foreach (var id in stranded)
                {
                    if (await RecoverySteps.StatusAsync(admin, id) != "AwaitingIssue")
                    {
                        return false;
                    }
                }

                return true;
            });
        foreach (var id in stranded)
        {
            await RecoverySteps.CollectAsync(carol, id);
            run.Requests[id].Collected++;
        }
    }

    private static async Task<int> CountPeopleAsync(DemoServer server)
    {
        await using var scope = server.App.Services.CreateAsyncScope();
        var store = scope.ServiceProvider.GetRequiredService<IKeywardStore>();
        return await store.CountAsync(store.People, CancellationToken.None);
    }

    /// <summary>One client: its certificate of carol's and a signed-in client per person of the flow.</summary>
    private sealed record Client(int Number, string CertificateId, HttpClient Olivia, HttpClient Victor, HttpClient Carol) : IDisposable
    {
        public void Dispose()
        {
            Olivia.Dispose();
            Victor.Dispose();
            Carol.Dispose();
        }
    }

    /// <summary>What one call answered.</summary>
    private sealed record Answer(int Client, string Step, int Status, string? Code, bool RetryAfter, string Body);

    /// <summary>What the clients know of one request.</summary>
    private sealed class Known
    {
        /// <summary>How many collect answers handed out its PFX.</summary>
        public int Collected { get; set; }

        /// <summary>Its collection was taken but not completed when the database went away: InProgress until released.</summary>
        public bool Stranded { get; set; }
    }

    /// <summary>The clients' flows against one server, and everything they were answered.</summary>
    private sealed class Run(DemoServer server, string carolId)
    {
        private int _completed;
        private int _created;
        private int _adopted;

        public ConcurrentQueue<Answer> Answers { get; } = new();

        public ConcurrentDictionary<string, Known> Requests { get; } = new(StringComparer.Ordinal);

        public int Completed => Volatile.Read(ref _completed);

        public int Created => Volatile.Read(ref _created);

        public int Adopted => Volatile.Read(ref _adopted);

        public async Task FlowsAsync(Client client, int count)
        {
            for (var flow = 0; flow < count; flow++)
            {
                var id = await RequestAsync(client);
                await ApproveAsync(client, id);
                if (!await CollectAsync(client, id))
                {
                    // Stranded InProgress: its certificate stays requested until the collection is released.
                    return;
                }

                Interlocked.Increment(ref _completed);
            }
        }

        private async Task<string> RequestAsync(Client client)
        {
            var (answer, retried) = await UntilAnsweredAsync(client, "request", () => RecoverySteps.PostRequestAsync(client.Olivia, carolId, RaceTests.SoftCertificate, [client.CertificateId]));
            if (answer.Status == 201)
            {
                Interlocked.Increment(ref _created);
                var id = JsonDocument.Parse(answer.Body).RootElement.GetProperty("id").GetString()!;
                Assert.True(Requests.TryAdd(id, new Known()), $"Request {id} was answered 201 twice.");
                return id;
            }

            // The first attempt's commit reached the database though its answer did not: that request is the one.
            Expect(answer, retried, 409, "recovery.already_requested");
            var outstanding = await StoredAsync(r => r.TargetId == carolId
                                                     && r.Certificates.Any(c => c.CertificateId == client.CertificateId)
                                                     && (r.Status == RequestStatus.AwaitingValidation || r.Status == RequestStatus.AwaitingIssue || r.Status == RequestStatus.InProgress));
            var found = Assert.Single(outstanding);
            Assert.True(Requests.TryAdd(found.Id, new Known()), $"Request {found.Id} was found after a 503 but had been answered 201.");
            Interlocked.Increment(ref _adopted);
            return found.Id;
        }

        private async Task ApproveAsync(Client client, string id)
        {
            var (answer, retried) = await UntilAnsweredAsync(client, "approve", () => RecoverySteps.PostAsync(client.Victor, id, "approve"));
            if (answer.Status != 200)
            {
                Expect(answer, retried, 409, "recovery.wrong_state", "recovery.already_approved");
                Assert.Equal(RequestStatus.AwaitingIssue, Assert.Single(await StoredAsync(r => r.Id == id)).Status);
            }
        }

        /// <summary>Collects; false when the collection is stranded InProgress.</summary>
        private async Task<bool> CollectAsync(Client client, string id)
        {
            while (true)
            {
                var (answer, retried) = await UntilAnsweredAsync(client, "collect", () => RecoverySteps.PostAsync(client.Carol, id, "collect"));
                if (answer.Status == 200)
                {
                    Requests[id].Collected++;
                    return true;
                }

                Expect(answer, retried, 409, "recovery.not_collectable");
                switch (Assert.Single(await StoredAsync(r => r.Id == id)).Status)
                {
                    case RequestStatus.Completed:
                        // Collected, but the answer with the PFX was lost on the way (the re-collect of a lost answer is to come).
                        return true;
                    case RequestStatus.InProgress:
                        Requests[id].Stranded = true;
                        return false;
                    case RequestStatus.AwaitingIssue:
                        continue;
                    case var other:
                        Assert.Fail($"Request {id} is {other} after a refused collect.");
                        return false;
                }
            }
        }

        /// <summary>Sends until the answer is not 503 (waiting Retry-After between tries); the answer, and whether it was a retry.</summary>
        private async Task<(Answer Answer, bool Retried)> UntilAnsweredAsync(Client client, string step, Func<Task<HttpResponseMessage>> send)
        {
            var limit = Stopwatch.StartNew();
            for (var attempt = 0; ; attempt++)
            {
                using var response = await send();
                var body = await response.Content.ReadAsStringAsync();
                var code = response.Content.Headers.ContentType?.MediaType == "application/problem+json"
                    ? JsonDocument.Parse(body).RootElement.TryGetProperty("code", out var c) ? c.GetString() : null
                    : null;
                var answer = new Answer(client.Number, step, (int)response.StatusCode, code, response.Headers.RetryAfter?.Delta is not null, body);
                Answers.Enqueue(answer);
                if (answer.Status != 503)
                {
                    return (answer, attempt > 0);
                }

                Assert.True(limit.Elapsed < RetryLimit, $"Client {client.Number}'s {step} was answered 503 for {RetryLimit.TotalSeconds} s.");
                await Task.Delay(response.Headers.RetryAfter?.Delta ?? TimeSpan.FromSeconds(1));
            }
        }

        private static void Expect(Answer answer, bool retried, int status, params string[] codes) =>
            Assert.True(
                retried && answer.Status == status && codes.Contains(answer.Code),
                $"Client {answer.Client}'s {answer.Step}: expected 2xx{(retried ? $", or {status} {string.Join('/', codes)} on a retry" : string.Empty)}; got {answer.Status} {answer.Code}: {answer.Body}");

        private async Task<List<RecoveryRequest>> StoredAsync(System.Linq.Expressions.Expression<Func<RecoveryRequest, bool>> which)
        {
            await using var scope = server.App.Services.CreateAsyncScope();
            var store = scope.ServiceProvider.GetRequiredService<IKeywardStore>();
            return await store.ToListAsync(store.Requests.Where(which), CancellationToken.None);
        }

        public string Describe(Func<Answer, bool>? which = null) =>
            $"{Answers.Count} answers, {Completed} flows completed, {Created} requests answered 201, {Adopted} found after a 503, " +
            $"{Requests.Values.Count(r => r.Stranded)} stranded InProgress:\n" +
            string.Join('\n', Answers.Where(which ?? (_ => true))
                .GroupBy(a => $"{a.Step} {a.Status} {a.Code}{(a.Status == 503 ? (a.RetryAfter ? " with Retry-After" : " WITHOUT Retry-After") : string.Empty)}")
                .OrderBy(g => g.Key, StringComparer.Ordinal)
                .Select(g => $"  {g.Count()} × {g.Key}" + (g.First().Status >= 500 && g.First().Status != 503 ? $"\n    e.g. {g.First().Body}" : string.Empty)));
    }

    /// <summary>A demo server in this process on a database of this class's PostgreSQL, with a data folder of its own.</summary>
    private sealed class Deployment(DemoServer server, TestDatabase database, string data) : IAsyncDisposable
    {
        public DemoServer Server { get; } = server;

        public static async Task<Deployment> StartAsync(PostgresServer postgres)
        {
            var database = await postgres.CreateEmptyDatabaseAsync(CancellationToken.None);
            var data = Directory.CreateTempSubdirectory("keyward-pg-fault-").FullName;
            try
            {
                var server = await DemoServer.StartAsync(o =>
                {
                    o.Database = database.Options;
                    o.DataDirectory = data;
                });
                return new Deployment(server, database, data);
            }
            catch
            {
                await database.DisposeAsync();
                Directory.Delete(data, recursive: true);
                throw;
            }
        }

        public async ValueTask DisposeAsync()
        {
            await Server.DisposeAsync();
            NpgsqlConnection.ClearAllPools();
            await database.DisposeAsync();
            try
            {
                Directory.Delete(data, recursive: true);
            }
            catch (IOException)
            {
                // A file still held open is harmless in a temporary folder.
            }
        }
    }
}
