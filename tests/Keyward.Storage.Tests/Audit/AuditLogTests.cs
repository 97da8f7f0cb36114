using Keyward.Audit;
using Keyward.Common;
using Keyward.People;
using Keyward.Recovery;
using Keyward.Scopes;
using Keyward.Storage.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Time.Testing;

namespace Keyward.Storage.Tests.Audit;

/// <summary>
/// <see cref="AuditLog"/> on a real database: the list filtered by the caller's ViewAudit reach in SQL, the
/// filters and paging, and verification of the stored chain (intact, across batches, and after rows are edited
/// or deleted by hand).
/// </summary>
public abstract class AuditLogTests(ITestDatabaseSource source) : StorageTestBase(source)
{
    private static readonly DateTime T0 = TestData.Instant;

    [Fact]
    public async Task ListAsync_ScopeAll_SeesEveryEntryNewestFirstWithEveryField()
    {
        var org = await SeedAsync();

        var page = await ListEntriesAsync(org.RootAuditor, new AuditFilter(), new PageRequest(null, null));

        Assert.Equal([6, 5, 4, 3, 2, 1], page.Results.Select(e => e.Sequence));
        Assert.Equal(6, page.Total);
        var stored = (await ListAsync(s => s.AuditEvents.Where(e => e.Sequence == 4))).Single();
        var view = page.Results.Single(e => e.Sequence == 4);
        Assert.Equal(
            (stored.ActorId, stored.ActorName, "auth.sign_in", AuditOutcome.Refused, "auth.person_disabled", org.Carol, (string?)null, "Disabled.", Channel.Api, stored.Hash, stored.PreviousHash),
            (view.ActorId, view.ActorName, view.Action, view.Outcome, view.Code, view.SubjectId, view.TargetId, view.Details, view.Channel, view.Hash, view.PreviousHash));
        AssertStored.Instant(T0.AddMinutes(3), view.At);
    }

    [Fact]
    public async Task ListAsync_DivisionScope_SeesOnlyEntriesAboutPeopleInReach()
    {
        var org = await SeedAsync();

        var page = await ListEntriesAsync(org.FinanceAuditor, new AuditFilter(), new PageRequest(null, null));

        // Carol (Payroll, under Finance) and the auditor himself; not Erin (Engineering), not entries about nobody.
        Assert.Equal([5, 4, 2], page.Results.Select(e => e.Sequence));
        Assert.Equal(3, page.Total);
    }

    [Fact]
    public async Task ListAsync_DivisionOfManyGroups_SeesOnlyEntriesAboutPeopleInReach_PagedAndCounted()
    {
        // More groups than a narrow reach holds (Reach.NarrowGroups): the list is read newest first, each entry's subject tested.
        var acme = TestData.Group("Acme");
        var finance = TestData.Group("Finance", acme);
        var teams = Enumerable.Range(1, Reach.NarrowGroups + 1).Select(i => TestData.Group($"Team {i}", finance)).ToArray();
        var engineering = TestData.Group("Engineering", acme);
        var auditorRole = TestData.Role("Auditor", Operation.ViewAudit);
        var auditor = TestData.Person("fin.auditor", finance);
        auditor.Assign(auditorRole, Scope.Division);
        var members = teams.Select((team, i) => TestData.Person($"member{i}", team)).ToArray();
        var erin = TestData.Person("erin", engineering);
        await SaveAsync([acme, finance, .. teams, engineering, auditorRole, auditor, .. members, erin]);
        await using (var scope = NewScope())
        {
            var store = StoreOf(scope);
            var trail = new AuditTrail(store, new FakeTimeProvider(T0));
            string?[] subjects = [members[0].Id, erin.Id, null, members[^1].Id, auditor.Id, erin.Id, members[3].Id];
            foreach (var subject in subjects)
            {
                await trail.AppendAsync(new AuditEntry(null, "hr", "people.update", AuditOutcome.Succeeded, Channel.Api, "Updated.", SubjectId: subject), CancellationToken.None);
            }

            await store.SaveChangesAsync(CancellationToken.None);
        }

        var all = await ListEntriesAsync(auditor.Id, new AuditFilter(), new PageRequest(null, null));
        var second = await ListEntriesAsync(auditor.Id, new AuditFilter(), new PageRequest(2, 3));
        var filtered = await ListEntriesAsync(auditor.Id, new AuditFilter(SubjectId: erin.Id), new PageRequest(null, null));

        Assert.Equal([7, 5, 4, 1], all.Results.Select(e => e.Sequence));
        Assert.Equal(4, all.Total);
        Assert.Equal([1], second.Results.Select(e => e.Sequence));
        Assert.Equal(4, second.Total);
        Assert.Empty(filtered.Results);
    }

    [Fact]
    public async Task ListAsync_Filters_CombineWithTheScope()
    {
        var org = await SeedAsync();

        await AssertListsAsync(
            org.RootAuditor,
            Case(new AuditFilter(Action: "certificates"), 5, 3, 2),
            Case(new AuditFilter(Action: " CERTIFICATES.iss "), 5, 2),
            Case(new AuditFilter(Action: "certificates.issue.more")),
            Case(new AuditFilter(SubjectId: org.Carol), 4, 2),
            Case(new AuditFilter(TargetId: "cert-2"), 3),
            Case(new AuditFilter(Outcome: AuditOutcome.Refused), 6, 4),
            Case(new AuditFilter(From: new DateTimeOffset(T0.AddMinutes(2))), 6, 5, 4, 3),
            Case(new AuditFilter(To: new DateTimeOffset(T0.AddMinutes(2))), 2, 1),
            Case(new AuditFilter(From: new DateTimeOffset(T0.AddMinutes(1)).ToOffset(TimeSpan.FromHours(2)), To: new DateTimeOffset(T0.AddMinutes(3))), 3, 2),
            Case(new AuditFilter(Action: "auth", Outcome: AuditOutcome.Refused, SubjectId: org.Carol), 4));
        await AssertListsAsync(
            org.FinanceAuditor,
            Case(new AuditFilter(SubjectId: org.Erin)),
            Case(new AuditFilter(Action: "auth"), 4),
            Case(new AuditFilter(Outcome: AuditOutcome.Refused), 4));
    }

    [Fact]
    public async Task ListAsync_Paging_ReturnsThePageAndTheTotal()
    {
        var org = await SeedAsync();

        var second = await ListEntriesAsync(org.RootAuditor, new AuditFilter(), new PageRequest(2, 4));
        var scoped = await ListEntriesAsync(org.FinanceAuditor, new AuditFilter(), new PageRequest(2, 2));

        Assert.Equal([2, 1], second.Results.Select(e => e.Sequence));
        Assert.Equal((6, 2, 4), (second.Total, second.PageNumber, second.PageSize));
        Assert.Equal([2], scoped.Results.Select(e => e.Sequence));
        Assert.Equal(3, scoped.Total);
    }

    [Fact]
    public async Task ListAndVerify_WithoutViewAudit_AreForbiddenAndTheRefusalsAudited()
    {
        var org = await SeedAsync();
        await using var scope = NewScope();
        var store = StoreOf(scope);
        var access = await ResolveAsync(store, org.Viewer);
        var log = Log(store);

        var list = await log.ListAsync(access, new AuditFilter(), new PageRequest(null, null), CancellationToken.None);
        var verify = await log.VerifyAsync(access, CancellationToken.None);

        Assert.Equal(("audit.forbidden", ErrorKind.Forbidden), (list.Error?.Code, list.Error?.Kind));
        Assert.Equal("audit.forbidden", verify.Error?.Code);
        var refusals = await ListAsync(s => s.AuditEvents.Where(e => e.Sequence > 6).OrderBy(e => e.Sequence));
        Assert.Equal(
            [("audit.list", AuditOutcome.Refused, "audit.forbidden", org.Viewer), ("audit.verify", AuditOutcome.Refused, "audit.forbidden", org.Viewer)],
            refusals.Select(e => (e.Action, e.Outcome, e.Code, e.ActorId)));
    }

    [Fact]
    public async Task VerifyAsync_IntactTrail_ReportsTheCountAndTheHeadAndAuditsItself()
    {
        var org = await SeedAsync();
        var head = (await ListAsync(s => s.AuditEvents.Where(e => e.Sequence == 6))).Single().Hash;

        var verification = await VerifyAsync(org.FinanceAuditor);

        Assert.Equal(new AuditVerification(true, 6, null, null, head), verification);
        var audited = (await ListAsync(s => s.AuditEvents.Where(e => e.Sequence == 7))).Single();
        Assert.Equal(("audit.verify", AuditOutcome.Succeeded, org.FinanceAuditor), (audited.Action, audited.Outcome, audited.ActorId));
        Assert.Equal($"The audit trail is intact: 6 entries, head {head}.", audited.Details);
        Assert.Equal(new AuditVerification(true, 7, null, null, audited.Hash), await VerifyAsync(org.RootAuditor));
    }

    [Fact]
    public async Task VerifyAsync_EmptyTrail_IsIntactWithoutHead()
    {
        var acme = TestData.Group("Acme");
        var role = TestData.Role("Auditor", Operation.ViewAudit);
        var auditor = TestData.Person("auditor", acme);
        auditor.Assign(role, Scope.All);
        await SaveAsync(acme, role, auditor);

        Assert.Equal(new AuditVerification(true, 0, null, null, null), await VerifyAsync(auditor.Id));
        Assert.Equal("The audit trail is intact: it holds no entries.", (await ListAsync(s => s.AuditEvents))[0].Details);
    }

    [Fact]
    public async Task VerifyAsync_ChainLongerThanABatch_WalksItAll()
    {
        var org = await SeedAsync();
        await AppendBulkAsync((2 * AuditLog.VerifyBatchSize) + 345);

        var forged = (2 * AuditLog.VerifyBatchSize) + 100;
        var intact = await VerifyAsync(org.RootAuditor);
        var before = await VerifyAsync(org.RootAuditor, forged - 10, forged - 1);
        await TamperAsync($"UPDATE \"AuditEvents\" SET \"Details\" = 'Step forged.' WHERE \"Sequence\" = {forged}");
        var broken = await VerifyAsync(org.RootAuditor);
        var rangeBroken = await VerifyAsync(org.RootAuditor, forged - 10, forged + 10);
        var rangeAfter = await VerifyAsync(org.RootAuditor, forged + 1);

        Assert.Equal((true, 6L + (2 * AuditLog.VerifyBatchSize) + 345), (intact.Intact, intact.EntriesChecked));
        Assert.Equal((true, 10L), (before.Intact, before.EntriesChecked));
        Assert.Equal(new AuditVerification(false, forged - 1, forged, $"Entry {forged} was altered: its hash does not match its contents.", null), broken);
        Assert.Equal(new AuditVerification(false, 10, forged, $"Entry {forged} was altered: its hash does not match its contents.", null), rangeBroken);

        // A range anchored on the forged entry's stored hash links to it: a range proves itself, not what came before.
        // It runs to the end, past the four audit.verify entries the verifications above appended.
        Assert.Equal((true, intact.EntriesChecked + 4 - forged), (rangeAfter.Intact, rangeAfter.EntriesChecked));
    }

    [Fact]
    public async Task VerifyAsync_EntriesAlteredInALaterBatchAndPart_NamesTheFirstInSequence()
    {
        // Seed 1–6 and 4,000 more: entry 9,000 is in the second batch and in that batch's second half, which a
        // machine with two cores or more hashes on another thread than the first entries.
        var org = await SeedAsync();
        await AppendBulkAsync((2 * AuditLog.VerifyBatchSize) + 2_500);
        const long first = AuditLog.VerifyBatchSize + 4_000;
        await TamperAsync($"UPDATE \"AuditEvents\" SET \"Details\" = 'Forged.' WHERE \"Sequence\" IN ({first}, {first + 700}, {first + 3_000})");
        await TamperAsync($"UPDATE \"AuditEvents\" SET \"PreviousHash\" = '{new string('1', 64)}' WHERE \"Sequence\" = {first + 1_500}");

        Assert.Equal(
            new AuditVerification(false, first - 1, first, $"Entry {first} was altered: its hash does not match its contents.", null),
            await VerifyAsync(org.RootAuditor));
    }

    [Fact]
    public async Task VerifyAsync_EntriesAlteredInBothHalvesOfABatch_NamesTheEarlier()
    {
        var org = await SeedAsync();
        await AppendBulkAsync((2 * AuditLog.VerifyBatchSize) + 2_500);
        const long earlier = AuditLog.VerifyBatchSize + 1_000;
        const long later = AuditLog.VerifyBatchSize + 4_000;
        await TamperAsync($"UPDATE \"AuditEvents\" SET \"Details\" = 'Forged.' WHERE \"Sequence\" IN ({earlier}, {later})");

        Assert.Equal(
            new AuditVerification(false, earlier - 1, earlier, $"Entry {earlier} was altered: its hash does not match its contents.", null),
            await VerifyAsync(org.RootAuditor));
    }

    [Fact]
    public async Task VerifyAsync_GapBeforeAnAlteredEntryOfTheSameBatch_NamesTheGap()
    {
        // The altered entry is hashed on another thread than the gap is found, and reported only if nothing breaks before it.
        var org = await SeedAsync();
        await AppendBulkAsync((2 * AuditLog.VerifyBatchSize) + 2_500);
        const long altered = AuditLog.VerifyBatchSize + 4_000;
        const long missing = AuditLog.VerifyBatchSize + 1_000;
        await TamperAsync($"UPDATE \"AuditEvents\" SET \"Details\" = 'Forged.' WHERE \"Sequence\" = {altered}");
        await TamperAsync($"DELETE FROM \"AuditEvents\" WHERE \"Sequence\" = {missing}");

        Assert.Equal(new AuditVerification(false, missing - 1, missing, $"Entry {missing} is missing.", null), await VerifyAsync(org.RootAuditor));
    }

    [Fact]
    public async Task VerifyAsync_GapAcrossABatchBoundary_NamesTheMissingEntries()
    {
        var org = await SeedAsync();
        await AppendBulkAsync((2 * AuditLog.VerifyBatchSize) + 2_500);
        const long end = AuditLog.VerifyBatchSize;
        await TamperAsync($"DELETE FROM \"AuditEvents\" WHERE \"Sequence\" BETWEEN {end - 1} AND {end + 2}");

        Assert.Equal(
            new AuditVerification(false, end - 2, end - 1, $"Entries {end - 1} to {end + 2} are missing.", null),
            await VerifyAsync(org.RootAuditor));
    }

    [Fact]
    public async Task VerifyAsync_RangeAnchoredMidChain_ChecksTheRangeAcrossBatchesOnTheStoredAnchor()
    {
        var org = await SeedAsync();
        await AppendBulkAsync((2 * AuditLog.VerifyBatchSize) + 2_500);
        const long from = 4_321;
        const long to = from + AuditLog.VerifyBatchSize + 1_234;
        var head = (await ListAsync(s => s.AuditEvents.Where(e => e.Sequence == to))).Single().Hash;

        // Entry 4,320 altered: the range trusts its stored hash as the anchor, so the range itself is intact.
        await TamperAsync($"UPDATE \"AuditEvents\" SET \"Details\" = 'Forged.' WHERE \"Sequence\" = {from - 1}");
        var intact = await VerifyAsync(org.RootAuditor, from, to);
        await TamperAsync($"UPDATE \"AuditEvents\" SET \"Details\" = 'Forged.' WHERE \"Sequence\" = {to - 100}");
        var broken = await VerifyAsync(org.RootAuditor, from, to);
        var whole = await VerifyAsync(org.RootAuditor);

        Assert.Equal(new AuditVerification(true, to - from + 1, null, null, head), intact);
        Assert.Equal(new AuditVerification(false, to - 100 - from, to - 100, $"Entry {to - 100} was altered: its hash does not match its contents.", null), broken);
        Assert.Equal((false, from - 1), (whole.Intact, whole.FirstBrokenSequence));
    }

    [Fact]
    public async Task VerifyAsync_RangeWhoseAnchorIsMissing_SaysSoBeforeCheckingAnything()
    {
        var org = await SeedAsync();
        await AppendBulkAsync(100);
        await TamperAsync("DELETE FROM \"AuditEvents\" WHERE \"Sequence\" = 49");

        Assert.Equal(new AuditVerification(false, 0, 49, "Entry 49, before the range, is missing.", null), await VerifyAsync(org.RootAuditor, 50, 80));
    }

    [Fact]
    public async Task VerifyAsync_RangeWhoseFirstEntryIsAltered_NamesThatEntry()
    {
        var org = await SeedAsync();
        await AppendBulkAsync(100);
        await TamperAsync("UPDATE \"AuditEvents\" SET \"Details\" = 'Forged.' WHERE \"Sequence\" = 50");

        Assert.Equal(new AuditVerification(false, 0, 50, "Entry 50 was altered: its hash does not match its contents.", null), await VerifyAsync(org.RootAuditor, 50, 80));
    }

    [Fact]
    public async Task VerifyAsync_EntryEditedByHand_NamesItAndAuditsTheFailure()
    {
        var org = await SeedAsync();
        await TamperAsync("UPDATE \"AuditEvents\" SET \"Details\" = 'Nothing to see.' WHERE \"Sequence\" = 4");

        var verification = await VerifyAsync(org.FinanceAuditor);

        Assert.Equal(new AuditVerification(false, 3, 4, "Entry 4 was altered: its hash does not match its contents.", null), verification);
        var audited = (await ListAsync(s => s.AuditEvents.Where(e => e.Sequence == 7))).Single();
        Assert.Equal(("audit.verify", AuditOutcome.Failed), (audited.Action, audited.Outcome));
        Assert.Equal("The audit trail is broken: Entry 4 was altered: its hash does not match its contents.", audited.Details);

        // Appending goes on after the stored tail; the break stays where it is.
        Assert.Equal(4, (await VerifyAsync(org.RootAuditor)).FirstBrokenSequence);
    }

    [Fact]
    public async Task VerifyAsync_EntryDeleted_NamesTheMissingEntry()
    {
        var org = await SeedAsync();
        await TamperAsync("DELETE FROM \"AuditEvents\" WHERE \"Sequence\" = 3");

        Assert.Equal(new AuditVerification(false, 2, 3, "Entry 3 is missing.", null), await VerifyAsync(org.RootAuditor));
    }

    [Fact]
    public async Task VerifyAsync_SeveralEntriesDeleted_NamesTheRange()
    {
        var org = await SeedAsync();
        await TamperAsync("DELETE FROM \"AuditEvents\" WHERE \"Sequence\" IN (2, 3, 4)");

        Assert.Equal(new AuditVerification(false, 1, 2, "Entries 2 to 4 are missing.", null), await VerifyAsync(org.RootAuditor));
    }

    [Fact]
    public async Task VerifyAsync_EntryForgedWithARecomputedHash_NamesTheNextEntryAsUnlinked()
    {
        var org = await SeedAsync();
        await using (var scope = NewScope())
        {
            // A forger who knows the hash definition rewrites entry 3 and its hash: entry 4 still names the old hash.
            var db = DbOf(scope);
            var entry = await db.AuditEvents.SingleAsync(e => e.Sequence == 3);
            db.Entry(entry).Property(e => e.Details).CurrentValue = "Forged.";
            db.Entry(entry).Property(e => e.Hash).CurrentValue = entry.ComputeHash();
            await db.SaveChangesAsync();
        }

        Assert.Equal(new AuditVerification(false, 3, 4, "Entry 4 does not link to entry 3.", null), await VerifyAsync(org.RootAuditor));
    }

    [Fact]
    public async Task VerifyAsync_FirstEntryNotOnTheGenesisHash_SaysItDoesNotStartTheChain()
    {
        var org = await SeedAsync();
        await TamperAsync($"UPDATE \"AuditEvents\" SET \"PreviousHash\" = '{new string('1', 64)}' WHERE \"Sequence\" = 1");

        Assert.Equal(
            new AuditVerification(false, 0, 1, "Entry 1 does not start the chain: its previous hash is not the genesis hash.", null),
            await VerifyAsync(org.RootAuditor));
    }

    private static ListCase Case(AuditFilter filter, params long[] expected) => new(filter, expected);

    private static AuditLog Log(IKeywardStore store) => new(store, new AuditTrail(store, new FakeTimeProvider(T0.AddHours(1))));

    private async Task AssertListsAsync(string callerId, params ListCase[] cases)
    {
        var mismatches = new List<string>();
        foreach (var c in cases)
        {
            var page = await ListEntriesAsync(callerId, c.Filter, new PageRequest(null, null));
            var actual = page.Results.Select(e => e.Sequence).ToArray();
            if (!actual.SequenceEqual(c.Expected) || page.Total != c.Expected.Length)
            {
                mismatches.Add($"{c.Filter}: expected [{string.Join(", ", c.Expected)}], got [{string.Join(", ", actual)}] of {page.Total}");
            }
        }

        if (mismatches.Count > 0)
        {
            Assert.Fail(string.Join('\n', mismatches));
        }
    }

    private async Task<Page<AuditEntryView>> ListEntriesAsync(string callerId, AuditFilter filter, PageRequest page)
    {
        await using var scope = NewScope();
        var store = StoreOf(scope);
        var result = await Log(store).ListAsync(await ResolveAsync(store, callerId), filter, page, CancellationToken.None);
        Assert.True(result.IsSuccess, result.Error?.Detail);
        return result.Value;
    }

    private async Task<AuditVerification> VerifyAsync(string callerId, long? from = null, long? to = null)
    {
        await using var scope = NewScope();
        var store = StoreOf(scope);
        var result = await Log(store).VerifyAsync(await ResolveAsync(store, callerId), from, to, Channel.Api, CancellationToken.None);
        Assert.True(result.IsSuccess, result.Error?.Detail);
        return result.Value;
    }

    /// <summary>Appends <paramref name="count"/> entries after the tail in one save: "Step 0." onwards.</summary>
    private async Task AppendBulkAsync(int count)
    {
        await using var scope = NewScope();
        var store = StoreOf(scope);
        var trail = new AuditTrail(store, new FakeTimeProvider(T0));
        for (var i = 0; i < count; i++)
        {
            await trail.AppendAsync(new AuditEntry(null, "bulk", "bulk.step", AuditOutcome.Succeeded, Channel.System, $"Step {i}."), CancellationToken.None);
        }

        await store.SaveChangesAsync(CancellationToken.None);
    }

    private async Task TamperAsync(string sql)
    {
        await using var scope = NewScope();
        await DbOf(scope).Database.ExecuteSqlRawAsync(sql);
    }

    private static async Task<AccessContext> ResolveAsync(IKeywardStore store, string personId)
    {
        var access = await new CallerResolver(store).ResolveAsync(personId, CancellationToken.None);
        Assert.NotNull(access);
        return access;
    }

    /// <summary>
    /// Acme with Finance (Payroll beneath) and Engineering; a Finance auditor with Division scope, an auditor with
    /// scope All, a viewer without ViewAudit; six entries, one minute apart, about various people or nobody.
    /// </summary>
    private async Task<Organisation> SeedAsync()
    {
        var acme = TestData.Group("Acme");
        var finance = TestData.Group("Finance", acme);
        var payroll = TestData.Group("Payroll", finance);
        var engineering = TestData.Group("Engineering", acme);
        var auditorRole = TestData.Role("Auditor", Operation.ViewAudit);
        var viewerRole = TestData.Role("Viewer", Operation.ViewPerson);
        var financeAuditor = TestData.Person("fin.auditor", finance);
        financeAuditor.Assign(auditorRole, Scope.Division);
        var rootAuditor = TestData.Person("root.auditor", acme);
        rootAuditor.Assign(auditorRole, Scope.All);
        var viewer = TestData.Person("viewer", acme);
        viewer.Assign(viewerRole, Scope.All);
        var carol = TestData.Person("carol", payroll);
        var erin = TestData.Person("erin", engineering);
        await SaveAsync(acme, finance, payroll, engineering, auditorRole, viewerRole, financeAuditor, rootAuditor, viewer, carol, erin);

        var clock = new FakeTimeProvider(T0);
        await using var scope = NewScope();
        var store = StoreOf(scope);
        var trail = new AuditTrail(store, clock);
        AuditEntry[] entries =
        [
            new(rootAuditor.Id, "root.auditor", "people.import", AuditOutcome.Succeeded, Channel.Cli, "Imported."),
            new(rootAuditor.Id, "root.auditor", "certificates.issue", AuditOutcome.Succeeded, Channel.Api, "Issued.", SubjectId: carol.Id, TargetId: "cert-1"),
            new(rootAuditor.Id, "root.auditor", "certificates.revoke", AuditOutcome.Succeeded, Channel.Api, "Revoked.", SubjectId: erin.Id, TargetId: "cert-2"),
            new(carol.Id, "carol-cli", "auth.sign_in", AuditOutcome.Refused, Channel.Api, "Disabled.", SubjectId: carol.Id, Code: "auth.person_disabled"),
            new(rootAuditor.Id, "root.auditor", "certificates.issue", AuditOutcome.Succeeded, Channel.Web, "Issued.", SubjectId: financeAuditor.Id, TargetId: "cert-3"),
            new(null, "stranger", "auth.sign_in", AuditOutcome.Refused, Channel.Api, "Unknown client.", Code: "auth.invalid_client"),
        ];
        foreach (var entry in entries)
        {
            await trail.AppendAsync(entry, CancellationToken.None);
            clock.Advance(TimeSpan.FromMinutes(1));
        }

        await store.SaveChangesAsync(CancellationToken.None);
        return new Organisation(financeAuditor.Id, rootAuditor.Id, viewer.Id, carol.Id, erin.Id);
    }

    private sealed record Organisation(string FinanceAuditor, string RootAuditor, string Viewer, string Carol, string Erin);

    private sealed record ListCase(AuditFilter Filter, long[] Expected);
}

[Collection(OnSqlite.Name)]
public sealed class SqliteAuditLogTests(SqliteDatabases databases) : AuditLogTests(databases);

[Collection(OnPostgres.Name)]
public sealed class PostgresAuditLogTests(PostgresServer server) : AuditLogTests(server);
