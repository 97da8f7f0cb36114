using Keyward.Devices;
using Keyward.Recovery;
using Keyward.Scopes;
using Keyward.Storage.Tests.Infrastructure;

namespace Keyward.Storage.Tests.Common;

/// <summary>
/// <see cref="Keyward.Common.IKeywardStore.DiscardChanges"/>: after a refused step, a use case discards what it
/// staged and then saves its audit entry in the same unit of work. Nothing it had staged may ride along.
/// </summary>
public abstract class DiscardChangesTests(ITestDatabaseSource source) : StorageTestBase(source)
{
    [Fact]
    public async Task DiscardChanges_StagedAdds_AreNotSavedLater()
    {
        var basics = await SeedBasicsAsync();
        var group = TestData.Group("Staged");
        var person = TestData.Person("staged.person", basics.Group);
        var kept = TestData.Group("Added after discarding");

        await using (var scope = NewScope())
        {
            var store = StoreOf(scope);
            store.Add(group);
            store.Add(person);
            store.DiscardChanges();
            store.Add(kept);
            await store.SaveChangesAsync(CancellationToken.None);
        }

        Assert.Null(await FindAsync(s => s.Groups.Where(g => g.Id == group.Id)));
        Assert.Null(await FindAsync(s => s.People.Where(p => p.Id == person.Id)));
        Assert.NotNull(await FindAsync(s => s.Groups.Where(g => g.Id == kept.Id)));
    }

    [Fact]
    public async Task DiscardChanges_StagedModifications_AreRevertedAndNotSavedLater()
    {
        var basics = await SeedBasicsAsync();
        var card = TestData.SmartCard(basics.Target, basics.Profile);
        await SaveAsync(card);

        await using (var scope = NewScope())
        {
            var store = StoreOf(scope);
            var person = await store.FirstOrDefaultAsync(store.People.Where(p => p.Id == basics.Target.Id), CancellationToken.None);
            var device = await store.FirstOrDefaultAsync(store.Devices.Where(d => d.Id == card.Id), CancellationToken.None);
            Assert.NotNull(person);
            Assert.NotNull(device);
            person.Update("Renamed", "renamed@acme.example", basics.Group.Id, enabled: false);
            device.ChangeStatus(DeviceStatus.Lost);

            store.DiscardChanges();

            // The loaded records show the stored values again.
            Assert.Equal(("target", true), (person.Name, person.Enabled));
            Assert.Equal((DeviceStatus.Active, card.ConcurrencyStamp), (device.Status, device.ConcurrencyStamp));
            await store.SaveChangesAsync(CancellationToken.None);
        }

        var storedPerson = await FindAsync(s => s.People.Where(p => p.Id == basics.Target.Id));
        var storedDevice = await FindAsync(s => s.Devices.Where(d => d.Id == card.Id));
        Assert.Equal(("target", "target@acme.example", true), (storedPerson!.Name, storedPerson.Email, storedPerson.Enabled));
        Assert.Equal((DeviceStatus.Active, card.ConcurrencyStamp), (storedDevice!.Status, storedDevice.ConcurrencyStamp));
    }

    [Fact]
    public async Task DiscardChanges_AfterApprove_ApprovalAndHistoryAreNotSavedLater()
    {
        var basics = await SeedBasicsAsync();
        var request = TestData.Request(basics, approvalsRequired: 1, "cert-1");
        await SaveAsync(request);

        await using (var scope = NewScope())
        {
            var store = StoreOf(scope);
            var loaded = await store.FirstOrDefaultAsync(store.Requests.Where(r => r.Id == request.Id), CancellationToken.None);
            Assert.NotNull(loaded);
            Assert.True(loaded.Approve(basics.Approver.Id, "staged", TestData.Instant.AddMinutes(1), Channel.Web).IsSuccess);

            store.DiscardChanges();

            Assert.Equal(RequestStatus.AwaitingValidation, loaded.Status);
            Assert.Empty(loaded.Approvals);
            Assert.Single(loaded.History);
            store.Add(TestData.Group("Saved after discarding"));
            await store.SaveChangesAsync(CancellationToken.None);
        }

        var stored = await FindAsync(s => s.Requests.Where(r => r.Id == request.Id));
        Assert.NotNull(stored);
        Assert.Equal((RequestStatus.AwaitingValidation, request.ConcurrencyStamp), (stored.Status, stored.ConcurrencyStamp));
        Assert.Empty(stored.Approvals);
        Assert.Equal(["Requested"], stored.History.Select(h => h.Action));
    }

    [Fact]
    public async Task DiscardChanges_AfterAssign_AssignmentIsNotSavedLater()
    {
        var basics = await SeedBasicsAsync();

        await using (var scope = NewScope())
        {
            var store = StoreOf(scope);
            var person = await store.FirstOrDefaultAsync(store.People.Where(p => p.Id == basics.Target.Id), CancellationToken.None);
            Assert.NotNull(person);
            person.Assign(basics.Role, Scope.All);

            store.DiscardChanges();

            Assert.Empty(person.Assignments);
            store.Add(TestData.Group("Saved after discarding"));
            await store.SaveChangesAsync(CancellationToken.None);
        }

        var stored = await FindAsync(s => s.People.Where(p => p.Id == basics.Target.Id));
        Assert.NotNull(stored);
        Assert.Empty(stored.Assignments);
    }
}

[Collection(OnSqlite.Name)]
public sealed class SqliteDiscardChangesTests(SqliteDatabases databases) : DiscardChangesTests(databases);

[Collection(OnPostgres.Name)]
public sealed class PostgresDiscardChangesTests(PostgresServer server) : DiscardChangesTests(server);
