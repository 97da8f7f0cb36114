using Keyward.People;
using Keyward.Scopes;

namespace Keyward.Tests.Support;

/// <summary>
/// The organisation most tests run against: the demo tree (docs/demo.md) plus <c>Acme/Legal/Contracts</c>, which
/// assignments name as an administrative group.
/// </summary>
/// <remarks>
/// <code>
/// Acme ─┬─ Finance ── Payroll
///       ├─ Engineering
///       └─ Legal ── Contracts
/// </code>
/// </remarks>
internal static class TestOrg
{
    public static readonly Group Acme = new("g-acme", "Acme", null);
    public static readonly Group Finance = new("g-finance", "Finance", Acme);
    public static readonly Group Payroll = new("g-payroll", "Payroll", Finance);
    public static readonly Group Engineering = new("g-engineering", "Engineering", Acme);
    public static readonly Group Legal = new("g-legal", "Legal", Acme);
    public static readonly Group Contracts = new("g-contracts", "Contracts", Legal);

    public static IReadOnlyList<Group> Groups { get; } = [Acme, Finance, Payroll, Engineering, Legal, Contracts];

    public static AccessPolicy Policy { get; } = new(new GroupTree(Groups));

    public static Role Role(string id, params IEnumerable<Operation> operations) => new(id, id, string.Empty, operations);

    public static Grant Grant(Role role, Scope scope, params IReadOnlyList<string> administrativeGroupIds) => new(role, scope, administrativeGroupIds);

    public static Caller Caller(string id, Group group, params IReadOnlyList<Grant> grants) => new(id, id, id, $"{id}@acme.example", group.Id, true, grants);

    public static PersonRef Person(string id, Group group, bool enabled = true, params IReadOnlyCollection<string> roleIds) => new(id, group.Id, enabled, roleIds);
}
