using Keyward.Scopes;
using static Keyward.Tests.Support.TestOrg;

namespace Keyward.Tests.Scopes;

/// <summary>A credential acting as someone (an API client) is made only by someone whose powers cover theirs.</summary>
public sealed class PowerCoverageTests
{
    private static readonly Role Validator = Role("validator", Operation.ViewPerson, Operation.ValidateRequest);
    private static readonly Role Holder = Role("holder", Operation.ViewCertificate, Operation.CollectMySoftCertificate);

    [Fact]
    public void FirstPowerNotCovered_GranterWithScopeAll_CoversEveryone()
    {
        var admin = Caller("admin", Acme, Grant(Role("admin", Operations.All), Scope.All));
        Assert.Null(Policy.FirstPowerNotCovered(admin, Caller("victor", Finance, Grant(Validator, Scope.Division))));
        Assert.Null(Policy.FirstPowerNotCovered(admin, Caller("carol", Payroll, Grant(Holder, Scope.Self))));
    }

    [Fact]
    public void FirstPowerNotCovered_HolderReachesWiderThanGranter_NamesTheOperation()
    {
        var payrollLead = Caller("lead", Payroll, Grant(Validator, Scope.Department));
        var financeValidator = Caller("victor", Finance, Grant(Validator, Scope.Division));
        Assert.Equal(Operation.ViewPerson, Policy.FirstPowerNotCovered(payrollLead, financeValidator));
        Assert.Null(Policy.FirstPowerNotCovered(financeValidator, Caller("pat", Payroll, Grant(Validator, Scope.Department))));
    }

    [Fact]
    public void FirstPowerNotCovered_OperationNotHeld_NamesIt()
    {
        var viewer = Caller("viewer", Acme, Grant(Role("viewer", Operation.ViewPerson), Scope.All));
        Assert.Equal(Operation.ValidateRequest, Policy.FirstPowerNotCovered(viewer, Caller("victor", Finance, Grant(Validator, Scope.Self))));
    }
}
