using Keyward.Scopes;
using Keyward.Tests.Support;

namespace Keyward.Tests.Scopes;

/// <summary>Nobody grants a role they do not hold, nor a scope wider than their own (docs/scopes.md#when-an-operation-is-allowed).</summary>
public class GrantRuleTests
{
    private static readonly Role RoleManager = TestOrg.Role("role-manager", Operation.ManageRoles, Operation.ViewPerson);
    private static readonly Role Operator = TestOrg.Role("operator", Operation.RecoverCertificatesToNewDevice, Operation.ViewPerson);
    private static readonly PersonRef PayrollGrantee = TestOrg.Person("carol", TestOrg.Payroll);

    public static TheoryData<Scope, Scope> ScopePairs()
    {
        var data = new TheoryData<Scope, Scope>();
        foreach (var own in Enum.GetValues<Scope>())
        {
            foreach (var requested in Enum.GetValues<Scope>())
            {
                data.Add(own, requested);
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(ScopePairs))]
    public void DecideGrant_EveryOwnAndRequestedScope_RefusesRoleNotHeldAndWiderScopes(Scope own, Scope requested)
    {
        var granter = TestOrg.Caller("admin", TestOrg.Finance, TestOrg.Grant(RoleManager, Scope.All), TestOrg.Grant(Operator, own));
        var expected = own == Scope.None ? AccessDecision.RoleNotHeld
            : (int)requested > (int)own ? AccessDecision.ScopeWiderThanOwn
            : AccessDecision.Allowed;

        Assert.Equal(expected, TestOrg.Policy.DecideGrant(granter, PayrollGrantee, Operator, requested, []));
    }

    [Fact]
    public void DecideGrant_RoleNotAssignedAtAll_RoleNotHeld()
    {
        var granter = TestOrg.Caller("admin", TestOrg.Finance, TestOrg.Grant(RoleManager, Scope.All));

        Assert.Equal(AccessDecision.RoleNotHeld, TestOrg.Policy.DecideGrant(granter, PayrollGrantee, Operator, Scope.Self, []));
    }

    [Fact]
    public void DecideGrant_RoleHeldTwice_WidestOwnScopeCounts()
    {
        var granter = TestOrg.Caller(
            "admin", TestOrg.Finance, TestOrg.Grant(RoleManager, Scope.All), TestOrg.Grant(Operator, Scope.Self), TestOrg.Grant(Operator, Scope.Division));

        Assert.Equal(AccessDecision.Allowed, TestOrg.Policy.DecideGrant(granter, PayrollGrantee, Operator, Scope.Division, []));
        Assert.Equal(AccessDecision.ScopeWiderThanOwn, TestOrg.Policy.DecideGrant(granter, PayrollGrantee, Operator, Scope.All, []));
    }

    [Fact]
    public void DecideGrant_GranterWithoutManageRoles_OperationNotGranted()
    {
        var granter = TestOrg.Caller("olivia", TestOrg.Finance, TestOrg.Grant(Operator, Scope.All));

        Assert.Equal(AccessDecision.OperationNotGranted, TestOrg.Policy.DecideGrant(granter, PayrollGrantee, Operator, Scope.Self, []));
    }

    [Fact]
    public void DecideGrant_ManageRolesWithScopeNone_OperationNotGranted()
    {
        var granter = TestOrg.Caller("olivia", TestOrg.Finance, TestOrg.Grant(RoleManager, Scope.None), TestOrg.Grant(Operator, Scope.All));

        Assert.Equal(AccessDecision.OperationNotGranted, TestOrg.Policy.DecideGrant(granter, PayrollGrantee, Operator, Scope.Self, []));
    }

    [Fact]
    public void DecideGrant_DisabledGranter_CallerDisabled()
    {
        var granter = TestOrg.Caller("admin", TestOrg.Finance, TestOrg.Grant(RoleManager, Scope.All), TestOrg.Grant(Operator, Scope.All)) with { Enabled = false };

        Assert.Equal(AccessDecision.CallerDisabled, TestOrg.Policy.DecideGrant(granter, PayrollGrantee, Operator, Scope.Self, []));
    }

    [Theory]
    [InlineData(Scope.Self, "g-finance")]
    [InlineData(Scope.Department, "g-payroll")]
    [InlineData(Scope.Department, "g-engineering")]
    [InlineData(Scope.Division, "g-engineering")]
    [InlineData(Scope.Division, "g-acme")]
    public void DecideGrant_GranteeOutsideManageRolesReach_TargetOutOfScope(Scope manageScope, string granteeGroupId)
    {
        var granter = TestOrg.Caller("admin", TestOrg.Finance, TestOrg.Grant(RoleManager, manageScope), TestOrg.Grant(Operator, Scope.All));
        var grantee = new PersonRef("someone", granteeGroupId, true, []);

        Assert.Equal(AccessDecision.TargetOutOfScope, TestOrg.Policy.DecideGrant(granter, grantee, Operator, Scope.Self, []));
    }

    [Theory]
    [InlineData(Scope.Department, "g-finance", AccessDecision.Allowed)]
    [InlineData(Scope.Department, "g-payroll", AccessDecision.AdministrativeGroupOutOfScope)]
    [InlineData(Scope.Department, "g-legal", AccessDecision.AdministrativeGroupOutOfScope)]
    [InlineData(Scope.Division, "g-finance", AccessDecision.Allowed)]
    [InlineData(Scope.Division, "g-payroll", AccessDecision.Allowed)]
    [InlineData(Scope.Division, "g-legal", AccessDecision.AdministrativeGroupOutOfScope)]
    [InlineData(Scope.Division, "g-engineering", AccessDecision.AdministrativeGroupOutOfScope)]
    [InlineData(Scope.Division, "g-acme", AccessDecision.AdministrativeGroupOutOfScope)]
    [InlineData(Scope.All, "g-legal", AccessDecision.Allowed)]
    [InlineData(Scope.All, "g-contracts", AccessDecision.Allowed)]
    public void DecideGrant_AdministrativeGroup_MustLieWithinGrantersManageRolesReach(Scope manageScope, string administrativeGroupId, AccessDecision expected)
    {
        // The granter's own Operator assignment reaches everyone, so only the ManageRoles reach is in play.
        var granter = TestOrg.Caller("admin", TestOrg.Finance, TestOrg.Grant(RoleManager, manageScope), TestOrg.Grant(Operator, Scope.All));
        var grantee = TestOrg.Person("victor", TestOrg.Finance);

        Assert.Equal(expected, TestOrg.Policy.DecideGrant(granter, grantee, Operator, Scope.Department, [administrativeGroupId]));
    }

    [Theory]
    [InlineData("g-finance", AccessDecision.Allowed)]
    [InlineData("g-payroll", AccessDecision.Allowed)]
    [InlineData("g-legal", AccessDecision.AdministrativeGroupOutOfScope)]
    [InlineData("g-contracts", AccessDecision.AdministrativeGroupOutOfScope)]
    [InlineData("g-engineering", AccessDecision.AdministrativeGroupOutOfScope)]
    public void DecideGrant_AdministrativeGroup_MustLieWithinGrantersOwnReachForThatRole(string administrativeGroupId, AccessDecision expected)
    {
        // ManageRoles reaches everyone, but the granter's own Operator assignment only reaches Finance and below:
        // an administrative group must not let the grantee reach further than the granter does with the role.
        var granter = TestOrg.Caller("admin", TestOrg.Finance, TestOrg.Grant(RoleManager, Scope.All), TestOrg.Grant(Operator, Scope.Division));
        var grantee = TestOrg.Person("victor", TestOrg.Finance);

        Assert.Equal(expected, TestOrg.Policy.DecideGrant(granter, grantee, Operator, Scope.Department, [administrativeGroupId]));
    }

    [Theory]
    [InlineData(Scope.Department, "g-legal", AccessDecision.Allowed)]
    [InlineData(Scope.Department, "g-contracts", AccessDecision.AdministrativeGroupOutOfScope)]
    [InlineData(Scope.Division, "g-contracts", AccessDecision.Allowed)]
    public void DecideGrant_GranterWithOwnAdministrativeGroup_ReachExtendsAsScopeSays(Scope manageScope, string administrativeGroupId, AccessDecision expected)
    {
        var granter = TestOrg.Caller(
            "admin", TestOrg.Finance, TestOrg.Grant(RoleManager, manageScope, TestOrg.Legal.Id), TestOrg.Grant(Operator, Scope.All));
        var grantee = TestOrg.Person("victor", TestOrg.Finance);

        Assert.Equal(expected, TestOrg.Policy.DecideGrant(granter, grantee, Operator, Scope.Department, [administrativeGroupId]));
    }

    [Fact]
    public void DecideGrant_SeveralAdministrativeGroupsOneOutOfReach_AdministrativeGroupOutOfScope()
    {
        var granter = TestOrg.Caller("admin", TestOrg.Finance, TestOrg.Grant(RoleManager, Scope.Division), TestOrg.Grant(Operator, Scope.Division));

        Assert.Equal(
            AccessDecision.AdministrativeGroupOutOfScope,
            TestOrg.Policy.DecideGrant(granter, PayrollGrantee, Operator, Scope.Division, [TestOrg.Payroll.Id, TestOrg.Engineering.Id]));
    }
}
