using Keyward.Audit;
using Keyward.Common;
using Keyward.People;
using Keyward.Profiles;
using Keyward.Recovery;
using Keyward.Scopes;
using Keyward.Storage.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Time.Testing;

namespace Keyward.Storage.Tests.Recovery;

/// <summary>
/// A wide reach's request list and review queue test each request's target group on the request's own row
/// (<see cref="RecoveryRequest.TargetGroupId"/>, docs/scopes.md, "Requests in a reach"), which the database keeps from
/// People: these tests hold that the lists follow the person, on each provider.
/// </summary>
public abstract class RequestReachTests(ITestDatabaseSource source) : StorageTestBase(source)
{
    private static readonly DateTime T0 = TestData.Instant;
    private static readonly FakeTimeProvider Clock = new(T0.AddHours(1));

    [Fact]
    public async Task DivisionOfManyGroups_ListsAndQueuesTheRequestsOfItsPeople_AndNoOneElses()
    {
        var org = await SeedAsync();

        var list = await ListAsync(org.Victor, new RequestFilter(null, null), new PageRequest(null, null));
        var queue = await ListAsync(org.Victor, new RequestFilter(RequestStatus.AwaitingValidation, null), new PageRequest(null, null));
        var firstPage = await ListAsync(org.Victor, new RequestFilter(null, null), new PageRequest(1, 4));

        // Newest first in the list, oldest first in the queue; the outsider's request is in neither.
        Assert.Equal(org.InFinance.AsEnumerable().Reverse(), list.Results.Select(r => r.Id));
        Assert.Equal(org.InFinance.Count, list.Total);
        Assert.Equal(org.InFinance, queue.Results.Select(r => r.Id));
        Assert.Equal(org.InFinance.Count, queue.Total);
        Assert.Equal(org.InFinance.AsEnumerable().Reverse().Take(4), firstPage.Results.Select(r => r.Id));
        Assert.Equal(org.InFinance.Count, firstPage.Total);
    }

    [Fact]
    public async Task PersonMovedOutOfTheDivision_TheirRequestLeavesItsListAndQueueAtOnce_AndJoinsTheNewGroups()
    {
        var org = await SeedAsync();
        var moved = org.InFinance[3];

        await MoveAsync(org.MovingPerson, org.OutsideGroup);

        var list = await ListAsync(org.Victor, new RequestFilter(null, null), new PageRequest(null, null));
        var queue = await ListAsync(org.Victor, new RequestFilter(RequestStatus.AwaitingValidation, null), new PageRequest(null, null));
        var outsidersQueue = await ListAsync(org.Olga, new RequestFilter(RequestStatus.AwaitingValidation, null), new PageRequest(null, null));

        Assert.DoesNotContain(moved, list.Results.Select(r => r.Id));
        Assert.DoesNotContain(moved, queue.Results.Select(r => r.Id));
        Assert.Equal(org.InFinance.Count - 1, queue.Total);
        Assert.Equal([org.Outsiders, moved], outsidersQueue.Results.Select(r => r.Id));

        // And back: the request follows the person again.
        await MoveAsync(org.MovingPerson, org.FinanceLeaf);
        var back = await ListAsync(org.Victor, new RequestFilter(RequestStatus.AwaitingValidation, null), new PageRequest(null, null));
        Assert.Equal(org.InFinance, back.Results.Select(r => r.Id));
    }

    [Fact]
    public async Task RequestWrittenWithAStaleGroup_TakesItsTargetsGroupFromTheDatabase()
    {
        var org = await SeedAsync();
        var id = Ids.New();
        var request = RecoveryRequest.Open(id, RequestKind.SoftCertificate, org.MovingPerson, org.OutsideGroup, null, org.Profile, [$"cert-{id}"], org.Requester, 1, 1, T0.AddDays(1), null, Channel.Web);

        await SaveAsync(request);

        Assert.Equal(org.FinanceLeaf, await GroupOfAsync(id));
        var queue = await ListAsync(org.Victor, new RequestFilter(RequestStatus.AwaitingValidation, null), new PageRequest(null, null));
        Assert.Equal(id, queue.Results[^1].Id);
    }

    [Fact]
    public async Task PersonMovedWhileARequestForThemIsBeingWritten_TheRequestFollowsTheMove()
    {
        var org = await SeedAsync();
        var id = Ids.New();

        // The request's transaction stays open after its insert; the move starts meanwhile and must not be lost:
        // PostgreSQL holds the person's row from the insert to the commit, SQLite has one writer at a time.
        await using (var scope = NewScope())
        {
            var db = DbOf(scope);
            await using var transaction = await db.Database.BeginTransactionAsync();
            db.Requests.Add(RecoveryRequest.Open(id, RequestKind.SoftCertificate, org.MovingPerson, org.FinanceLeaf, null, org.Profile, [$"cert-{id}"], org.Requester, 1, 1, T0.AddDays(1), null, Channel.Web));
            await db.SaveChangesAsync();
            var move = Task.Run(() => MoveAsync(org.MovingPerson, org.OutsideGroup));
            await Task.Delay(TimeSpan.FromMilliseconds(500));
            await transaction.CommitAsync();
            await move;
        }

        Assert.Equal(org.OutsideGroup, await GroupOfAsync(id));
        var outsidersQueue = await ListAsync(org.Olga, new RequestFilter(RequestStatus.AwaitingValidation, null), new PageRequest(null, null));
        Assert.Contains(id, outsidersQueue.Results.Select(r => r.Id));
    }

    private async Task MoveAsync(string personId, string groupId)
    {
        await using var scope = NewScope();
        var store = StoreOf(scope);
        var person = await store.FirstOrDefaultAsync(store.People.Where(p => p.Id == personId), CancellationToken.None);
        Assert.NotNull(person);
        person.Update(person.Name, person.Email, groupId, person.Enabled);
        await store.SaveChangesAsync(CancellationToken.None);
    }

    private async Task<string?> GroupOfAsync(string requestId)
    {
        await using var scope = NewScope();
        return await DbOf(scope).Requests.Where(r => r.Id == requestId).Select(r => r.TargetGroupId).SingleAsync();
    }

    private async Task<Page<RequestView>> ListAsync(string callerId, RequestFilter filter, PageRequest page)
    {
        await using var scope = NewScope();
        var store = StoreOf(scope);
        var access = await new CallerResolver(store).ResolveAsync(callerId, CancellationToken.None);
        Assert.NotNull(access);
        var result = await new RecoveryWorkflow(store, new AuditTrail(store, Clock), new NoKeys(), CommonPasswords.BuiltIn, Clock, new ServerInstance("test"), new CollectionOptions())
            .ListAsync(access, filter, page, CancellationToken.None);
        Assert.True(result.IsSuccess, result.Error?.Code);
        return result.Value;
    }

    /// <summary>
    /// Finance is a Division of more than <see cref="Reach.NarrowGroups"/> groups, so Victor's reach is a wide one; Olga
    /// validates for Sales (a Division of its own). One awaiting request per Finance group, made oldest first, and one
    /// for a salesperson made between them.
    /// </summary>
    private async Task<Organisation> SeedAsync()
    {
        var acme = TestData.Group("Acme");
        var finance = TestData.Group("Finance", acme);
        var teams = Enumerable.Range(1, Reach.NarrowGroups + 2).Select(i => TestData.Group($"Finance team {i}", finance)).ToList();
        var sales = TestData.Group("Sales", acme);
        var validator = TestData.Role("Validator", Operation.SearchRequests, Operation.ViewRequest, Operation.ValidateRequest);
        var profile = TestData.Profile("Recovery", validator);
        var victor = TestData.Person("victor", finance);
        victor.Assign(validator, Scope.Division);
        var olga = TestData.Person("olga", sales);
        olga.Assign(validator, Scope.Division);
        var requester = TestData.Person("requester", acme);
        var staff = teams.Select((team, i) => TestData.Person($"staff{i:D2}", team)).ToList();
        var salesperson = TestData.Person("salesperson", sales);
        await SaveAsync([acme, finance, .. teams, sales, validator, profile, victor, olga, requester, .. staff, salesperson]);

        var minute = 0;
        RecoveryRequest Open(Person target)
        {
            var id = Ids.New();
            return RecoveryRequest.Open(id, RequestKind.SoftCertificate, target.Id, target.GroupId, null, profile.Id, [$"cert-{id}"], requester.Id, 1, 1, T0.AddMinutes(minute++), null, Channel.Web);
        }

        var inFinance = new List<RecoveryRequest>();
        RecoveryRequest? outsiders = null;
        foreach (var person in staff)
        {
            inFinance.Add(Open(person));
            if (inFinance.Count == 2)
            {
                outsiders = Open(salesperson);
            }
        }

        await SaveAsync([.. inFinance, outsiders!]);
        return new Organisation(victor.Id, olga.Id, requester.Id, profile.Id, [.. inFinance.Select(r => r.Id)], outsiders!.Id, staff[3].Id, staff[3].GroupId, sales.Id);
    }

    private sealed record Organisation(
        string Victor, string Olga, string Requester, string Profile, List<string> InFinance, string Outsiders, string MovingPerson, string FinanceLeaf, string OutsideGroup);
}

[Collection(OnSqlite.Name)]
public sealed class SqliteRequestReachTests(SqliteDatabases databases) : RequestReachTests(databases);

[Collection(OnPostgres.Name)]
public sealed class PostgresRequestReachTests(PostgresServer server) : RequestReachTests(server);
