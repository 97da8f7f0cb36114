using Keyward.Audit;
using Keyward.Common;
using Keyward.People;
using Keyward.Profiles;
using Keyward.Recovery;
using Keyward.Scopes;
using Keyward.Storage.Tests.Infrastructure;
using Microsoft.Extensions.Time.Testing;

namespace Keyward.Storage.Tests.Recovery;

/// <summary>
/// The request list and the review queue of <see cref="RecoveryWorkflow.ListAsync"/>, asked of the database on each
/// provider: the queue holds exactly the requests whose actions offer the caller approve (docs/recovery.md#validating),
/// and a narrow scope's list holds its people's requests, the caller's own and those for the caller, newest first.
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
}

[Collection(OnSqlite.Name)]
public sealed class SqliteRequestListTests(SqliteDatabases databases) : RequestListTests(databases);

[Collection(OnPostgres.Name)]
public sealed class PostgresRequestListTests(PostgresServer server) : RequestListTests(server);
