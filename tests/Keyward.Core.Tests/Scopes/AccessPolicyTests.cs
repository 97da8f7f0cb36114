using Keyward.Profiles;
using Keyward.Scopes;
using Keyward.Tests.Support;

namespace Keyward.Tests.Scopes;

public class AccessPolicyTests
{
    private static readonly PersonRef FinanceTarget = TestOrg.Person("victor", TestOrg.Finance);

    [Fact]
    public void IsSelfService_EveryOperation_OnlyTheMyOperationsOfSpec()
    {
        Operation[] mine = [Operation.CollectMyCard, Operation.CollectMySoftCertificate, Operation.CollectMyUpdates, Operation.RequestMyRecovery];

        Assert.Equal(mine.Order(), Operations.All.Where(o => o.IsSelfService()).Order());
    }

    [Fact]
    public void IsReadOnly_EveryOperation_OnlyTheViewingOperations()
    {
        Operation[] readOnly =
        [
            Operation.ViewPerson, Operation.ViewCertificate, Operation.ViewDevice, Operation.ViewRequest,
            Operation.SearchRequests, Operation.ViewAudit,
        ];

        Assert.Equal(readOnly.Order(), Operations.All.Where(o => o.IsReadOnly()).Order());
    }

    [Fact]
    public void All_Operations_ListsEveryDeclaredValueOnce()
    {
        Assert.Equal(Enum.GetValues<Operation>().Order(), Operations.All.Order());
        Assert.Equal(Operations.All.Count, Operations.All.Distinct().Count());
    }

    [Theory]
    [InlineData(Operation.ViewPerson)]
    [InlineData(Operation.RecoverCertificatesToNewDevice)]
    [InlineData(Operation.CollectMyCard)]
    public void Decide_RoleGrantingOperationWithScopeNone_GrantsNothing(Operation operation)
    {
        var caller = TestOrg.Caller("olivia", TestOrg.Finance, TestOrg.Grant(TestOrg.Role("operator", Operations.All), Scope.None));

        Assert.Equal(AccessDecision.OperationNotGranted, TestOrg.Policy.Decide(caller, operation, caller.AsTarget));
        Assert.Equal(AccessDecision.OperationNotGranted, TestOrg.Policy.Decide(caller, operation, FinanceTarget));
        Assert.False(caller.Holds(operation));
        Assert.True(TestOrg.Policy.ReachFor(caller, operation).IsEmpty);
    }

    [Fact]
    public void Decide_SelfScopedRoleGrantsOperationAndDivisionScopedRoleDoesNot_AssignmentsDoNotCombine()
    {
        var a = TestOrg.Role("a", Operation.RecoverCertificatesToNewDevice);
        var b = TestOrg.Role("b", Operation.ViewPerson);
        var caller = TestOrg.Caller("olivia", TestOrg.Finance, TestOrg.Grant(a, Scope.Self), TestOrg.Grant(b, Scope.Division));

        Assert.Equal(AccessDecision.TargetOutOfScope, TestOrg.Policy.Decide(caller, Operation.RecoverCertificatesToNewDevice, FinanceTarget));
        Assert.Equal(AccessDecision.Allowed, TestOrg.Policy.Decide(caller, Operation.RecoverCertificatesToNewDevice, caller.AsTarget));
        Assert.Equal(AccessDecision.Allowed, TestOrg.Policy.Decide(caller, Operation.ViewPerson, FinanceTarget));
        Assert.False(TestOrg.Policy.ReachFor(caller, Operation.RecoverCertificatesToNewDevice).Covers(FinanceTarget));
    }

    [Theory]
    [InlineData(Scope.Department, true)]
    [InlineData(Scope.Division, true)]
    [InlineData(Scope.Self, false)]
    public void ReachFor_GroupScopes_ReachTheCallerThroughTheirOwnGroup(Scope scope, bool selfInGroups)
    {
        // A query may drop its "or this person" branch only when the groups reach the caller already.
        var caller = TestOrg.Caller("olivia", TestOrg.Finance, TestOrg.Grant(TestOrg.Role("viewer", Operation.ViewPerson), scope));

        var reach = TestOrg.Policy.ReachFor(caller, Operation.ViewPerson);

        Assert.Equal(caller.PersonId, reach.Self);
        Assert.Equal(selfInGroups, reach.SelfInGroups);
        Assert.True(reach.Covers(caller.AsTarget));
    }

    [Fact]
    public void Sees_CardholderWithSelfScope_SeesOnlyThemselves()
    {
        var cardholder = TestOrg.Caller("carol", TestOrg.Payroll, TestOrg.Grant(TestOrg.Role("cardholder", Operation.ViewPerson, Operation.RequestMyRecovery), Scope.Self));

        Assert.True(TestOrg.Policy.Sees(cardholder, cardholder.AsTarget, Operation.ViewPerson, Operation.RequestMyRecovery));
        Assert.False(TestOrg.Policy.Sees(cardholder, TestOrg.Person("dave", TestOrg.Engineering), Operation.ViewPerson, Operation.RecoverCertificatesToNewDevice));
        Assert.False(TestOrg.Policy.Sees(cardholder, TestOrg.Person("paula", TestOrg.Payroll), Operation.ViewPerson, Operation.RecoverCertificatesToNewDevice));
    }

    [Fact]
    public void Sees_ViewingRoleWithoutTheStep_SeesWithinItsScopeOnly()
    {
        var validator = TestOrg.Caller("vera", TestOrg.Engineering, TestOrg.Grant(TestOrg.Role("validator", Operation.ViewPerson, Operation.ValidateRequest), Scope.Department));

        Assert.True(TestOrg.Policy.Sees(validator, TestOrg.Person("dave", TestOrg.Engineering), Operation.ViewPerson, Operation.RecoverCertificatesToNewDevice));
        Assert.False(TestOrg.Policy.Sees(validator, FinanceTarget, Operation.ViewPerson, Operation.RecoverCertificatesToNewDevice));
    }

    [Fact]
    public void Sees_StepGrantedWithoutAViewingRole_SeesWhomTheStepReaches()
    {
        var issuer = TestOrg.Caller("ian", TestOrg.Finance, TestOrg.Grant(TestOrg.Role("issuer", Operation.IssueCertificate), Scope.Division));

        Assert.True(TestOrg.Policy.Sees(issuer, TestOrg.Person("carol", TestOrg.Payroll), Operation.ViewCertificate, Operation.IssueCertificate));
        Assert.False(TestOrg.Policy.Sees(issuer, TestOrg.Person("dave", TestOrg.Engineering), Operation.ViewCertificate, Operation.IssueCertificate));
    }

    [Fact]
    public void Sees_DisabledCaller_SeesNobody()
    {
        var disabled = TestOrg.Caller("admin", TestOrg.Acme, TestOrg.Grant(TestOrg.Role("administrator", Operations.All), Scope.All)) with { Enabled = false };

        Assert.False(TestOrg.Policy.Sees(disabled, FinanceTarget, Operation.ViewPerson, Operation.RecoverCertificatesToNewDevice));
        Assert.False(TestOrg.Policy.Sees(disabled, disabled.AsTarget, Operation.ViewPerson, Operation.RequestMyRecovery));
    }

    [Fact]
    public void Decide_TwoAssignmentsGrantingOperation_WidestReachWins()
    {
        var a = TestOrg.Role("a", Operation.ViewPerson);
        var b = TestOrg.Role("b", Operation.ViewPerson);
        var caller = TestOrg.Caller("olivia", TestOrg.Finance, TestOrg.Grant(a, Scope.Self), TestOrg.Grant(b, Scope.Division));

        Assert.Equal(AccessDecision.Allowed, TestOrg.Policy.Decide(caller, Operation.ViewPerson, TestOrg.Person("carol", TestOrg.Payroll)));
        Assert.Equal(AccessDecision.TargetOutOfScope, TestOrg.Policy.Decide(caller, Operation.ViewPerson, TestOrg.Person("dave", TestOrg.Engineering)));
    }

    [Theory]
    [InlineData(Scope.Department)]
    [InlineData(Scope.Division)]
    public void Decide_AssignmentWithoutAdministrativeGroups_DoesNotReachOtherGroups(Scope scope)
    {
        var caller = TestOrg.Caller("olivia", TestOrg.Finance, TestOrg.Grant(TestOrg.Role("viewer", Operation.ViewPerson), scope));

        Assert.Equal(AccessDecision.TargetOutOfScope, TestOrg.Policy.Decide(caller, Operation.ViewPerson, TestOrg.Person("lena", TestOrg.Legal)));
        Assert.Equal(AccessDecision.TargetOutOfScope, TestOrg.Policy.Decide(caller, Operation.ViewPerson, TestOrg.Person("admin", TestOrg.Acme)));
    }

    [Fact]
    public void Decide_ProfileWhoseCanRequestExcludesTheGrantingRole_RoleNotPermittedByProfile()
    {
        var operatorRole = TestOrg.Role("operator", Operation.RecoverCertificatesToNewDevice);
        var caller = TestOrg.Caller("olivia", TestOrg.Finance, TestOrg.Grant(operatorRole, Scope.Division));
        var profile = Profile(canRequest: ["administrator"]);

        Assert.Equal(
            AccessDecision.RoleNotPermittedByProfile,
            TestOrg.Policy.Decide(caller, Operation.RecoverCertificatesToNewDevice, FinanceTarget, profile));
        Assert.Equal(
            AccessDecision.Allowed,
            TestOrg.Policy.Decide(caller, Operation.RecoverCertificatesToNewDevice, FinanceTarget, Profile(canRequest: ["operator"])));
        Assert.Equal(AccessDecision.Allowed, TestOrg.Policy.Decide(caller, Operation.RecoverCertificatesToNewDevice, FinanceTarget));
    }

    [Fact]
    public void Decide_SelfScopedRoleOnListAndDivisionScopedRoleNotOnList_FinanceTargetRefused()
    {
        var onList = TestOrg.Role("cardholder", Operation.RecoverCertificatesToNewDevice);
        var offList = TestOrg.Role("operator", Operation.RecoverCertificatesToNewDevice);
        var caller = TestOrg.Caller("olivia", TestOrg.Finance, TestOrg.Grant(onList, Scope.Self), TestOrg.Grant(offList, Scope.Division));
        var profile = Profile(canRequest: ["cardholder"]);

        Assert.Equal(
            AccessDecision.RoleNotPermittedByProfile,
            TestOrg.Policy.Decide(caller, Operation.RecoverCertificatesToNewDevice, FinanceTarget, profile));
        Assert.Equal(
            AccessDecision.Allowed,
            TestOrg.Policy.Decide(caller, Operation.RecoverCertificatesToNewDevice, caller.AsTarget, profile));
        Assert.False(TestOrg.Policy.ReachFor(caller, Operation.RecoverCertificatesToNewDevice, profile).Covers(FinanceTarget));
    }

    [Theory]
    [InlineData(Operation.ValidateRequest)]
    [InlineData(Operation.CollectCard)]
    [InlineData(Operation.CollectSoftCertificate)]
    [InlineData(Operation.CollectUpdates)]
    [InlineData(Operation.RecoverCertificates)]
    public void Decide_GovernedOperationWithRoleOffItsList_RoleNotPermittedByProfile(Operation operation)
    {
        var caller = TestOrg.Caller("olivia", TestOrg.Finance, TestOrg.Grant(TestOrg.Role("operator", operation), Scope.Division));
        var everyListButTheGoverningOne = Profile(
            canRequest: [.. OnListUnless(operation, Operation.RecoverCertificates)],
            canValidate: [.. OnListUnless(operation, Operation.ValidateRequest)],
            canCollect: [.. OnListUnless(operation, Operation.CollectCard, Operation.CollectSoftCertificate, Operation.CollectUpdates)]);

        Assert.Equal(AccessDecision.RoleNotPermittedByProfile, TestOrg.Policy.Decide(caller, operation, FinanceTarget, everyListButTheGoverningOne));

        static IEnumerable<string> OnListUnless(Operation operation, params Operation[] governed) =>
            governed.Contains(operation) ? [] : ["operator"];
    }

    [Theory]
    [InlineData(Operation.CollectMyCard)]
    [InlineData(Operation.CollectMySoftCertificate)]
    [InlineData(Operation.CollectMyUpdates)]
    [InlineData(Operation.RequestMyRecovery)]
    public void Decide_MyOperationWithRoleOffTheProfileList_RoleNotPermittedByProfile(Operation operation)
    {
        var caller = TestOrg.Caller("carol", TestOrg.Payroll, TestOrg.Grant(TestOrg.Role("cardholder", operation), Scope.Self));

        Assert.Equal(AccessDecision.RoleNotPermittedByProfile, TestOrg.Policy.Decide(caller, operation, caller.AsTarget, Profile()));
        Assert.Equal(
            AccessDecision.Allowed,
            TestOrg.Policy.Decide(caller, operation, caller.AsTarget, Profile(canRequest: ["cardholder"], canCollect: ["cardholder"])));
    }

    [Fact]
    public void Decide_OperationNoProfileListGoverns_ProfileIsIgnored()
    {
        var caller = TestOrg.Caller("victor", TestOrg.Finance, TestOrg.Grant(TestOrg.Role("validator", Operation.ViewPerson, Operation.CancelRequest), Scope.Division));

        Assert.Equal(AccessDecision.Allowed, TestOrg.Policy.Decide(caller, Operation.ViewPerson, FinanceTarget, Profile()));
        Assert.Equal(AccessDecision.Allowed, TestOrg.Policy.Decide(caller, Operation.CancelRequest, FinanceTarget, Profile()));
    }

    public static TheoryData<Operation> AllOperations() => [.. Operations.All];

    [Theory]
    [MemberData(nameof(AllOperations))]
    public void RoleListFor_EveryOperation_IsTheListSpecNames(Operation operation)
    {
        var profile = Profile(canRequest: ["r"], canValidate: ["v"], canCollect: ["c"], canReceive: ["x"]);
        string? expected = operation switch
        {
            Operation.RecoverCertificatesToNewDevice or Operation.RecoverCertificates or Operation.RequestMyRecovery => "r",
            Operation.ValidateRequest => "v",
            Operation.CollectCard or Operation.CollectSoftCertificate or Operation.CollectUpdates
                or Operation.CollectMyCard or Operation.CollectMySoftCertificate or Operation.CollectMyUpdates => "c",
            _ => null,
        };

        var list = AccessPolicy.RoleListFor(profile, operation);

        Assert.Equal(expected, list?.Single());
    }

    [Fact]
    public void CanReceive_EnabledTargetHoldingListedRole_True()
    {
        Assert.True(AccessPolicy.CanReceive(TestOrg.Person("carol", TestOrg.Payroll, true, "cardholder"), Profile(canReceive: ["cardholder"])));
    }

    [Fact]
    public void CanReceive_TargetWithoutListedRole_False()
    {
        Assert.False(AccessPolicy.CanReceive(TestOrg.Person("carol", TestOrg.Payroll, true, "validator"), Profile(canReceive: ["cardholder"])));
        Assert.False(AccessPolicy.CanReceive(TestOrg.Person("carol", TestOrg.Payroll, true), Profile(canReceive: ["cardholder"])));
    }

    [Fact]
    public void CanReceive_DisabledTargetHoldingListedRole_False()
    {
        Assert.False(AccessPolicy.CanReceive(TestOrg.Person("erin", TestOrg.Finance, false, "cardholder"), Profile(canReceive: ["cardholder"])));
    }

    [Fact]
    public void CanReceive_ListedRoleAssignedWithScopeNone_False()
    {
        var person = new Keyward.People.Person("p-carol", "carol", "Carol", "carol@acme.test", TestOrg.Payroll.Id, true);
        person.Assign(TestOrg.Role("cardholder", Operation.CollectMyCard), Scope.None);

        Assert.False(AccessPolicy.CanReceive(PersonRef.From(person), Profile(canReceive: ["cardholder"])));
    }

    internal static CredentialProfile Profile(
        IReadOnlyList<string>? canRequest = null,
        IReadOnlyList<string>? canValidate = null,
        IReadOnlyList<string>? canCollect = null,
        IReadOnlyList<string>? canReceive = null) =>
        CredentialProfile.Create("p-test", new CredentialProfileSettings
        {
            Name = "Test profile",
            CardEncoding = CardEncoding.SoftwareCertificates,
            KeyRecoveryOnly = true,
            CanRequest = canRequest ?? [],
            CanValidate = canValidate ?? [],
            CanCollect = canCollect ?? [],
            CanReceive = canReceive ?? [],
        }).Value;
}
