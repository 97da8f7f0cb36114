using Keyward.Audit;
using Keyward.People;
using Keyward.People.Import;
using Keyward.Recovery;
using Keyward.Scopes;
using Keyward.Tests.Support;
using Microsoft.Extensions.Time.Testing;

namespace Keyward.Tests.People.Import;

/// <summary>The importer's row and scope rules: all or nothing, and every refusal names the row and the field.</summary>
public class PeopleImporterTests
{
    private static readonly Role PeopleManager = TestOrg.Role("people-manager", Operation.ManagePeople, Operation.ViewPerson);

    private readonly InMemoryKeywardStore _store = new();
    private readonly PeopleImporter _importer;

    public PeopleImporterTests()
    {
        _store.Seed<Group>(TestOrg.Groups);
        _store.Seed(
            new Person("p-carol", "carol", "Carol Payne", "carol@acme.test", TestOrg.Payroll.Id, true),
            new Person("p-dave", "dave", "Dave Engel", "dave@acme.test", TestOrg.Engineering.Id, true));
        _importer = new PeopleImporter(_store, new AuditTrail(_store, new FakeTimeProvider(new DateTimeOffset(2026, 3, 1, 9, 0, 0, TimeSpan.Zero))));
    }

    [Theory]
    [InlineData(ImportFormat.Csv, "Line 4")]
    [InlineData(ImportFormat.Json, "Item 3")]
    public async Task ImportAsync_BadEmailOnThirdRow_RejectsWholeFileAndAddsNothing(ImportFormat format, string location)
    {
        var content = format == ImportFormat.Csv
            ? """
              logonName,name,email,group
              frank,Frank,frank@acme.test,Acme/Finance
              gina,Gina,gina@acme.test,Acme/NewTeam
              hal,Hal,hal.at.acme.test,Acme/Finance
              """
            : """
              [
                {"logonName": "frank", "name": "Frank", "email": "frank@acme.test", "group": "Acme/Finance"},
                {"logonName": "gina", "name": "Gina", "email": "gina@acme.test", "group": "Acme/NewTeam"},
                {"logonName": "hal", "name": "Hal", "email": "hal.at.acme.test", "group": "Acme/Finance"}
              ]
              """;
        var rows = ImportText.Read(content, format).Value;

        var result = await ImportAsync(Scope.All, rows);

        Assert.Equal("people.import_invalid", result.Error?.Code);
        Assert.Equal($"{location}, field 'email': 'hal.at.acme.test' is not an e-mail address Keyward accepts: ASCII local@domain, such as jane.doe@acme.example, at most {EmailAddress.MaxLength} characters.", result.Error?.Detail);
        Assert.Equal(["carol", "dave"], _store.People.Select(p => p.LogonName).Order());
        Assert.Equal(TestOrg.Groups.Count, _store.Groups.Count());
        var audit = Assert.Single(_store.AuditEvents);
        Assert.Equal((AuditOutcome.Refused, "people.import", "people.import_invalid"), (audit.Outcome, audit.Action, audit.Code));
    }

    public static TheoryData<ImportRow, string> BadRows() => new()
    {
        { Row(logonName: null), "Row 2, field 'logonName': is required." },
        { Row(logonName: "-carla"), "Row 2, field 'logonName':" },
        { Row(logonName: "carla smith"), "Row 2, field 'logonName':" },
        { Row(logonName: new string('c', 65)), "Row 2, field 'logonName':" },
        { Row(name: " "), "Row 2, field 'name': is required" },
        { Row(name: new string('n', 201)), "Row 2, field 'name':" },
        { Row(email: null), "Row 2, field 'email':" },
        { Row(email: "Carla <carla@acme.test>"), "Row 2, field 'email':" },
        { Row(group: ""), "Row 2, field 'group': is required" },
        { Row(group: "Acme//Finance"), "Row 2, field 'group': 'Acme//Finance' has an empty or padded segment." },
        { Row(group: "Acme/ Finance"), "Row 2, field 'group':" },
        { Row(enabled: "maybe"), "Row 2, field 'enabled': 'maybe' must be true or false." },
    };

    [Theory]
    [MemberData(nameof(BadRows))]
    public async Task ImportAsync_InvalidField_NamesRowAndField(ImportRow bad, string expectedStart)
    {
        var result = await ImportAsync(Scope.All, [Row() with { Location = "Row 1", LogonName = "ann" }, bad]);

        Assert.Equal("people.import_invalid", result.Error?.Code);
        Assert.StartsWith(expectedStart, result.Error?.Detail, StringComparison.Ordinal);
        Assert.Equal(2, _store.People.Count());
    }

    [Theory]
    [InlineData("frank", "frank")]
    [InlineData("Frank", " frank ")]
    public async Task ImportAsync_DuplicateLogonNameAcrossRows_NamesBothRows(string first, string second)
    {
        const string csv = """
            logonName,name,email,group
            {0},Frank,frank@acme.test,Acme/Finance
            {1},Frank Two,frank2@acme.test,Acme/Finance
            """;
        var rows = ImportText.Read(string.Format(System.Globalization.CultureInfo.InvariantCulture, csv, first, second), ImportFormat.Csv).Value;

        var result = await ImportAsync(Scope.All, rows);

        Assert.Equal("people.import_invalid", result.Error?.Code);
        Assert.Equal("Line 3, field 'logonName': 'frank' also appears at Line 2.", result.Error?.Detail);
        Assert.Equal(2, _store.People.Count());
    }

    [Fact]
    public async Task ImportAsync_CallerWithoutManagePeople_Forbidden()
    {
        var caller = TestOrg.Caller("olivia", TestOrg.Finance, TestOrg.Grant(TestOrg.Role("viewer", Operation.ViewPerson), Scope.All));

        var result = await _importer.ImportAsync(new AccessContext(caller, TestOrg.Policy), [Row()], Channel.Api, CancellationToken.None);

        Assert.Equal("people.forbidden", result.Error?.Code);
        Assert.Equal(2, _store.People.Count());
        Assert.Equal(AuditOutcome.Refused, Assert.Single(_store.AuditEvents).Outcome);
    }

    [Fact]
    public async Task ImportAsync_ManagePeopleWithScopeNone_Forbidden()
    {
        Assert.Equal("people.forbidden", (await ImportAsync(Scope.None, [Row()])).Error?.Code);
    }

    [Fact]
    public async Task ImportAsync_DisabledCaller_Forbidden()
    {
        var caller = TestOrg.Caller("admin", TestOrg.Acme, TestOrg.Grant(PeopleManager, Scope.All)) with { Enabled = false };

        var result = await _importer.ImportAsync(new AccessContext(caller, TestOrg.Policy), [Row()], Channel.Api, CancellationToken.None);

        Assert.Equal("people.forbidden", result.Error?.Code);
    }

    [Theory]
    [InlineData(Scope.Department, "Acme/Engineering")]
    [InlineData(Scope.Department, "Acme/Finance/Payroll")]
    [InlineData(Scope.Department, "Acme")]
    [InlineData(Scope.Division, "Acme/Engineering")]
    [InlineData(Scope.Division, "Acme")]
    public async Task ImportAsync_GroupOutsideImportersScope_ImportForbidden(Scope scope, string group)
    {
        var result = await ImportAsync(scope, [Row(), Row(group: group) with { Location = "Row 3", LogonName = "gina" }]);

        Assert.Equal("people.import_forbidden", result.Error?.Code);
        Assert.Equal($"Row 3, field 'group': group '{group}' is not within your scope; only an administrator with scope All may create groups.", result.Error?.Detail);
        Assert.Equal(2, _store.People.Count());
    }

    [Fact]
    public async Task ImportAsync_SelfScopedImporterNamingOwnGroup_ImportForbidden()
    {
        var result = await ImportAsync(Scope.Self, [Row(group: "Acme/Finance")]);

        Assert.Equal("people.import_forbidden", result.Error?.Code);
        Assert.Equal("Row 2, field 'group': group 'Acme/Finance' is not within your scope; only an administrator with scope All may create groups.", result.Error?.Detail);
    }

    [Theory]
    [InlineData(Scope.Department, "Acme/Finance")]
    [InlineData(Scope.Department, "acme/finance")]
    [InlineData(Scope.Division, "Acme/Finance/Payroll")]
    [InlineData(Scope.All, "Acme/Engineering")]
    public async Task ImportAsync_GroupWithinImportersScope_Created(Scope scope, string group)
    {
        var result = await ImportAsync(scope, [Row(group: group)]);

        Assert.Equal(new ImportSummary(1, 0, 0, 0), result.Value);
        var carla = Assert.Single(_store.People, p => p.LogonName == "carla");
        Assert.Equal(TestOrg.Groups.Single(g => string.Equals(g.Path, group, StringComparison.OrdinalIgnoreCase)).Id, carla.GroupId);
    }

    [Fact]
    public async Task ImportAsync_DepartmentImporterWithAdministrativeGroup_ReachesThatGroup()
    {
        var caller = TestOrg.Caller("olivia", TestOrg.Finance, TestOrg.Grant(PeopleManager, Scope.Department, TestOrg.Legal.Id));

        var result = await _importer.ImportAsync(new AccessContext(caller, TestOrg.Policy), [Row(group: "Acme/Legal")], Channel.Api, CancellationToken.None);

        Assert.True(result.IsSuccess, result.Error?.Detail);
    }

    [Theory]
    [InlineData(Scope.Department)]
    [InlineData(Scope.Division)]
    public async Task ImportAsync_NewGroupPathWithoutScopeAll_ImportForbiddenAndNoGroupCreated(Scope scope)
    {
        // Acme/Finance/Treasury would lie inside the Division importer's reach, but only scope All creates groups.
        // The answer is the one for an existing group outside the scope: it must not tell which groups exist.
        var result = await ImportAsync(scope, [Row(group: "Acme/Finance/Treasury")]);

        Assert.Equal("people.import_forbidden", result.Error?.Code);
        Assert.Equal("Row 2, field 'group': group 'Acme/Finance/Treasury' is not within your scope; only an administrator with scope All may create groups.", result.Error?.Detail);
        Assert.Equal(TestOrg.Groups.Count, _store.Groups.Count());
    }

    [Fact]
    public async Task ImportAsync_NewGroupPathsWithScopeAll_CreatesEachMissingGroupOnce()
    {
        var result = await ImportAsync(Scope.All, [
            Row(group: "Acme/Research/Lab"),
            Row(group: "/Acme/Research/Lab/") with { Location = "Row 3", LogonName = "gina" },
            Row(group: "Acme/Finance/Treasury") with { Location = "Row 4", LogonName = "hal" },
        ]);

        Assert.Equal(new ImportSummary(3, 0, 0, 3), result.Value);
        var research = Assert.Single(_store.Groups, g => g.Path == "Acme/Research");
        var lab = Assert.Single(_store.Groups, g => g.Path == "Acme/Research/Lab");
        var treasury = Assert.Single(_store.Groups, g => g.Path == "Acme/Finance/Treasury");
        Assert.Equal((TestOrg.Acme.Id, research.Id, TestOrg.Finance.Id), (research.ParentId, lab.ParentId, treasury.ParentId));
        Assert.All(_store.People.Where(p => p.LogonName == "carla" || p.LogonName == "gina"), p => Assert.Equal(lab.Id, p.GroupId));
    }

    [Fact]
    public async Task ImportAsync_ExistingPersonOutsideScope_ImportForbidden()
    {
        // dave lives in Engineering; a Finance Department importer may not pull him into Finance, and is not told
        // that the name belongs to someone they cannot see.
        var result = await ImportAsync(Scope.Department, [Row(group: "Acme/Finance") with { LogonName = "Dave" }]);

        Assert.Equal("people.import_forbidden", result.Error?.Code);
        Assert.Equal("Row 2, field 'logonName': 'dave' cannot be used.", result.Error?.Detail);
        Assert.Equal(TestOrg.Engineering.Id, _store.People.Single(p => p.LogonName == "dave").GroupId);
    }

    [Fact]
    public async Task ImportAsync_ExistingPersonTheImporterSeesButDoesNotManage_SaysSo()
    {
        // The importer sees everyone but manages Finance only: naming dave's logon name tells them nothing new.
        var viewer = TestOrg.Role("viewer", Operation.ViewPerson);
        var caller = TestOrg.Caller("olivia", TestOrg.Finance, TestOrg.Grant(PeopleManager, Scope.Department), TestOrg.Grant(viewer, Scope.All));

        var result = await _importer.ImportAsync(new AccessContext(caller, TestOrg.Policy), [Row(group: "Acme/Finance") with { LogonName = "dave" }], Channel.Api, CancellationToken.None);

        Assert.Equal("people.import_forbidden", result.Error?.Code);
        Assert.Equal("Row 2, field 'logonName': 'dave' belongs to someone outside your scope for managing people.", result.Error?.Detail);
        Assert.Equal(TestOrg.Engineering.Id, _store.People.Single(p => p.LogonName == "dave").GroupId);
    }

    [Fact]
    public async Task ImportAsync_MixOfNewChangedAndSamePeople_CountsAndAuditsSuccess()
    {
        var result = await ImportAsync(Scope.All, [
            Row(),
            Row(logonName: "carol", name: "Carol Payne", email: "carol@acme.test", group: "Acme/Finance/Payroll") with { Location = "Row 3" },
            Row(logonName: "DAVE", name: "Dave Engel", email: "dave@acme.test", group: "Acme/Engineering", enabled: "false") with { Location = "Row 4" },
        ]);

        Assert.Equal(new ImportSummary(1, 1, 1, 0), result.Value);
        Assert.False(_store.People.Single(p => p.LogonName == "dave").Enabled);
        var carla = _store.People.Single(p => p.LogonName == "carla");
        Assert.Equal(("Carla Ruiz", "carla@acme.test", TestOrg.Finance.Id, true), (carla.Name, carla.Email, carla.GroupId, carla.Enabled));
        var audit = Assert.Single(_store.AuditEvents);
        Assert.Equal((AuditOutcome.Succeeded, "admin"), (audit.Outcome, audit.ActorId));
        Assert.Equal(1, _store.Saves);
    }

    [Fact]
    public async Task ImportAsync_NoRows_Invalid()
    {
        Assert.Equal("people.import_invalid", (await ImportAsync(Scope.All, [])).Error?.Code);
    }

    private static ImportRow Row(
        string? logonName = "carla",
        string? name = "Carla Ruiz",
        string? email = "carla@acme.test",
        string? group = "Acme/Finance",
        string? enabled = null) => new("Row 2", logonName, name, email, group, enabled);

    /// <summary>Imports as a people manager sitting in Acme/Finance ("admin" when the scope is All).</summary>
    private Task<Keyward.Common.Result<ImportSummary>> ImportAsync(Scope scope, IReadOnlyList<ImportRow> rows)
    {
        var caller = scope == Scope.All
            ? TestOrg.Caller("admin", TestOrg.Acme, TestOrg.Grant(PeopleManager, scope))
            : TestOrg.Caller("olivia", TestOrg.Finance, TestOrg.Grant(PeopleManager, scope));
        return _importer.ImportAsync(new AccessContext(caller, TestOrg.Policy), rows, Channel.Api, CancellationToken.None);
    }
}
