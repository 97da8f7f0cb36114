using Keyward.Common;
using Keyward.People;
using Keyward.Scopes;
using Keyward.Storage.Tests.Infrastructure;

namespace Keyward.Storage.Tests.People;

/// <summary>Groups, people with their role assignments, and roles, through <see cref="IKeywardStore"/>.</summary>
public abstract class PeopleStorageTests(ITestDatabaseSource source) : StorageTestBase(source)
{
    [Fact]
    public async Task Groups_Tree_RoundTripsPathsAndParents()
    {
        var acme = TestData.Group("Acme");
        var finance = TestData.Group("Finance", acme);
        var payroll = TestData.Group("Payroll", finance);
        var engineering = TestData.Group("Engineering", acme);
        await SaveAsync(acme, finance, payroll, engineering);

        var groups = await ListAsync(s => s.Groups.OrderBy(g => g.Path));

        Assert.Equal(["Acme", "Acme/Engineering", "Acme/Finance", "Acme/Finance/Payroll"], groups.Select(g => g.Path));
        Assert.Equal([null, acme.Id, acme.Id, finance.Id], groups.Select(g => g.ParentId));
        Assert.Equal(["Acme", "Engineering", "Finance", "Payroll"], groups.Select(g => g.Name));
        var tree = new GroupTree(groups);
        Assert.Equal(new[] { finance.Id, payroll.Id }.Order(), tree.Subtree(finance.Id).Order());
    }

    [Fact]
    public async Task Person_WithRoleAssignments_RoundTripsAssignmentsAndAdministrativeGroups()
    {
        var acme = TestData.Group("Acme");
        var finance = TestData.Group("Finance", acme);
        var payroll = TestData.Group("Payroll", finance);
        var viewer = TestData.Role("Viewer", Operation.ViewPerson);
        var operatorRole = TestData.Role("Operator", Operation.RecoverCertificates, Operation.CancelRequest);
        var person = new Person(Ids.New(), "jane.doe", "Jane Doe", "jane.doe@acme.example", finance.Id, enabled: false);
        person.SetPasswordHash("hash-of-a-password");
        var division = person.Assign(viewer, Scope.Division, [payroll.Id, acme.Id]);
        var self = person.Assign(operatorRole, Scope.Self);
        await SaveAsync(acme, finance, payroll, viewer, operatorRole, person);

        var stored = await FindAsync(s => s.People.Where(p => p.Id == person.Id));

        Assert.NotNull(stored);
        Assert.Equal(("jane.doe", "Jane Doe", "jane.doe@acme.example", finance.Id, false, "hash-of-a-password"),
            (stored.LogonName, stored.Name, stored.Email, stored.GroupId, stored.Enabled, stored.PasswordHash));
        var assignments = stored.Assignments.OrderBy(a => a.Scope).ToList();
        Assert.Equal(2, assignments.Count);
        Assert.Equal((self.Id, person.Id, operatorRole.Id, Scope.Self), (assignments[0].Id, assignments[0].PersonId, assignments[0].RoleId, assignments[0].Scope));
        Assert.Empty(assignments[0].AdministrativeGroupIds);
        Assert.Equal((division.Id, viewer.Id, Scope.Division), (assignments[1].Id, assignments[1].RoleId, assignments[1].Scope));
        Assert.Equal([payroll.Id, acme.Id], assignments[1].AdministrativeGroupIds);
    }

    [Fact]
    public async Task Person_UpdatedAndAssignedInLaterUnitOfWork_PersistsTheChanges()
    {
        var acme = TestData.Group("Acme");
        var finance = TestData.Group("Finance", acme);
        var viewer = TestData.Role("Viewer", Operation.ViewPerson);
        var person = TestData.Person("jane.doe", acme);
        await SaveAsync(acme, finance, viewer, person);

        await using (var scope = NewScope())
        {
            var store = StoreOf(scope);
            var loaded = await store.FirstOrDefaultAsync(store.People.Where(p => p.Id == person.Id), CancellationToken.None);
            Assert.NotNull(loaded);
            loaded.Update("Jane Smith", "jane.smith@acme.example", finance.Id, enabled: false);
            loaded.Assign(viewer, Scope.Department, [acme.Id]);
            await store.SaveChangesAsync(CancellationToken.None);
        }

        var stored = await FindAsync(s => s.People.Where(p => p.Id == person.Id));

        Assert.NotNull(stored);
        Assert.Equal(("Jane Smith", "jane.smith@acme.example", finance.Id, false), (stored.Name, stored.Email, stored.GroupId, stored.Enabled));
        var assignment = Assert.Single(stored.Assignments);
        Assert.Equal((viewer.Id, Scope.Department), (assignment.RoleId, assignment.Scope));
        Assert.Equal([acme.Id], assignment.AdministrativeGroupIds);
    }

    [Fact]
    public async Task Role_WithOperations_RoundTripsTheOperationList()
    {
        var role = TestData.Role("Recovery Operator", Operation.ValidateRequest, Operation.ViewPerson, Operation.ViewAudit, Operation.CollectMyCard);
        var empty = TestData.Role("Nothing yet");
        await SaveAsync(role, empty);

        var roles = await ListAsync(s => s.Roles.OrderBy(r => r.Name));

        Assert.Equal(["Nothing yet", "Recovery Operator"], roles.Select(r => r.Name));
        Assert.Empty(roles[0].Operations);
        Assert.Equal([Operation.ViewPerson, Operation.ValidateRequest, Operation.CollectMyCard, Operation.ViewAudit], roles[1].Operations);
        Assert.Equal("The Recovery Operator role.", roles[1].Description);
        Assert.True(roles[1].Grants(Operation.ViewAudit));
    }

    [Fact]
    public async Task SaveChangesAsync_SameLogonNameFromTwoUnitsOfWork_SecondConflictsAndWritesNothing()
    {
        var acme = TestData.Group("Acme");
        await SaveAsync(acme);
        await using var first = NewScope();
        await using var second = NewScope();
        var winner = TestData.Person("sam", acme, "Sam First");
        var loser = TestData.Person("sam", acme, "Sam Second");
        var loserGroup = TestData.Group("Staged with the loser");
        StoreOf(first).Add(winner);
        StoreOf(second).Add(loserGroup);
        StoreOf(second).Add(loser);

        await StoreOf(first).SaveChangesAsync(CancellationToken.None);
        await Assert.ThrowsAsync<ConcurrencyConflictException>(() => StoreOf(second).SaveChangesAsync(CancellationToken.None));

        var sams = await ListAsync(s => s.People.Where(p => p.LogonName == "sam"));
        Assert.Equal(winner.Id, Assert.Single(sams).Id);
        Assert.Null(await FindAsync(s => s.Groups.Where(g => g.Id == loserGroup.Id)));

        // The failed unit of work forgot what it had staged: it can go on and save something else.
        var later = TestData.Group("Saved after the conflict");
        StoreOf(second).Add(later);
        await StoreOf(second).SaveChangesAsync(CancellationToken.None);
        Assert.NotNull(await FindAsync(s => s.Groups.Where(g => g.Id == later.Id)));
        Assert.Null(await FindAsync(s => s.People.Where(p => p.Id == loser.Id)));
    }
}

[Collection(OnSqlite.Name)]
public sealed class SqlitePeopleStorageTests(SqliteDatabases databases) : PeopleStorageTests(databases);

[Collection(OnPostgres.Name)]
public sealed class PostgresPeopleStorageTests(PostgresServer server) : PeopleStorageTests(server);
