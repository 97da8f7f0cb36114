using Keyward.Audit;
using Keyward.Common;
using Keyward.Recovery;
using Keyward.Server.Recovery;
using Keyward.Server.Tests.Infrastructure;
using Keyward.Testing.Databases;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Keyward.Server.Tests.Recovery;

/// <summary>
/// Interrupted collections (docs/recovery.md, "Interrupted collections"): a collection that a server process took and
/// had not released when it died is returned to AwaitingIssue once that process's lease lapses; a collection held by a
/// process whose lease is renewed is never touched, so servers sharing a database never release each other's work. On
/// both databases (<see cref="SqliteInterruptedCollectionTests"/>, <see cref="PostgresInterruptedCollectionTests"/>).
/// </summary>
public abstract class InterruptedCollectionTests
{
    private const string FileStore = "Key Recovery - Soft Certificate";

    protected abstract Task<DemoServer> StartAsync();

    protected abstract ValueTask CleanUpAsync();

    [Fact]
    public async Task LeaseRound_HolderLeaseLapsed_CollectionReturnedToAwaitingIssue()
    {
        var server = await StartAsync();
        try
        {
            var id = await TakenByAsync(server, "dead-process", leaseFor: TimeSpan.FromSeconds(15));

            server.Clock.Advance(TimeSpan.FromSeconds(16));
            await LeaseService(server).RunOnceAsync(CancellationToken.None);

            await using var scope = server.App.Services.CreateAsyncScope();
            var store = scope.ServiceProvider.GetRequiredService<IKeywardStore>();
            var request = await store.FirstOrDefaultAsync(store.Requests.Where(r => r.Id == id), CancellationToken.None);
            Assert.Equal((RequestStatus.AwaitingIssue, (string?)null, 0), (request!.Status, request.CollectionHolder, request.Releases));
            Assert.Contains("stopped before any key was released", request.History[^1].Notes, StringComparison.Ordinal);
            var audit = await store.ToListAsync(store.AuditEvents.Where(e => e.TargetId == id && e.Action == "recovery.collect"), CancellationToken.None);
            var entry = Assert.Single(audit);
            Assert.Equal((AuditOutcome.Failed, Channel.System), (entry.Outcome, entry.Channel));
            Assert.Contains("dead-process", entry.Details, StringComparison.Ordinal);
        }
        finally
        {
            await server.DisposeAsync();
            await CleanUpAsync();
        }
    }

    [Fact]
    public async Task LeaseRound_HolderLeaseRenewed_CollectionUntouched()
    {
        var server = await StartAsync();
        try
        {
            var id = await TakenByAsync(server, "live-process", leaseFor: TimeSpan.FromHours(1));

            server.Clock.Advance(TimeSpan.FromMinutes(5));
            await LeaseService(server).RunOnceAsync(CancellationToken.None);

            await using var scope = server.App.Services.CreateAsyncScope();
            var store = scope.ServiceProvider.GetRequiredService<IKeywardStore>();
            var request = await store.FirstOrDefaultAsync(store.Requests.Where(r => r.Id == id), CancellationToken.None);
            Assert.Equal((RequestStatus.InProgress, "live-process"), (request!.Status, request.CollectionHolder));
        }
        finally
        {
            await server.DisposeAsync();
            await CleanUpAsync();
        }
    }

    [Fact]
    public async Task LeaseRound_ThisProcess_TakesAndRenewsItsOwnLease()
    {
        var server = await StartAsync();
        try
        {
            var instance = server.App.Services.GetRequiredService<ServerInstance>();
            server.Clock.Advance(TimeSpan.FromMinutes(1));
            await LeaseService(server).RunOnceAsync(CancellationToken.None);

            await using var scope = server.App.Services.CreateAsyncScope();
            var store = scope.ServiceProvider.GetRequiredService<IKeywardStore>();
            var lease = await store.FirstOrDefaultAsync(store.ServerLeases.Where(l => l.Id == instance.Id), CancellationToken.None);
            Assert.NotNull(lease);
            Assert.True(lease.ExpiresAt > server.Clock.GetUtcNow().UtcDateTime, "The lease runs past now after a round.");
        }
        finally
        {
            await server.DisposeAsync();
            await CleanUpAsync();
        }
    }

    private static ServerLeaseService LeaseService(DemoServer server) =>
        server.App.Services.GetServices<IHostedService>().OfType<ServerLeaseService>().Single();

    /// <summary>An approved File Store request of carol's taken by <paramref name="holder"/>, whose lease runs for <paramref name="leaseFor"/>.</summary>
    private static async Task<string> TakenByAsync(DemoServer server, string holder, TimeSpan leaseFor)
    {
        using var olivia = await server.SignInAsync("olivia");
        var carolId = await Json.PersonIdAsync(olivia, "carol");
        var certificates = await CardholderCertificates.OfAsync(olivia, carolId);
        var id = await RecoverySteps.ApprovedForCarolAsync(server, FileStore, [certificates.Current]);
        await using var scope = server.App.Services.CreateAsyncScope();
        var store = scope.ServiceProvider.GetRequiredService<IKeywardStore>();
        var now = server.Clock.GetUtcNow().UtcDateTime;
        var request = await store.FirstOrDefaultAsync(store.Requests.Where(r => r.Id == id), CancellationToken.None);
        Assert.True(request!.BeginCollection(carolId, holder, now, Channel.Api).IsSuccess);
        store.Add(new ServerLease(holder, "another host/1", now, leaseFor));
        await store.SaveChangesAsync(CancellationToken.None);
        return id;
    }
}

public sealed class SqliteInterruptedCollectionTests : InterruptedCollectionTests
{
    protected override Task<DemoServer> StartAsync() => DemoServer.StartAsync();

    protected override ValueTask CleanUpAsync() => ValueTask.CompletedTask;
}

public sealed class PostgresInterruptedCollectionTests(PostgresServer postgres) : InterruptedCollectionTests, IClassFixture<PostgresServer>
{
    private readonly List<Func<ValueTask>> _cleanups = [];

    protected override async Task<DemoServer> StartAsync()
    {
        var database = await postgres.CreateEmptyDatabaseAsync(CancellationToken.None);
        var data = Directory.CreateTempSubdirectory("keyward-pg-lease-").FullName;
        _cleanups.Add(database.DisposeAsync);
        _cleanups.Add(() =>
        {
            Directory.Delete(data, recursive: true);
            return ValueTask.CompletedTask;
        });
        return await DemoServer.StartAsync(o =>
        {
            o.Database = database.Options;
            o.DataDirectory = data;
        });
    }

    protected override async ValueTask CleanUpAsync()
    {
        foreach (var cleanup in _cleanups)
        {
            await cleanup();
        }

        _cleanups.Clear();
    }
}
