using Keyward.People;

namespace Keyward.Scopes;

/// <summary>One role held by the caller, resolved to its operations.</summary>
public sealed record Grant(Role Role, Scope Scope, IReadOnlyList<string> AdministrativeGroupIds);

/// <summary>
/// The person on whose behalf a call runs (a signed-in operator, or the person an API client is bound to),
/// with their roles resolved. Built by <see cref="CallerResolver"/>, and cached for one access epoch: every column of
/// the person it holds bumps that epoch when it changes (docs/architecture.md, "Resolving the caller").
/// </summary>
public sealed record Caller(string PersonId, string LogonName, string Name, string Email, string GroupId, bool Enabled, IReadOnlyList<Grant> Grants)
{
    public PersonRef AsTarget => new(PersonId, GroupId, Enabled, Grants.Select(g => g.Role.Id).ToArray());

    /// <summary>Whether any role of the caller grants the operation, whatever its scope.</summary>
    public bool Holds(Operation operation) => Enabled && Grants.Any(g => g.Scope != Scope.None && g.Role.Grants(operation));

    public static Caller From(Person person, IReadOnlyDictionary<string, Role> roles) => new(
        person.Id,
        person.LogonName,
        person.Name,
        person.Email,
        person.GroupId,
        person.Enabled,
        person.Assignments
            .Where(a => roles.ContainsKey(a.RoleId))
            .Select(a => new Grant(roles[a.RoleId], a.Scope, a.AdministrativeGroupIds))
            .ToList());
}

/// <summary>What the authorization engine needs to know about the person an operation targets.</summary>
public sealed record PersonRef(string Id, string GroupId, bool Enabled, IReadOnlyCollection<string> RoleIds)
{
    public static PersonRef From(Person person) => Of(person.Id, person.GroupId, person.Enabled, person.Assignments.Select(a => (a.RoleId, a.Scope)));

    /// <summary>
    /// The same from columns read by themselves (a page of request views reads people flat, not as entities): a role
    /// counts when it is held with a scope.
    /// </summary>
    public static PersonRef Of(string id, string groupId, bool enabled, IEnumerable<(string RoleId, Scope Scope)> assignments) =>
        new(id, groupId, enabled, assignments.Where(a => a.Scope != Scope.None).Select(a => a.RoleId).ToArray());
}
