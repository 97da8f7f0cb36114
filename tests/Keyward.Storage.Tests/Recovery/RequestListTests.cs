using System.Text.Json;
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
/// The request list and the review queue of <see cref="RecoveryWorkflow.ListAsync"/>, asked of the database on each
/// provider: the queue holds exactly the requests whose actions offer the caller approve (docs/recovery.md#validating),
/// and a narrow scope's list holds its people's requests, the caller's own and those for the caller, newest first. A
/// wide reach's list and queue test each request's target group on its own row (<see cref="RecoveryRequest.TargetGroupId"/>,
/// docs/scopes.md, "Requests in a reach"), which the database keeps from People: they follow the person.
/// </summary>
public abstract class RequestListTests(ITestDatabaseSource source) : StorageTestBase(source)
{
    private static readonly DateTime T0 = TestData.Instant;
    private static readonly FakeTimeProvider Clock = new(T0.AddHours(1));

    [Fact]
    public async Task ListAsync_ReviewQueue_HoldsExactlyTheRequestsTheCallerMayApproveNow_OldestFirst()
    {
        var org = await SeedAsync();

        // Victor validates for Finance (Division), the administrator for everyone.
        var victorsQueue = await ListAsync(org.Victor, new RequestFilter(RequestStatus.AwaitingValidation, null), new PageRequest(null, null));
        var adminsQueue = await ListAsync(org.Admin, new RequestFilter(RequestStatus.AwaitingValidation, null), new PageRequest(null, null));

        Assert.Equal([org.ForAlice, org.ForCarolTwoApprovals], victorsQueue.Results.Select(r => r.Id));
        Assert.Equal(2, victorsQueue.Total);
        Assert.Equal([org.ForAlice, org.ByVictorForBob, org.ApprovedByVictor, org.ForCarolTwoApprovals, org.ForErin], adminsQueue.Results.Select(r => r.Id));
        Assert.All(victorsQueue.Results.Concat(adminsQueue.Results), r => Assert.True(r.Actions.Approve));

        // Every awaiting request left out is one whose actions do not offer approve (RequestActions.For decides).
        foreach (var (caller, queue) in new[] { (org.Victor, victorsQueue), (org.Admin, adminsQueue) })
        {
            foreach (var id in org.Awaiting.Except(queue.Results.Select(r => r.Id)))
            {
                var seen = await GetAsync(caller, id);
                Assert.False(seen is { IsSuccess: true, Value.Actions.Approve: true }, $"{id} is missing from the queue of {caller}");
            }
        }
    }

    [Fact]
    public async Task ListAsync_ShowsEachRequestAsItsOwnViewShowsIt()
    {
        // A page reads its requests' rows and lists by themselves and its people flat; a request read alone is read whole.
        // Both must show the same request, with the same actions, to every caller.
        var org = await SeedAsync();
        foreach (var (caller, status) in new[] { (org.Admin, (RequestStatus?)null), (org.Admin, RequestStatus.AwaitingValidation), (org.Victor, null), (org.Victor, RequestStatus.AwaitingValidation), (org.Frank, null) })
        {
            var page = await ListAsync(caller, new RequestFilter(status, null), new PageRequest(null, null));
            Assert.NotEmpty(page.Results);
            foreach (var shown in page.Results)
            {
                var alone = await GetAsync(caller, shown.Id);
                Assert.True(alone.IsSuccess, alone.Error?.Code);
                Assert.Equal(JsonSerializer.Serialize(alone.Value), JsonSerializer.Serialize(shown));
            }
        }
    }

    [Fact]
    public async Task ListAsync_RequestNamingACertificateNoLongerOnRecord_ListsItWithoutItsColumns_AsItsOwnViewDoes()
    {
        // A page reads its requests' certificates joined to the certificates they name; the join keeps one it cannot find.
        var org = await SeedAsync();
        await using (var scope = NewScope())
        {
            await DbOf(scope).Database.ExecuteSqlRawAsync(
                "INSERT INTO \"RequestCertificates\" (\"RequestId\", \"CertificateId\") VALUES ({0}, 'certificate-not-on-record')", org.ForAlice);
        }

        var page = await ListAsync(org.Admin, new RequestFilter(null, null), new PageRequest(null, null));
        var alone = await GetAsync(org.Admin, org.ForAlice);

        var shown = Assert.Single(page.Results, r => r.Id == org.ForAlice);
        var gone = Assert.Single(shown.Certificates, c => c.Id == "certificate-not-on-record");
        Assert.Equal((string.Empty, string.Empty), (gone.SerialNumber, gone.Thumbprint));
        Assert.Equal(2, shown.Certificates.Count);
        Assert.Equal(JsonSerializer.Serialize(alone.Value), JsonSerializer.Serialize(shown));
    }

    [Fact]
    public async Task ListAsync_ReviewQueue_PagesAndCountsInTheDatabase()
    {
        var org = await SeedAsync();

        var first = await ListAsync(org.Admin, new RequestFilter(RequestStatus.AwaitingValidation, null), new PageRequest(1, 3));
        var second = await ListAsync(org.Admin, new RequestFilter(RequestStatus.AwaitingValidation, null), new PageRequest(2, 3));

        Assert.Equal([org.ForAlice, org.ByVictorForBob, org.ApprovedByVictor], first.Results.Select(r => r.Id));
        Assert.Equal([org.ForCarolTwoApprovals, org.ForErin], second.Results.Select(r => r.Id));
        Assert.Equal((5, 5), (first.Total, second.Total));
    }

    [Fact]
    public async Task ListAsync_DepartmentScope_ListsItsPeoplesRequestsTheCallersAndThoseForThem_NewestFirst()
    {
        var org = await SeedAsync();

        // Frank searches requests in Engineering (Department): Erin's, the one he asked for Alice, and the one for him.
        var all = await ListAsync(org.Frank, new RequestFilter(null, null), new PageRequest(null, null));
        var paged = await ListAsync(org.Frank, new RequestFilter(null, null), new PageRequest(2, 2));
        var awaiting = await ListAsync(org.Frank, new RequestFilter(RequestStatus.AwaitingIssue, null), new PageRequest(null, null));
        var forErin = await ListAsync(org.Frank, new RequestFilter(null, org.Erin), new PageRequest(null, null));

        Assert.Equal([org.ForFrank, org.ByFrankForAlice, org.ForErin], all.Results.Select(r => r.Id));
        Assert.Equal(3, all.Total);
        Assert.Equal([org.ForErin], paged.Results.Select(r => r.Id));
        Assert.Equal(3, paged.Total);
        Assert.Equal([org.ByFrankForAlice], awaiting.Results.Select(r => r.Id));
        Assert.Equal([org.ForErin], forErin.Results.Select(r => r.Id));

        // Each listed request comes whole: its certificates, approvals and history, with the names of who acted.
        var byFrank = Assert.Single(all.Results, r => r.Id == org.ByFrankForAlice);
        Assert.Equal(("alice", "frank"), (byFrank.TargetName, byFrank.RequestedByName));
        Assert.Equal([$"cert-{org.ByFrankForAlice}"], byFrank.Certificates.Select(c => c.Id));
        Assert.Equal([("victor", "Checked.")], byFrank.Approvals.Select(a => (a.ApproverName, a.Notes)));
        Assert.Equal(["Requested", "Approved"], byFrank.History.Select(h => h.Action));
    }

    [Fact]
    public async Task DivisionOfManyGroups_ListsAndQueuesTheRequestsOfItsPeople_AndNoOneElses()
    {
        var org = await SeedDivisionAsync();

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
        var org = await SeedDivisionAsync();
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
        var org = await SeedDivisionAsync();
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
        var org = await SeedDivisionAsync();
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
        var result = await Workflow(store).ListAsync(access, filter, page, CancellationToken.None);
        Assert.True(result.IsSuccess, result.Error?.Code);
        return result.Value;
    }

    private async Task<Result<RequestView>> GetAsync(string callerId, string requestId)
    {
        await using var scope = NewScope();
        var store = StoreOf(scope);
        var access = await new CallerResolver(store).ResolveAsync(callerId, CancellationToken.None);
        Assert.NotNull(access);
        return await Workflow(store).GetAsync(access, requestId, CancellationToken.None);
    }

    private static RecoveryWorkflow Workflow(IKeywardStore store) =>
        new(store, new AuditTrail(store, Clock), new NoKeys(), CommonPasswords.BuiltIn, Clock, new ServerInstance("test"), new CollectionOptions());

    private async Task<Organisation> SeedAsync()
    {
        var acme = TestData.Group("Acme");
        var finance = TestData.Group("Finance", acme);
        var payroll = TestData.Group("Payroll", finance);
        var engineering = TestData.Group("Engineering", acme);
        var validator = TestData.Role("Validator", Operation.SearchRequests, Operation.ViewRequest, Operation.ValidateRequest);
        var searcher = TestData.Role("Searcher", Operation.SearchRequests, Operation.ViewRequest);
        var profile = TestData.Profile("Recovery", validator);

        var admin = TestData.Person("admin", acme);
        admin.Assign(validator, Scope.All);
        var victor = TestData.Person("victor", finance);
        victor.Assign(validator, Scope.Division);
        var frank = TestData.Person("frank", engineering);
        frank.Assign(searcher, Scope.Department);
        var requester = TestData.Person("requester", acme);
        var alice = TestData.Person("alice", finance);
        var bob = TestData.Person("bob", finance);
        var carol = TestData.Person("carol", payroll);
        var dave = TestData.Person("dave", payroll, enabled: false);
        var erin = TestData.Person("erin", engineering);
        await SaveAsync(acme, finance, payroll, engineering, validator, searcher, profile, admin, victor, frank, requester, alice, bob, carol, dave, erin);

        var minute = 0;
        RecoveryRequest Open(Person target, Person by, int approvals = 1)
        {
            var id = Ids.New();
            return RecoveryRequest.Open(id, RequestKind.SoftCertificate, target.Id, target.GroupId, null, profile.Id, [$"cert-{id}"], by.Id, approvals, 1, T0.AddMinutes(minute++), null, Channel.Web);
        }

        var forAlice = Open(alice, requester);
        var forDave = Open(dave, requester);
        var byVictorForBob = Open(bob, victor);
        var approvedByVictor = Open(carol, requester, approvals: 2);
        Assert.True(approvedByVictor.Approve(victor.Id, null, T0, Channel.Web).IsSuccess);
        var forCarolTwoApprovals = Open(carol, requester, approvals: 2);
        var forErin = Open(erin, requester);
        var byFrankForAlice = Open(alice, frank);
        Assert.True(byFrankForAlice.Approve(victor.Id, "Checked.", T0, Channel.Web).IsSuccess);
        var forFrank = Open(frank, requester);
        Assert.True(forFrank.Reject(admin.Id, null, T0, Channel.Web).IsSuccess);
        await SaveAsync(forAlice, forDave, byVictorForBob, approvedByVictor, forCarolTwoApprovals, forErin, byFrankForAlice, forFrank);

        // Carol's first request is approved by Victor already: it waits for a second approver, who is not Victor.
        return new Organisation(
            admin.Id, victor.Id, frank.Id, erin.Id,
            forAlice.Id, byVictorForBob.Id, approvedByVictor.Id, forCarolTwoApprovals.Id, forErin.Id, byFrankForAlice.Id, forFrank.Id,
            [forAlice.Id, forDave.Id, byVictorForBob.Id, approvedByVictor.Id, forCarolTwoApprovals.Id, forErin.Id]);
    }

    private sealed record Organisation(
        string Admin, string Victor, string Frank, string Erin,
        string ForAlice, string ByVictorForBob, string ApprovedByVictor, string ForCarolTwoApprovals, string ForErin, string ByFrankForAlice, string ForFrank,
        IReadOnlyList<string> Awaiting);

    /// <summary>
    /// Finance is a Division of more than <see cref="Reach.NarrowGroups"/> groups, so Victor's reach is a wide one; Olga
    /// validates for Sales (a Division of its own). One awaiting request per Finance group, made oldest first, and one
    /// for a salesperson made between them.
    /// </summary>
    private async Task<Division> SeedDivisionAsync()
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
        return new Division(victor.Id, olga.Id, requester.Id, profile.Id, [.. inFinance.Select(r => r.Id)], outsiders!.Id, staff[3].Id, staff[3].GroupId, sales.Id);
    }

    private sealed record Division(
        string Victor, string Olga, string Requester, string Profile, List<string> InFinance, string Outsiders, string MovingPerson, string FinanceLeaf, string OutsideGroup);
}

[Collection(OnSqlite.Name)]
public sealed class SqliteRequestListTests(SqliteDatabases databases) : RequestListTests(databases);

[Collection(OnPostgres.Name)]
public sealed class PostgresRequestListTests(PostgresServer server) : RequestListTests(server);
