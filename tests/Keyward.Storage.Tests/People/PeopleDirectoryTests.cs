using Keyward.Certificates;
using Keyward.Common;
using Keyward.Devices;
using Keyward.People;
using Keyward.Scopes;
using Keyward.Storage.Tests.Infrastructure;
using Microsoft.Extensions.Time.Testing;

namespace Keyward.Storage.Tests.People;

/// <summary>
/// <see cref="PeopleDirectory"/> filtering by scope in the database. The caller is a Finance viewer with a
/// Division scope: they reach Finance and Payroll, not Engineering nor the Acme root.
/// </summary>
public abstract class PeopleDirectoryTests(ITestDatabaseSource source) : StorageTestBase(source)
{
    private protected static readonly FakeTimeProvider Clock = new(TestData.Instant);

    private static readonly string[] InReach =
        ["alice.finance", "bob.finance", "carol.payroll", "dave.payroll", "fin.viewer", "zoe.finance"];

    [Fact]
    public async Task ListAsync_DivisionScopedViewer_ReturnsExactlyFinanceAndPayroll()
    {
        var org = await SeedAsync();

        var page = await ListPeopleAsync(org, new PeopleFilter(null, null, null), new PageRequest(null, null));

        Assert.Equal(InReach, page.Results.Select(p => p.LogonName));
        Assert.Equal(6, page.Total);
        var carol = Assert.Single(page.Results, p => p.LogonName == "carol.payroll");
        Assert.Equal(("Acme/Finance/Payroll", "Carol Clark", "carol.payroll@acme.example", true), (carol.Group, carol.Name, carol.Email, carol.Enabled));
    }

    [Fact]
    public async Task ListAsync_Query_MatchesTheStartOfLogonNameOrNameInAnyCaseWithinReach()
    {
        var org = await SeedAsync();

        await AssertListsAsync(
            org,
            Case(new PeopleFilter(null, "ALI", null), "alice.finance"),
            Case(new PeopleFilter(null, "aLiCe", null), "alice.finance"),
            Case(new PeopleFilter(null, "Alice.FINANCE", null), "alice.finance"),
            Case(new PeopleFilter(null, "  alice   ANDERS ", null), "alice.finance"),
            Case(new PeopleFilter(null, "c", null), "carol.payroll"),
            Case(new PeopleFilter(null, "d", null), "dave.payroll"),
            Case(new PeopleFilter(null, "zoë", null), "zoe.finance"),
            Case(new PeopleFilter(null, "ZOË Å", null), "zoe.finance"),
            Case(new PeopleFilter(null, "zoe", null), "zoe.finance"),

            // Not a start of the logon name or the name: a later word, the middle of a logon name, an e-mail domain.
            Case(new PeopleFilter(null, "anders", null)),
            Case(new PeopleFilter(null, "payroll", null)),
            Case(new PeopleFilter(null, "acme.example", null)),

            // Outside reach.
            Case(new PeopleFilter(null, "frank", null)),
            Case(new PeopleFilter(null, "chief", null)));
    }

    [Fact]
    public async Task ListAsync_QueryPaged_ListsLogonNameAndNameMatchesTogetherInLogonNameOrder()
    {
        // "al" starts three logon names and three names of people whose logon names do not start with it, and the two
        // kinds alternate in logon-name order: each page takes some of each, and a later page more of one than the other.
        var acme = TestData.Group("Acme");
        var finance = TestData.Group("Finance", acme);
        var viewerRole = TestData.Role("Viewer", Operation.ViewPerson);
        var viewer = TestData.Person("fin.viewer", finance, "Fiona Viewer");
        viewer.Assign(viewerRole, Scope.Division);
        Person[] people =
        [
            TestData.Person("ak.b", finance, "Alba Brown"),
            TestData.Person("al.a", finance, "Anne Archer"),
            TestData.Person("al.c", finance, "Carl Cole"),
            TestData.Person("al.e", finance, "Eve Early"),
            TestData.Person("am.d", finance, "Alma Dunn"),
            TestData.Person("b.f", finance, "Alf Frost"),
            TestData.Person("c.g", finance, "Greta Green"),
        ];
        await SaveAsync([acme, finance, viewerRole, viewer, .. people]);
        var org = new Organisation(viewer.Id, people.ToDictionary(p => p.LogonName, p => p.Id));
        var al = new PeopleFilter(null, "al", null);

        await AssertListsAsync(
            org,
            new ListCase(al, new PageRequest(1, 2), ["ak.b", "al.a"], 6),
            new ListCase(al, new PageRequest(2, 2), ["al.c", "al.e"], 6),
            new ListCase(al, new PageRequest(3, 2), ["am.d", "b.f"], 6),
            new ListCase(al, new PageRequest(4, 2), [], 6),
            new ListCase(al, new PageRequest(2, 3), ["al.e", "am.d", "b.f"], 6),
            new ListCase(al, new PageRequest(1, 5), ["ak.b", "al.a", "al.c", "al.e", "am.d"], 6));
    }

    [Fact]
    public async Task ListAsync_LogonName_MatchesExactlyWithinReach()
    {
        var org = await SeedAsync();

        await AssertListsAsync(
            org,
            Case(new PeopleFilter("Carol.Payroll", null, null), "carol.payroll"),
            Case(new PeopleFilter(" bob.finance ", null, null), "bob.finance"),
            Case(new PeopleFilter("carol", null, null)),
            Case(new PeopleFilter("erin.eng", null, null)));
    }

    [Fact]
    public async Task ListAsync_GroupPath_ReturnsThatGroupsMembersWithinReach()
    {
        var org = await SeedAsync();

        await AssertListsAsync(
            org,
            Case(new PeopleFilter(null, null, "Acme/Finance/Payroll"), "carol.payroll", "dave.payroll"),
            Case(new PeopleFilter(null, null, "acme/finance"), "alice.finance", "bob.finance", "fin.viewer", "zoe.finance"),
            Case(new PeopleFilter(null, "ALICE", "acme/finance"), "alice.finance"),
            Case(new PeopleFilter(null, "payroll", "Acme/Finance")),
            Case(new PeopleFilter(null, null, "Acme/Engineering")),
            Case(new PeopleFilter(null, null, "Acme")),
            Case(new PeopleFilter(null, null, "Acme/Nowhere")));
    }

    [Fact]
    public async Task ListAsync_Paging_ReturnsThePageAndTheTotalInReach()
    {
        var org = await SeedAsync();
        var all = new PeopleFilter(null, null, null);

        await AssertListsAsync(
            org,
            new ListCase(all, new PageRequest(1, 4), ["alice.finance", "bob.finance", "carol.payroll", "dave.payroll"], 6),
            new ListCase(all, new PageRequest(2, 4), ["fin.viewer", "zoe.finance"], 6),
            new ListCase(all, new PageRequest(3, 4), [], 6),
            new ListCase(all, new PageRequest(3, 2), ["fin.viewer", "zoe.finance"], 6),
            new ListCase(new PeopleFilter(null, null, "acme/finance"), new PageRequest(2, 2), ["fin.viewer", "zoe.finance"], 4));
    }

    [Fact]
    public async Task ListAsync_DivisionOfManyGroups_ListsOnlyItsPeopleInLogonOrder_PagedFilteredAndCounted()
    {
        // More groups than a narrow reach holds (Reach.NarrowGroups): the list is walked in logon-name order, each
        // person's group tested as it comes; people outside the reach sort between those inside it.
        var acme = TestData.Group("Acme");
        var finance = TestData.Group("Finance", acme);
        var teams = Enumerable.Range(1, Reach.NarrowGroups + 1).Select(i => TestData.Group($"Team {i}", finance)).ToArray();
        var engineering = TestData.Group("Engineering", acme);
        var viewerRole = TestData.Role("Viewer", Operation.ViewPerson);
        var viewer = TestData.Person("m.viewer", finance, "Mona Viewer");
        viewer.Assign(viewerRole, Scope.Division);
        var members = teams.Select((team, i) => TestData.Person($"b{i:00}.member", team, $"Member {i:00}")).ToArray();
        Person[] outsiders = [TestData.Person("a.eng", engineering), TestData.Person("b05.eng", engineering, "Member 99"), TestData.Person("z.eng", engineering)];
        await SaveAsync([acme, finance, .. teams, engineering, viewerRole, viewer, .. members, .. outsiders]);
        var org = new Organisation(viewer.Id, new Dictionary<string, string>());
        var all = new PeopleFilter(null, null, null);

        await AssertListsAsync(
            org,
            new ListCase(all, new PageRequest(1, 4), ["b00.member", "b01.member", "b02.member", "b03.member"], 10),
            new ListCase(all, new PageRequest(2, 4), ["b04.member", "b05.member", "b06.member", "b07.member"], 10),
            new ListCase(all, new PageRequest(3, 4), ["b08.member", "m.viewer"], 10),
            new ListCase(all, new PageRequest(4, 4), [], 10),
            new ListCase(new PeopleFilter(null, "member 0", null), new PageRequest(2, 3), ["b03.member", "b04.member", "b05.member"], 9),
            new ListCase(new PeopleFilter(null, "B05", null), new PageRequest(null, null), ["b05.member"], 1),
            new ListCase(new PeopleFilter(null, null, "Acme/Finance/Team 3"), new PageRequest(null, null), ["b02.member"], 1),
            new ListCase(new PeopleFilter("z.eng", null, null), new PageRequest(null, null), [], 0));
    }

    [Fact]
    public async Task GetAsync_PersonOutsideReach_ReturnsNotFound()
    {
        var org = await SeedAsync();
        await using var scope = NewScope();
        var store = StoreOf(scope);
        var access = await ResolveAsync(store, org.ViewerId);

        var engineer = await new PeopleDirectory(store, Clock).GetAsync(access, org.Ids["erin.eng"], CancellationToken.None);
        var root = await new PeopleDirectory(store, Clock).GetAsync(access, org.Ids["ceo"], CancellationToken.None);
        var unknown = await new PeopleDirectory(store, Clock).GetAsync(access, Ids.New(), CancellationToken.None);

        Assert.Equal("people.not_found", engineer.Error?.Code);
        Assert.Equal("people.not_found", root.Error?.Code);
        Assert.Equal("people.not_found", unknown.Error?.Code);
    }

    [Fact]
    public async Task GetAsync_PersonInSubgroup_ReturnsThePerson()
    {
        var org = await SeedAsync();
        await using var scope = NewScope();
        var store = StoreOf(scope);
        var access = await ResolveAsync(store, org.ViewerId);

        var result = await new PeopleDirectory(store, Clock).GetAsync(access, org.Ids["dave.payroll"], CancellationToken.None);

        Assert.True(result.IsSuccess);
        Assert.Equal(("dave.payroll", "Acme/Finance/Payroll"), (result.Value.LogonName, result.Value.Group));
    }

    [Fact]
    public async Task CertificatesAsync_PersonInReach_ReturnsNewestFirstWithPolicyAndTotal()
    {
        var org = await SeedAsync();
        var policy = TestData.Policy("Encryption");
        var carol = org.Ids["carol.payroll"];
        var certificates = Enumerable.Range(0, 3)
            .Select(i => new Certificate(Ids.New(), carol, policy.Id, $"0{i}", "CN=CA", "CN=Carol", $"{i}{new string('d', 63)}", TestData.Instant.AddDays(i), TestData.Instant.AddDays(365 + i), [(byte)i]))
            .ToList();
        var archived = new Keyward.KeyArchive.ArchivedKey("archive-entry", certificates[1].Id, [0x4b, 0x57, 0x41, 0x01], "sk-1", TestData.Instant);
        certificates[1].AttachArchivedKey(archived.Id);
        var elsewhere = new Certificate(Ids.New(), org.Ids["alice.finance"], policy.Id, "09", "CN=CA", "CN=Alice", new string('e', 64), TestData.Instant, TestData.Instant.AddDays(1), [9]);
        await SaveAsync([policy, archived, .. certificates, elsewhere]);
        await using var scope = NewScope();
        var store = StoreOf(scope);
        var access = await ResolveAsync(store, org.ViewerId);

        var result = await new PeopleDirectory(store, Clock).CertificatesAsync(access, carol, new PageRequest(1, 2), CancellationToken.None);

        Assert.True(result.IsSuccess);
        Assert.Equal(3, result.Value.Total);
        Assert.Equal(["02", "01"], result.Value.Results.Select(c => c.SerialNumber));
        Assert.All(result.Value.Results, c => Assert.Equal(("Encryption", KeyUsage.Encryption, carol), (c.Policy, c.KeyUsage, c.OwnerId)));
        Assert.Equal([false, true], result.Value.Results.Select(c => c.Archived));
        AssertStored.Instant(TestData.Instant.AddDays(367), result.Value.Results[0].NotAfter);
    }

    [Fact]
    public async Task CertificatesAsync_IssuedCertificatePastNotAfter_ShowsExpiredAtTheClocksInstant()
    {
        var org = await SeedAsync();
        var policy = TestData.Policy("Encryption");
        var carol = org.Ids["carol.payroll"];
        var lapsed = new Certificate(Ids.New(), carol, policy.Id, "0a", "CN=CA", "CN=Carol", new string('f', 64), TestData.Instant.AddDays(-366), TestData.Instant.AddDays(-1), [10]);
        var revoked = new Certificate(Ids.New(), carol, policy.Id, "0b", "CN=CA", "CN=Carol", new string('9', 64), TestData.Instant.AddDays(-366), TestData.Instant.AddDays(-1), [11]);
        Assert.True(revoked.Revoke(RevocationReason.Superseded, TestData.Instant.AddDays(-2)).IsSuccess);
        var current = new Certificate(Ids.New(), carol, policy.Id, "0c", "CN=CA", "CN=Carol", new string('8', 64), TestData.Instant.AddDays(-1), TestData.Instant.AddDays(364), [12]);
        await SaveAsync(policy, lapsed, revoked, current);
        await using var scope = NewScope();
        var store = StoreOf(scope);
        var access = await ResolveAsync(store, org.ViewerId);

        var result = await new PeopleDirectory(store, Clock).CertificatesAsync(access, carol, new PageRequest(null, null), CancellationToken.None);

        // Nothing writes Expired when notAfter passes: the stored status of "0a" is still Issued.
        Assert.True(result.IsSuccess);
        Assert.Equal(
            [("0a", CertificateStatus.Expired), ("0b", CertificateStatus.Revoked), ("0c", CertificateStatus.Issued)],
            result.Value.Results.Select(c => (c.SerialNumber, c.Status)).OrderBy(c => c.SerialNumber, StringComparer.Ordinal));
    }

    [Fact]
    public async Task DevicesAsync_PersonInReachOrNot_ReturnsDevicesOrNotFound()
    {
        var org = await SeedAsync();
        var profile = TestData.Profile("Card");
        var dave = org.Ids["dave.payroll"];
        var cards = new[]
        {
            new Device(Ids.New(), DeviceType.SmartCard, "SC-2", dave, profile.Id, TestData.Instant.AddDays(2)),
            new Device(Ids.New(), DeviceType.SmartCard, "SC-1", dave, profile.Id, TestData.Instant.AddDays(1)),
        };
        var engineersCard = new Device(Ids.New(), DeviceType.SmartCard, "SC-3", org.Ids["erin.eng"], profile.Id, TestData.Instant);
        await SaveAsync([profile, .. cards, engineersCard]);
        await using var scope = NewScope();
        var store = StoreOf(scope);
        var access = await ResolveAsync(store, org.ViewerId);
        var directory = new PeopleDirectory(store, Clock);

        var inReach = await directory.DevicesAsync(access, dave, new PageRequest(null, null), CancellationToken.None);
        var outOfReach = await directory.DevicesAsync(access, org.Ids["erin.eng"], new PageRequest(null, null), CancellationToken.None);

        Assert.True(inReach.IsSuccess);
        Assert.Equal(["SC-1", "SC-2"], inReach.Value.Results.Select(d => d.SerialNumber));
        Assert.Equal(2, inReach.Value.Total);
        Assert.Equal("people.not_found", outOfReach.Error?.Code);
    }

    private static ListCase Case(PeopleFilter filter, params string[] expected) => new(filter, new PageRequest(null, null), expected, expected.Length);

    /// <summary>Runs every case in a unit of work of its own and compares all outcomes at once, naming each case.</summary>
    private async Task AssertListsAsync(Organisation org, params ListCase[] cases)
    {
        var mismatches = new List<string>();
        foreach (var c in cases)
        {
            var page = await ListPeopleAsync(org, c.Filter, c.Page);
            var expected = c.Describe(c.Expected, c.Total);
            var actual = c.Describe(page.Results.Select(p => p.LogonName), page.Total);
            if (expected != actual)
            {
                mismatches.Add($"expected {expected}\n  actual {actual}");
            }
        }

        if (mismatches.Count > 0)
        {
            Assert.Fail(string.Join('\n', mismatches));
        }
    }

    private async Task<Page<PersonView>> ListPeopleAsync(Organisation org, PeopleFilter filter, PageRequest page)
    {
        await using var scope = NewScope();
        var store = StoreOf(scope);
        var access = await ResolveAsync(store, org.ViewerId);
        var result = await new PeopleDirectory(store, Clock).ListAsync(access, filter, page, CancellationToken.None);
        Assert.True(result.IsSuccess);
        return result.Value;
    }

    private protected static async Task<AccessContext> ResolveAsync(IKeywardStore store, string personId)
    {
        var access = await new CallerResolver(store).ResolveAsync(personId, CancellationToken.None);
        Assert.NotNull(access);
        return access;
    }

    private protected async Task<Organisation> SeedAsync()
    {
        var acme = TestData.Group("Acme");
        var finance = TestData.Group("Finance", acme);
        var payroll = TestData.Group("Payroll", finance);
        var engineering = TestData.Group("Engineering", acme);
        var viewerRole = TestData.Role("Viewer", Operation.ViewPerson, Operation.ViewCertificate, Operation.ViewDevice);
        var viewer = TestData.Person("fin.viewer", finance, "Fiona Viewer");
        viewer.Assign(viewerRole, Scope.Division);
        Person[] people =
        [
            viewer,
            TestData.Person("alice.finance", finance, "Alice Anders"),
            TestData.Person("bob.finance", finance, "Bob Brown"),
            TestData.Person("zoe.finance", finance, "Zoë Ångström"),
            TestData.Person("carol.payroll", payroll, "Carol Clark"),
            TestData.Person("dave.payroll", payroll, "Dave Dunn", enabled: false),
            TestData.Person("erin.eng", engineering, "Erin Payroll-Liaison"),
            TestData.Person("frank.eng", engineering, "Frank Fox"),
            TestData.Person("ceo", acme, "Chief Executive"),
        ];
        await SaveAsync([acme, finance, payroll, engineering, viewerRole, .. people]);
        return new Organisation(viewer.Id, people.ToDictionary(p => p.LogonName, p => p.Id));
    }

    private protected sealed record Organisation(string ViewerId, IReadOnlyDictionary<string, string> Ids);

    private sealed record ListCase(PeopleFilter Filter, PageRequest Page, string[] Expected, int Total)
    {
        public string Describe(IEnumerable<string> logonNames, int total) =>
            $"{Filter}, page {Page.Page} of size {Page.Size}: [{string.Join(", ", logonNames)}], total {total}";
    }
}

[Collection(OnSqlite.Name)]
public sealed class SqlitePeopleDirectoryTests(SqliteDatabases databases) : PeopleDirectoryTests(databases);

[Collection(OnPostgres.Name)]
public sealed class PostgresPeopleDirectoryTests(PostgresServer server) : PeopleDirectoryTests(server)
{
    [Fact]
    public async Task ListAsync_Query_IsPlannedOnceForAnyText()
    {
        var org = await SeedAsync();
        await using var scope = NewScope();
        var store = StoreOf(scope);
        var access = await ResolveAsync(store, org.ViewerId);
        var directory = new PeopleDirectory(store, Clock);

        // Searches as an operator types them, on one connection: enough runs for the search's statements to be prepared.
        foreach (var text in (string[])["a", "al", "ali", "b", "bo", "c", "ca", "car", "d", "da"])
        {
            Assert.True((await directory.ListAsync(access, new PeopleFilter(null, text, null), new PageRequest(null, null), CancellationToken.None)).IsSuccess);
        }

        var search = Assert.Single(await PreparedPlans.ReadAsync(DbOf(scope), "\"SearchName\" >= "));
        Assert.True(search.Generic > 0 && search.Custom == 0, $"{search}");
    }
}
