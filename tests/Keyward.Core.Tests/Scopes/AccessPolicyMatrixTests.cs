using Keyward.Scopes;
using Keyward.Tests.Support;

namespace Keyward.Tests.Scopes;

/// <summary>Where the target of an operation stands relative to the caller (who sits in Acme/Finance).</summary>
public enum Relation
{
    /// <summary>The caller themself.</summary>
    Self,

    /// <summary>Another person in Acme/Finance.</summary>
    SameGroup,

    /// <summary>A person in Acme/Finance/Payroll.</summary>
    SubGroup,

    /// <summary>A person in Acme.</summary>
    ParentGroup,

    /// <summary>A person in Acme/Engineering.</summary>
    OtherBranch,

    /// <summary>A person in Acme/Legal, which the caller's assignment names as an administrative group.</summary>
    AdministrativeGroup,

    /// <summary>A person in Acme/Legal/Contracts, beneath the administrative group.</summary>
    AdministrativeSubGroup,

    /// <summary>A disabled person in Acme/Finance.</summary>
    DisabledTarget,

    /// <summary>The caller is disabled; the target is another person in Acme/Finance.</summary>
    DisabledCaller,
}

/// <summary>
/// Every scope × every target relation × every operation × (role grants it or not), against an oracle
/// written from docs/scopes.md without looking at the engine.
/// </summary>
public class AccessPolicyMatrixTests
{
    /// <summary>Which relations each scope reaches (the caller's assignment names Acme/Legal as an administrative group).</summary>
    private static readonly Dictionary<Scope, Relation[]> Reaches = new()
    {
        [Scope.None] = [],
        [Scope.Self] = [Relation.Self],
        [Scope.Department] = [Relation.Self, Relation.SameGroup, Relation.DisabledTarget, Relation.AdministrativeGroup],
        [Scope.Division] =
        [
            Relation.Self, Relation.SameGroup, Relation.DisabledTarget, Relation.SubGroup,
            Relation.AdministrativeGroup, Relation.AdministrativeSubGroup,
        ],
        [Scope.All] = Enum.GetValues<Relation>(),
    };

    public static TheoryData<Scope, Relation, Operation, bool> Matrix()
    {
        var data = new TheoryData<Scope, Relation, Operation, bool>();
        foreach (var scope in Enum.GetValues<Scope>())
        {
            foreach (var relation in Enum.GetValues<Relation>())
            {
                foreach (var operation in Operations.All)
                {
                    data.Add(scope, relation, operation, true);
                    data.Add(scope, relation, operation, false);
                }
            }
        }

        return data;
    }

    [Fact]
    public void Matrix_CoversEveryScopeAndRelation_HasOneCaseEach()
    {
        Assert.Equal(Enum.GetValues<Scope>().Length, Reaches.Count);
        Assert.Equal(
            Enum.GetValues<Scope>().Length * Enum.GetValues<Relation>().Length * Operations.All.Count * 2,
            Matrix().Count);
    }

    [Theory]
    [MemberData(nameof(Matrix))]
    public void Decide_EveryScopeRelationAndOperation_MatchesOracle(Scope scope, Relation relation, Operation operation, bool roleGrantsOperation)
    {
        var (caller, target) = Situation(scope, relation, operation, roleGrantsOperation);

        var decision = TestOrg.Policy.Decide(caller, operation, target);

        Assert.Equal(Expected(scope, relation, operation, roleGrantsOperation), decision);
    }

    [Theory]
    [MemberData(nameof(Matrix))]
    public void ReachFor_EveryScopeRelationAndOperation_AgreesWithDecide(Scope scope, Relation relation, Operation operation, bool roleGrantsOperation)
    {
        var (caller, target) = Situation(scope, relation, operation, roleGrantsOperation);

        var covered = TestOrg.Policy.ReachFor(caller, operation).Covers(target);
        var decision = TestOrg.Policy.Decide(caller, operation, target);

        // A list filtered by ReachFor and a single lookup through Decide must never disagree about who is reached.
        Assert.Equal(decision is AccessDecision.Allowed or AccessDecision.TargetDisabled, covered);
    }

    /// <summary>The rules of docs/scopes.md#when-an-operation-is-allowed, in the order the engine reports the first one that refuses.</summary>
    private static AccessDecision Expected(Scope scope, Relation relation, Operation operation, bool roleGrantsOperation)
    {
        if (relation == Relation.DisabledCaller)
        {
            return AccessDecision.CallerDisabled;
        }

        if (scope == Scope.None || !roleGrantsOperation)
        {
            return AccessDecision.OperationNotGranted;
        }

        if (operation.IsSelfService())
        {
            // "My" operations reach the caller alone, whatever the scope.
            return relation == Relation.Self ? AccessDecision.Allowed : AccessDecision.NotSelf;
        }

        if (!Reaches[scope].Contains(relation))
        {
            return AccessDecision.TargetOutOfScope;
        }

        if (relation == Relation.DisabledTarget && !operation.IsReadOnly())
        {
            return AccessDecision.TargetDisabled;
        }

        return AccessDecision.Allowed;
    }

    private static (Caller Caller, PersonRef Target) Situation(Scope scope, Relation relation, Operation operation, bool roleGrantsOperation)
    {
        var role = TestOrg.Role("operator", Operations.All.Where(o => roleGrantsOperation || o != operation));
        var grant = TestOrg.Grant(role, scope, TestOrg.Legal.Id);
        var caller = new Caller("olivia", "olivia", "Olivia", "olivia@acme.example", TestOrg.Finance.Id, relation != Relation.DisabledCaller, [grant]);
        var target = relation switch
        {
            Relation.Self => caller.AsTarget,
            Relation.SameGroup or Relation.DisabledCaller => TestOrg.Person("victor", TestOrg.Finance),
            Relation.SubGroup => TestOrg.Person("carol", TestOrg.Payroll),
            Relation.ParentGroup => TestOrg.Person("admin", TestOrg.Acme),
            Relation.OtherBranch => TestOrg.Person("dave", TestOrg.Engineering),
            Relation.AdministrativeGroup => TestOrg.Person("lena", TestOrg.Legal),
            Relation.AdministrativeSubGroup => TestOrg.Person("cody", TestOrg.Contracts),
            Relation.DisabledTarget => TestOrg.Person("erin", TestOrg.Finance, enabled: false),
            _ => throw new ArgumentOutOfRangeException(nameof(relation), relation, null),
        };
        return (caller, target);
    }
}
