using System.Net;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using Keyward.ApiClients;
using Keyward.Audit;
using Keyward.Common;
using Keyward.Devices;
using Keyward.People;
using Keyward.Recovery;
using Keyward.Scopes;
using Keyward.Server.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using OpenIddict.Abstractions;
using Xunit.Abstractions;

namespace Keyward.Server.Tests.Recovery;

/// <summary>
/// Single-use collection and approvals that race (docs/recovery.md#collecting, #validating) under contention, through the Core API of a real server with the demo organisation:
/// many collectors released together on one approved request, and many distinct validators released together on
/// one request that needs two approvals. Each provider runs the same tests (<see cref="SqliteRaceTests"/>,
/// <see cref="PostgresRaceTests"/>); every assertion is about outcomes, never about timing.
/// </summary>
public abstract class RaceTests(ITestOutputHelper output)
{
    public const string SoftCertificate = "Key Recovery - Soft Certificate";
    public const string DualControl = "Key Recovery - Dual Control";
    public const int Collectors = 20;
    public const int Validators = 10;

    /// <summary>People allowed to collect carol's File Store request: the owner, an operator in scope, the administrator.</summary>
    public static readonly IReadOnlyList<string> CollectorLogons = ["carol", "olivia", "admin"];

    /// <summary>Where each test writes how the race went (how many lost at the save, how many found the request taken).</summary>
    protected ITestOutputHelper Output { get; } = output;

    /// <summary>Starts a demo server on this class's provider, on a database of its own.</summary>
    protected abstract Task<Deployment> StartAsync();

    [Fact]
    public async Task Collect_TwentyCollectorsAtOnce_ExactlyOnePfxAndNineteenNotCollectable()
    {
        await using var deployment = await StartAsync();
        var server = deployment.Server;
        var (id, serials) = await ApprovedRequestAsync(server);
        var runners = new List<Race.Runner>();
        try
        {
            for (var i = 0; i < Collectors; i++)
            {
                var logon = CollectorLogons[i % CollectorLogons.Count];
                runners.Add(new Race.Runner($"{logon}#{i + 1}", await server.SignInAsync(logon)));
            }

            var outcomes = await Race.RunAsync(runners, client => RecoverySteps.PostAsync(client, id, "collect"));
            Output.WriteLine($"{Collectors} collectors:\n{Race.Tally(outcomes)}");

            await using var scope = server.App.Services.CreateAsyncScope();
            var store = scope.ServiceProvider.GetRequiredService<IKeywardStore>();
            var collected = AssertOneCollected(outcomes, await DescribeAsync(store, id));
            AssertPfxHoldsTheKeys(collected, serials);
            await AssertCollectedOnceAsync(store, id, outcomes);
        }
        finally
        {
            runners.ForEach(r => r.Client.Dispose());
        }
    }

    [Fact]
    public async Task Approve_TenDistinctValidatorsAtOnceOnTwoApprovalRequest_OneTransitionNoLostApproval()
    {
        await using var deployment = await StartAsync();
        var server = deployment.Server;
        var validators = await AddValidatorsAsync(server, Validators);
        using var olivia = await server.SignInAsync("olivia");
        var carolId = await Json.PersonIdAsync(olivia, "carol");
        var wanted = await RecoverySteps.ArchivedEncryptionCertificatesAsync(olivia, carolId);
        var request = await RecoverySteps.RequestAsync(olivia, carolId, DualControl, wanted.Keys);
        Assert.Equal(2, request.GetProperty("approvalsRequired").GetInt32());
        var id = request.GetProperty("id").GetString()!;
        var runners = new List<Race.Runner>();
        IReadOnlyList<Race.Outcome> outcomes;
        try
        {
            foreach (var logon in validators)
            {
                runners.Add(new Race.Runner(logon, await server.SignInAsync(logon)));
            }

            outcomes = await Race.RunAsync(runners, client => RecoverySteps.PostAsync(client, id, "approve", new { notes = "Race test." }));
            Output.WriteLine($"{Validators} validators:\n{Race.Tally(outcomes)}");
        }
        finally
        {
            runners.ForEach(r => r.Client.Dispose());
        }

        await using var scope = server.App.Services.CreateAsyncScope();
        var store = scope.ServiceProvider.GetRequiredService<IKeywardStore>();
        var report = Race.Describe(outcomes) + "\n" + await DescribeAsync(store, id);
        Assert.True(outcomes.All(o => (int)o.Status < 500), $"No validator may get a server error:\n{report}");
        var approved = outcomes.Where(o => o.Status == HttpStatusCode.OK).ToList();
        Assert.True(approved.Count == 2, $"Exactly two validators (the approvals required) get 200; {approved.Count} did:\n{report}");

        // Each validator approves once, and a lost save is forgotten and decided again, so nobody finds their own
        // approval already stored (recovery.already_approved): once two approvals are in, the request has left
        // AwaitingValidation and every later approver is told so by the state check, which comes first.
        Assert.True(
            outcomes.Except(approved).All(o => o.Status == HttpStatusCode.Conflict && o.Code == "recovery.wrong_state"),
            $"Every other validator gets 409 recovery.wrong_state:\n{report}");

        // One transition: one winner saw the first approval (still awaiting validation), the other the second (collectable).
        var views = approved.Select(o => o.Json).ToList();
        Assert.Equal(
            [("AwaitingIssue", 2), ("AwaitingValidation", 1)],
            views.Select(v => (v.GetProperty("status").GetString()!, v.GetProperty("approvals").GetArrayLength())).Order());

        var stored = await store.FirstOrDefaultAsync(store.Requests.Where(r => r.Id == id), CancellationToken.None);
        Assert.Equal(RequestStatus.AwaitingIssue, stored!.Status);
        var approverIds = stored.Approvals.Select(a => a.ApproverId).ToList();
        var approvers = await store.ToListAsync(store.People.Where(p => approverIds.Contains(p.Id)).Select(p => p.LogonName), CancellationToken.None);

        // No lost approval: everyone told "approved" is in the list, and nobody else is.
        Assert.Equal(approved.Select(o => o.Actor).Order(StringComparer.Ordinal), approvers.Order(StringComparer.Ordinal));
        Assert.Equal(["Requested", "Approved", "Approved"], stored.History.OrderBy(h => h.Sequence).Select(h => h.Action));
        Assert.Equal(approverIds.Order(StringComparer.Ordinal), stored.History.Where(h => h.Action == "Approved").Select(h => h.ActorId!).Order(StringComparer.Ordinal));

        var audit = await store.ToListAsync(store.AuditEvents.Where(e => e.TargetId == id && e.Action == "recovery.approve"), CancellationToken.None);
        Assert.Equal(2, audit.Count(e => e.Outcome == AuditOutcome.Succeeded));
        Assert.Equal(Validators - 2, audit.Count(e => e.Outcome == AuditOutcome.Refused && e.Code == "recovery.wrong_state"));
        Assert.Equal(Validators, audit.Count);
        await AssertAuditChainLinearAsync(store);
    }

    /// <summary>
    /// Hardening finding 2: twenty requests for one certificate created at once gave 19 × 201 before the claims' key.
    /// At most one outstanding request per certificate is a database key, so exactly one is created.
    /// </summary>
    [Fact]
    public async Task Request_TwentyCreatesForOneCertificateAtOnce_ExactlyOneCreatedNineteenAlreadyRequested()
    {
        await using var deployment = await StartAsync();
        var server = deployment.Server;
        var outcomes = await RaceRequestsAsync(server.SignInAsync, Output);

        await using var scope = server.App.Services.CreateAsyncScope();
        await AssertOneRequestCreatedAsync(scope.ServiceProvider.GetRequiredService<IKeywardStore>(), outcomes);
    }

    /// <summary>Twenty requesters (olivia, admin and carol herself, in turn) ask at once for carol's current encryption key.</summary>
    internal static async Task<IReadOnlyList<Race.Outcome>> RaceRequestsAsync(Func<string, Task<HttpClient>> signIn, ITestOutputHelper output)
    {
        ArgumentNullException.ThrowIfNull(signIn);
        ArgumentNullException.ThrowIfNull(output);
        string carolId;
        string certificate;
        using (var olivia = await signIn("olivia"))
        {
            carolId = await Json.PersonIdAsync(olivia, "carol");
            certificate = (await CardholderCertificates.OfAsync(olivia, carolId)).Current;
        }

        var runners = new List<Race.Runner>();
        try
        {
            for (var i = 0; i < Collectors; i++)
            {
                var logon = CollectorLogons[i % CollectorLogons.Count];
                runners.Add(new Race.Runner($"{logon}#{i + 1}", await signIn(logon)));
            }

            var outcomes = await Race.RunAsync(runners, client => RecoverySteps.PostRequestAsync(client, carolId, SoftCertificate, [certificate]));
            output.WriteLine($"{Collectors} requesters:\n{Race.Tally(outcomes)}");
            return outcomes;
        }
        finally
        {
            runners.ForEach(r => r.Client.Dispose());
        }
    }

    /// <summary>One 201, nineteen 409 recovery.already_requested, one request stored for the certificate, one owner notice, an intact chain.</summary>
    internal static async Task AssertOneRequestCreatedAsync(IKeywardStore store, IReadOnlyList<Race.Outcome> outcomes)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(outcomes);
        var report = Race.Describe(outcomes);
        var created = outcomes.Where(o => o.Status == HttpStatusCode.Created).ToList();
        Assert.True(created.Count == 1, $"Exactly one request is created; {created.Count} were:\n{report}");
        Assert.True(
            outcomes.Except(created).All(o => o.Status == HttpStatusCode.Conflict && o.Code == "recovery.already_requested"),
            $"Every other requester gets 409 recovery.already_requested:\n{report}");

        var id = created[0].Json.GetProperty("id").GetString()!;
        var certificate = created[0].Json.GetProperty("certificates")[0].GetProperty("id").GetString()!;
        var requests = await store.ToListAsync(store.Requests.Where(r => r.Certificates.Any(c => c.CertificateId == certificate)).Select(r => r.Id), CancellationToken.None);
        Assert.Equal([id], requests);
        var ownerId = created[0].Json.GetProperty("targetId").GetString()!;
        var notices = await store.CountAsync(store.Notifications.Where(n => n.PersonId == ownerId && n.Subject.StartsWith("Key recovery requested")), CancellationToken.None);
        Assert.Equal(1, notices);
        await AssertAuditChainLinearAsync(store);
    }

    /// <summary>Olivia asks for carol's archived (unrevoked) encryption keys as a PFX, victor approves: id and the serial numbers.</summary>
    internal static async Task<(string Id, IReadOnlyCollection<string> Serials)> ApprovedRequestAsync(Func<string, Task<HttpClient>> signIn)
    {
        ArgumentNullException.ThrowIfNull(signIn);
        using var olivia = await signIn("olivia");
        using var victor = await signIn("victor");
        var carolId = await Json.PersonIdAsync(olivia, "carol");
        var wanted = await RecoverySteps.ArchivedEncryptionCertificatesAsync(olivia, carolId);
        Assert.NotEmpty(wanted);
        var request = await RecoverySteps.RequestAsync(olivia, carolId, SoftCertificate, wanted.Keys);
        var id = request.GetProperty("id").GetString()!;
        var approved = await RecoverySteps.ApproveAsync(victor, id);
        Assert.Equal("AwaitingIssue", approved.GetProperty("status").GetString());
        return (id, wanted.Values.ToList());
    }

    /// <summary>
    /// No server error; exactly one 200 and every other answer 409 <c>recovery.not_collectable</c>. Returns the 200's
    /// body. <paramref name="stored"/> describes what the store holds, for the failure message.
    /// </summary>
    internal static JsonElement AssertOneCollected(IReadOnlyList<Race.Outcome> outcomes, string stored)
    {
        ArgumentNullException.ThrowIfNull(outcomes);
        var report = Race.Describe(outcomes) + "\n" + stored;
        Assert.True(outcomes.All(o => (int)o.Status < 500), $"No collector may get a server error:\n{report}");
        // One collection: one person gets the PFX. That person may get it a second time, should a later attempt of
        // theirs come after the collection completed (a re-collection within the window, docs/recovery.md#releases);
        // nobody else ever does.
        var won = outcomes.Where(o => o.Status == HttpStatusCode.OK).ToList();
        var winners = won.Select(o => Person(o.Actor)).Distinct(StringComparer.Ordinal).ToList();
        Assert.True(winners.Count == 1 && won.Count <= 2, $"Exactly one person gets the PFX, at most twice; {won.Count} answers to {winners.Count} did:\n{report}");
        Assert.True(
            outcomes.Except(won).All(o => o.Status == HttpStatusCode.Conflict && o.Code is "recovery.not_collectable" or "recovery.release_limit"),
            $"Every other collector gets 409 recovery.not_collectable (or the winner recovery.release_limit):\n{report}");
        var body = won[0].Json;
        Assert.Equal("Completed", body.GetProperty("request").GetProperty("status").GetString());
        return body;
    }

    /// <summary>The PFX opens with the password it came with and holds exactly the requested certificates, each with its own private key.</summary>
    internal static void AssertPfxHoldsTheKeys(JsonElement collected, IReadOnlyCollection<string> serials)
    {
        var password = collected.GetProperty("password").GetString();
        Assert.False(string.IsNullOrEmpty(password));
        AssertPfxHoldsTheKeys(collected.GetProperty("pfx").GetBytesFromBase64(), password, serials);
    }

    /// <summary>The PFX opens with <paramref name="password"/> and holds exactly the requested certificates, each with its own private key.</summary>
    internal static void AssertPfxHoldsTheKeys(byte[] pfx, string password, IReadOnlyCollection<string> serials)
    {
        var certificates = X509CertificateLoader.LoadPkcs12Collection(pfx, password, X509KeyStorageFlags.EphemeralKeySet);
        try
        {
            var withKeys = certificates.Where(c => c.HasPrivateKey).ToList();
            Assert.Equal(serials.Order(StringComparer.Ordinal), withKeys.Select(c => c.SerialNumber.ToLowerInvariant()).Order(StringComparer.Ordinal));
            foreach (var certificate in withKeys)
            {
                using var key = certificate.GetRSAPrivateKey();
                Assert.NotNull(key);
                Assert.Equal(certificate.PublicKey.ExportSubjectPublicKeyInfo(), key.ExportSubjectPublicKeyInfo());
            }
        }
        finally
        {
            foreach (var certificate in certificates)
            {
                certificate.Dispose();
            }
        }
    }

    /// <summary>
    /// What the store holds after the collect race: the request completed once, one package recorded for it, and
    /// one successful and <c>Collectors - 1</c> refused collection attempts in an intact audit chain.
    /// </summary>
    internal static async Task AssertCollectedOnceAsync(IKeywardStore store, string requestId, IReadOnlyList<Race.Outcome> outcomes)
    {
        ArgumentNullException.ThrowIfNull(outcomes);
        var won = outcomes.Count(o => o.Status == HttpStatusCode.OK);
        ArgumentNullException.ThrowIfNull(store);
        var request = await store.FirstOrDefaultAsync(store.Requests.Where(r => r.Id == requestId), CancellationToken.None);
        Assert.NotNull(request);
        Assert.Equal(RequestStatus.Completed, request.Status);
        Assert.Single(request.History, h => h.Action == "CollectionStarted");
        Assert.Single(request.History, h => h.Action == "Completed");
        Assert.DoesNotContain(request.History, h => h.Action == "CollectionFailed");

        var targetId = request.TargetId;
        var packages = await store.ToListAsync(store.Devices.Where(d => d.OwnerId == targetId && d.Type == DeviceType.SoftCertificatePackage), CancellationToken.None);
        var package = Assert.Single(packages);
        Assert.Equal($"PFX-{requestId}", package.SerialNumber);
        Assert.Equal(package.Id, request.DeviceId);

        var audit = await store.ToListAsync(store.AuditEvents.Where(e => e.TargetId == requestId && e.Action == "recovery.collect"), CancellationToken.None);
        var summary = string.Join('\n', audit.OrderBy(e => e.Sequence).Select(e => $"  #{e.Sequence} {e.ActorName} {e.Outcome} {e.Code}"));
        Assert.True(audit.Count(e => e.Outcome == AuditOutcome.Succeeded) == 1, $"One successful recovery.collect in the audit trail:\n{summary}");
        Assert.True(
            audit.Count(e => e.Outcome == AuditOutcome.Refused) == Collectors - won,
            $"{Collectors - won} refused recovery.collect in the audit trail:\n{summary}");
        Assert.Equal(Collectors - won + 1, audit.Count);
        var releases = await store.CountAsync(store.AuditEvents.Where(e => e.TargetId == requestId && e.Action == RecoveryWorkflow.ReleaseAction && e.Outcome == AuditOutcome.Succeeded), CancellationToken.None);
        Assert.True(releases == won, $"Every PFX that left is one audited release: {won} PFX, {releases} releases.");
        await AssertAuditChainLinearAsync(store);
    }

    /// <summary>The person of a race runner named <c>logon#n</c> or <c>logon@server#n</c>.</summary>
    private static string Person(string actor) => actor.Split('#', '@')[0];

    /// <summary>The request's status and history and its audit entries, for failure messages.</summary>
    internal static async Task<string> DescribeAsync(IKeywardStore store, string requestId)
    {
        ArgumentNullException.ThrowIfNull(store);
        var request = await store.FirstOrDefaultAsync(store.Requests.Where(r => r.Id == requestId), CancellationToken.None);
        var audit = await store.ToListAsync(store.AuditEvents.Where(e => e.TargetId == requestId).OrderBy(e => e.Sequence), CancellationToken.None);
        return $"Stored: request {request?.Status}, history [{string.Join(", ", request?.History.OrderBy(h => h.Sequence).Select(h => h.Action) ?? [])}]; " +
               $"audit of the request: {string.Join(", ", audit.GroupBy(e => $"{e.Action} {e.Outcome} {e.Code}".TrimEnd()).Select(g => $"{g.Count()} × {g.Key}"))}";
    }

    /// <summary>docs/audit.md#appending-the-chain-and-its-lock: the audit chain stays linear: sequence 1..n without gaps, each entry linked to and hashed over the previous.</summary>
    internal static async Task AssertAuditChainLinearAsync(IKeywardStore store)
    {
        ArgumentNullException.ThrowIfNull(store);
        var chain = await store.ToListAsync(store.AuditEvents.OrderBy(e => e.Sequence), CancellationToken.None);
        var previous = AuditEvent.GenesisHash;
        for (var i = 0; i < chain.Count; i++)
        {
            Assert.Equal(i + 1, chain[i].Sequence);
            Assert.Equal(previous, chain[i].PreviousHash);
            Assert.Equal(chain[i].ComputeHash(), chain[i].Hash);
            previous = chain[i].Hash;
        }
    }

    private static Task<(string Id, IReadOnlyCollection<string> Serials)> ApprovedRequestAsync(DemoServer server) => ApprovedRequestAsync(server.SignInAsync);

    /// <summary>
    /// Adds <paramref name="count"/> people like victor — in Finance, Recovery Validator at Division scope — each
    /// with an API client <c>{logon}-cli</c> / <c>{logon}-secret</c>, as the demo adds its own.
    /// </summary>
    private static async Task<IReadOnlyList<string>> AddValidatorsAsync(DemoServer server, int count)
    {
        await using var scope = server.App.Services.CreateAsyncScope();
        var store = scope.ServiceProvider.GetRequiredService<IKeywardStore>();
        var applications = scope.ServiceProvider.GetRequiredService<IOpenIddictApplicationManager>();
        var finance = await store.FirstOrDefaultAsync(store.Groups.Where(g => g.Path == "Acme/Finance"), CancellationToken.None);
        var role = await store.FirstOrDefaultAsync(store.Roles.Where(r => r.Name == "Recovery Validator"), CancellationToken.None);
        Assert.NotNull(finance);
        Assert.NotNull(role);
        var logons = new List<string>();
        for (var i = 1; i <= count; i++)
        {
            var logon = $"validator{i:00}";
            var person = new Person(Ids.New(), logon, $"Validator {i}", $"{logon}@acme.example", finance.Id, enabled: true);
            person.Assign(role, Scope.Division);
            store.Add(person);
            store.Add(new ApiClient($"{logon}-cli", person.Id, $"{logon} (race test)", server.Clock.GetUtcNow().UtcDateTime));
            await store.SaveChangesAsync(CancellationToken.None);
            await applications.CreateAsync(
                new OpenIddictApplicationDescriptor
                {
                    ClientId = $"{logon}-cli",
                    ClientSecret = $"{logon}-secret",
                    ClientType = OpenIddictConstants.ClientTypes.Confidential,
                    DisplayName = $"{logon} (race test)",
                    Permissions = { OpenIddictConstants.Permissions.Endpoints.Token, OpenIddictConstants.Permissions.GrantTypes.ClientCredentials },
                },
                CancellationToken.None);
            logons.Add(logon);
        }

        return logons;
    }

    /// <summary>A demo server and what it stands on (a database, a data folder), thrown away together.</summary>
    protected sealed class Deployment(DemoServer server, params Func<ValueTask>[] cleanups) : IAsyncDisposable
    {
        public DemoServer Server { get; } = server;

        public async ValueTask DisposeAsync()
        {
            await Server.DisposeAsync();
            foreach (var cleanup in cleanups)
            {
                await cleanup();
            }
        }
    }
}
