using Keyward.Audit;
using Keyward.Common;
using Keyward.People;
using Keyward.Recovery;
using Keyward.Scopes;
using Keyward.Tests.Support;
using Microsoft.Extensions.Time.Testing;

namespace Keyward.Tests.Audit;

/// <summary>
/// <see cref="AuditLog"/>'s rules over the in-memory store: who may read, which entries a scope reaches, and
/// the chain the store builds when it saves (the same rules run on real databases in the storage tests).
/// </summary>
public class AuditLogTests
{
    private static readonly Role Auditor = TestOrg.Role("auditor", Operation.ViewAudit);

    private readonly InMemoryKeywardStore _store = new();
    private readonly AuditTrail _trail;
    private readonly AuditLog _log;

    public AuditLogTests()
    {
        _store.Seed<Group>(TestOrg.Groups);
        _store.Seed(
            new Person("p-carol", "carol", "Carol Payne", "carol@acme.test", TestOrg.Payroll.Id, true),
            new Person("p-dave", "dave", "Dave Engel", "dave@acme.test", TestOrg.Engineering.Id, true),
            new Person("p-olivia", "olivia", "Olivia Ortiz", "olivia@acme.test", TestOrg.Finance.Id, true));
        _trail = new AuditTrail(_store, new FakeTimeProvider(new DateTimeOffset(2026, 3, 1, 9, 0, 0, TimeSpan.Zero)));
        _log = new AuditLog(_store, _trail);
    }

    [Theory]
    [InlineData(Scope.All, new long[] { 4, 3, 2, 1 })]
    [InlineData(Scope.Division, new long[] { 3, 1 })]
    [InlineData(Scope.Department, new long[] { 3 })]
    [InlineData(Scope.Self, new long[] { 3 })]
    public async Task ListAsync_Scope_ReachesEntriesAboutPeopleInIt(Scope scope, long[] expected)
    {
        await SeedEntriesAsync();

        var page = await _log.ListAsync(Access(scope), new AuditFilter(), new PageRequest(null, null), CancellationToken.None);

        Assert.True(page.IsSuccess, page.Error?.Detail);
        Assert.Equal(expected, page.Value.Results.Select(e => e.Sequence));
    }

    [Fact]
    public async Task ListAndVerify_CallerWithoutViewAudit_ForbiddenAndAudited()
    {
        var viewer = new AccessContext(TestOrg.Caller("p-olivia", TestOrg.Finance, TestOrg.Grant(TestOrg.Role("viewer", Operation.ViewPerson), Scope.All)), TestOrg.Policy);

        var list = await _log.ListAsync(viewer, new AuditFilter(), new PageRequest(null, null), CancellationToken.None);
        var verify = await _log.VerifyAsync(viewer, CancellationToken.None);

        Assert.Equal(("audit.forbidden", "audit.forbidden"), (list.Error?.Code, verify.Error?.Code));
        Assert.Equal(
            [("audit.list", AuditOutcome.Refused), ("audit.verify", AuditOutcome.Refused)],
            _store.AuditEvents.OrderBy(e => e.Sequence).Select(e => ValueTuple.Create(e.Action, e.Outcome)));
    }

    [Fact]
    public async Task VerifyAsync_ChainBuiltBySaves_IsIntactAndTheVerificationFollowsIt()
    {
        await SeedEntriesAsync();
        var head = _store.AuditEvents.Single(e => e.Sequence == 4).Hash;

        var verification = await _log.VerifyAsync(Access(Scope.Self), CancellationToken.None);

        Assert.Equal(new AuditVerification(true, 4, null, null, head), verification.Value);
        var audited = _store.AuditEvents.Single(e => e.Sequence == 5);
        Assert.Equal(("audit.verify", AuditOutcome.Succeeded, head), (audited.Action, audited.Outcome, audited.PreviousHash));
    }

    [Theory]
    [InlineData(0L, null)]
    [InlineData(null, 0L)]
    [InlineData(-3L, 2L)]
    [InlineData(3L, 2L)]
    public async Task VerifyAsync_RangeBelowOneOrBackwards_InvalidParameterAndNothingAudited(long? from, long? to)
    {
        await SeedEntriesAsync();

        var verification = await _log.VerifyAsync(Access(Scope.All), from, to, Channel.Web, CancellationToken.None);

        Assert.Equal(("request.invalid_parameter", ErrorKind.Validation), (verification.Error?.Code, verification.Error?.Kind));
        Assert.Equal("'from' and 'to' are sequence numbers of audit entries: whole numbers from 1, 'to' not before 'from'.", verification.Error?.Detail);
        Assert.Equal(4, _store.AuditEvents.Count());
    }

    [Fact]
    public async Task VerifyAsync_RangeOfOneEntryMidChain_ChecksItOnTheStoredAnchor()
    {
        await SeedEntriesAsync();
        var third = _store.AuditEvents.Single(e => e.Sequence == 3);

        var verification = await _log.VerifyAsync(Access(Scope.All), 3, 3, Channel.Api, CancellationToken.None);

        Assert.Equal(new AuditVerification(true, 1, null, null, third.Hash), verification.Value);
        Assert.Equal(("audit.verify", AuditOutcome.Succeeded), _store.AuditEvents.Where(e => e.Sequence == 5).Select(e => ValueTuple.Create(e.Action, e.Outcome)).Single());
    }

    [Fact]
    public async Task AppendAsync_EntriesStagedInTwoSaves_AreChainedAtSaveTimeInStagingOrder()
    {
        await _trail.AppendAsync(Entry("first", null), CancellationToken.None);
        await _trail.AppendAsync(Entry("second", null), CancellationToken.None);
        Assert.Empty(_store.AuditEvents);
        await _store.SaveChangesAsync(CancellationToken.None);
        await _trail.AppendAsync(Entry("third", null), CancellationToken.None);
        await _store.SaveChangesAsync(CancellationToken.None);

        var events = _store.AuditEvents.OrderBy(e => e.Sequence).ToList();
        Assert.Equal([(1L, "first"), (2L, "second"), (3L, "third")], events.Select(e => (e.Sequence, e.Action)));
        Assert.Equal([AuditEvent.GenesisHash, events[0].Hash, events[1].Hash], events.Select(e => e.PreviousHash));
        Assert.All(events, e => Assert.Equal(e.ComputeHash(), e.Hash));
    }

    private static AccessContext Access(Scope scope) =>
        new(TestOrg.Caller("p-olivia", TestOrg.Finance, TestOrg.Grant(Auditor, scope)), TestOrg.Policy);

    private static AuditEntry Entry(string action, string? subjectId) =>
        new("p-admin", "admin", action, AuditOutcome.Succeeded, Channel.Api, $"Did {action}.", SubjectId: subjectId);

    /// <summary>1: about Carol (Payroll); 2: about Dave (Engineering); 3: about Olivia (Finance); 4: about nobody.</summary>
    private async Task SeedEntriesAsync()
    {
        await _trail.AppendAsync(Entry("about.carol", "p-carol"), CancellationToken.None);
        await _trail.AppendAsync(Entry("about.dave", "p-dave"), CancellationToken.None);
        await _trail.AppendAsync(Entry("about.olivia", "p-olivia"), CancellationToken.None);
        await _trail.AppendAsync(Entry("about.nobody", null), CancellationToken.None);
        await _store.SaveChangesAsync(CancellationToken.None);
    }
}
