using Keyward.Common;
using Keyward.People;
using Keyward.Scopes;
using Keyward.Storage.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Keyward.Storage.Tests.People;

/// <summary>
/// The access epoch and the caller cache over it: every change to people, groups, roles, role assignments or credential
/// profiles raises the epoch in the database — also one written behind the server's back, as another server process or
/// a bulk load would — and a cached caller, and the profiles cached with it, are used only while the epoch stands.
/// </summary>
public abstract class AccessCacheTests(ITestDatabaseSource source) : StorageTestBase(source)
{
    [Fact]
    public async Task Epoch_RisesWithEachChangeToPeopleGroupsRolesAndAssignments_AndOnlyThen()
    {
        var group = TestData.Group("Acme");
        var role = TestData.Role("Viewer", Operation.ViewPerson);
        var person = TestData.Person("ann", group);
        var epochs = new List<long> { await EpochAsync() };

        await SaveAsync(store => store.Add(group));
        epochs.Add(await EpochAsync());
        await SaveAsync(store => store.Add(role));
        epochs.Add(await EpochAsync());
        await SaveAsync(store => store.Add(person));
        epochs.Add(await EpochAsync());
        await SaveAsync(async store => (await store.FirstOrDefaultAsync(store.People.Where(p => p.Id == person.Id), default))!.Assign(role, Scope.Department));
        epochs.Add(await EpochAsync());
        await SqlAsync(db => db.Database.ExecuteSqlAsync($"""UPDATE "People" SET "Name" = {"Ann B."} WHERE "Id" = {person.Id}"""));
        epochs.Add(await EpochAsync());
        await SqlAsync(db => db.Database.ExecuteSqlAsync($"""DELETE FROM "RoleAssignment" WHERE "PersonId" = {person.Id}"""));
        epochs.Add(await EpochAsync());
        var profile = TestData.Profile("Key Recovery", role);
        await SaveAsync(store => store.Add(profile));
        epochs.Add(await EpochAsync());
        await SqlAsync(db => db.Database.ExecuteSqlAsync($"""UPDATE "CredentialProfiles" SET "ApprovalsRequired" = 2 WHERE "Id" = {profile.Id}"""));
        epochs.Add(await EpochAsync());

        for (var i = 1; i < epochs.Count; i++)
        {
            Assert.True(epochs[i] > epochs[i - 1], $"change {i} did not raise the epoch: {string.Join(", ", epochs)}");
        }

        var before = await EpochAsync();
        await SaveAsync(store => store.Add(TestData.Policy("Encryption")));
        Assert.Equal(before, await EpochAsync());
    }

    [Fact]
    public async Task Profiles_ServedWithTheCallerWhileNothingChanges_AndFreshAfterAChangeWrittenBehindItsBack()
    {
        var acme = TestData.Group("Acme");
        var role = TestData.Role("Validator", Operation.ValidateRequest);
        var ann = TestData.Person("ann", acme);
        var profile = TestData.Profile("Key Recovery", role);
        await SaveAsync(store =>
        {
            store.Add(acme);
            store.Add(role);
            store.Add(ann);
            store.Add(profile);
        });
        using var cache = new AccessCache(Services.GetRequiredService<IKeywardStoreFactory>());

        var first = await ResolveAsync(cache, ann.Id);
        Assert.Equal("Key Recovery", first!.Profiles![profile.Id].Name);
        Assert.Same(first.Profiles, (await ResolveAsync(cache, ann.Id))!.Profiles);

        // Another process renames the profile: the next call gets it as it now is.
        await SqlAsync(db => db.Database.ExecuteSqlAsync($"""UPDATE "CredentialProfiles" SET "Name" = {"Key Recovery (dual)"} WHERE "Id" = {profile.Id}"""));
        var after = await ResolveAsync(cache, ann.Id);

        Assert.Equal("Key Recovery (dual)", after!.Profiles![profile.Id].Name);
    }

    [Fact]
    public async Task Cache_ServesTheSameCallerWhileNothingChanges_AndSeesAChangeWrittenBehindItsBack()
    {
        var acme = TestData.Group("Acme");
        var finance = TestData.Group("Finance", acme);
        var role = TestData.Role("Viewer", Operation.ViewPerson);
        var ann = TestData.Person("ann", finance);
        ann.Assign(role, Scope.Department);
        await SaveAsync(store =>
        {
            store.Add(acme);
            store.Add(finance);
            store.Add(role);
            store.Add(ann);
        });
        using var cache = new AccessCache(Services.GetRequiredService<IKeywardStoreFactory>());

        var first = await ResolveAsync(cache, ann.Id);
        var second = await ResolveAsync(cache, ann.Id);
        Assert.Same(first, second);
        Assert.True(first!.ReachFor(Operation.ViewPerson).Covers("someone", finance.Id));

        // Another process moves Ann to Acme and disables her: the next call sees both.
        await SqlAsync(db => db.Database.ExecuteSqlAsync($"""UPDATE "People" SET "GroupId" = {acme.Id}, "Enabled" = {false} WHERE "Id" = {ann.Id}"""));
        var after = await ResolveAsync(cache, ann.Id);

        Assert.NotSame(first, after);
        Assert.False(after!.Caller.Enabled);
        Assert.Equal(acme.Id, after.Caller.GroupId);
        Assert.True(after.ReachFor(Operation.ViewPerson).IsEmpty);
    }

    [Fact]
    public async Task Cache_SeesANewGroupAndAnUnknownPerson()
    {
        var acme = TestData.Group("Acme");
        var role = TestData.Role("Viewer", Operation.ViewPerson);
        var ann = TestData.Person("ann", acme);
        ann.Assign(role, Scope.Division);
        await SaveAsync(store =>
        {
            store.Add(acme);
            store.Add(role);
            store.Add(ann);
        });
        using var cache = new AccessCache(Services.GetRequiredService<IKeywardStoreFactory>());
        Assert.Null(await ResolveAsync(cache, "nobody"));
        var before = await ResolveAsync(cache, ann.Id);

        var legal = TestData.Group("Legal", acme);
        await SaveAsync(store => store.Add(legal));
        var after = await ResolveAsync(cache, ann.Id);

        Assert.False(before!.ReachFor(Operation.ViewPerson).Covers("someone", legal.Id));
        Assert.True(after!.ReachFor(Operation.ViewPerson).Covers("someone", legal.Id));
        Assert.NotNull(after.Policy.Groups.FindByPath("acme/legal"));
    }

    [Fact]
    public async Task KnownLogonName_OfRecentCallersUnderTheSameEpoch_AndOfNoOneOnceItRises()
    {
        var acme = TestData.Group("Acme");
        var ann = TestData.Person("ann", acme);
        var bob = TestData.Person("bob", acme);
        var cy = TestData.Person("cy", acme);
        await SaveAsync(store =>
        {
            store.Add(acme);
            store.Add(ann);
            store.Add(bob);
            store.Add(cy);
        });
        using var cache = new AccessCache(Services.GetRequiredService<IKeywardStoreFactory>());

        var annAccess = await ResolveAsync(cache, ann.Id);
        Assert.Null(annAccess!.KnownLogonName(bob.Id));
        await ResolveAsync(cache, bob.Id);
        Assert.Equal("bob", annAccess.KnownLogonName(bob.Id));
        Assert.Null(annAccess.KnownLogonName(cy.Id));
        Assert.Null(annAccess.KnownLogonName("no-such-person"));

        // Bob is renamed behind the cache's back: the epoch rises, and a name cached before it is no longer given.
        await SqlAsync(db => db.Database.ExecuteSqlAsync($"""UPDATE "People" SET "LogonName" = {"robert"} WHERE "Id" = {bob.Id}"""));
        var annAfter = await ResolveAsync(cache, ann.Id);
        Assert.Null(annAfter!.KnownLogonName(bob.Id));
        await ResolveAsync(cache, bob.Id);
        Assert.Equal("robert", annAfter.KnownLogonName(bob.Id));

        // A context of the earlier epoch never mixes in a name of the later one.
        Assert.Null(annAccess.KnownLogonName(bob.Id));
    }

    private async Task<AccessContext?> ResolveAsync(AccessCache cache, string personId)
    {
        await using var scope = NewScope();
        return await new CallerResolver(StoreOf(scope), cache).ResolveAsync(personId, CancellationToken.None);
    }

    private async Task<long> EpochAsync()
    {
        await using var scope = NewScope();
        return await StoreOf(scope).AccessEpochAsync(CancellationToken.None);
    }

    private Task SaveAsync(Action<IKeywardStore> change) => SaveAsync(store =>
    {
        change(store);
        return Task.CompletedTask;
    });

    private async Task SaveAsync(Func<IKeywardStore, Task> change)
    {
        await using var scope = NewScope();
        var store = StoreOf(scope);
        await change(store);
        await store.SaveChangesAsync(CancellationToken.None);
    }

    private async Task SqlAsync(Func<KeywardDbContext, Task<int>> change)
    {
        await using var scope = NewScope();
        Assert.Equal(1, await change(scope.ServiceProvider.GetRequiredService<KeywardDbContext>()));
    }
}

[Collection(OnSqlite.Name)]
public sealed class SqliteAccessCacheTests(SqliteDatabases databases) : AccessCacheTests(databases);

[Collection(OnPostgres.Name)]
public sealed class PostgresAccessCacheTests(PostgresServer server) : AccessCacheTests(server);
