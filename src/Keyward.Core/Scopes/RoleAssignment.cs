namespace Keyward.Scopes;

/// <summary>A role held by a person, with the scope in which it applies.</summary>
public sealed class RoleAssignment
{
    private RoleAssignment()
    {
        Id = PersonId = RoleId = string.Empty;
        AdministrativeGroupIds = [];
    }

    internal RoleAssignment(string id, string personId, string roleId, Scope scope, IEnumerable<string> administrativeGroupIds)
    {
        Id = id;
        PersonId = personId;
        RoleId = roleId;
        Scope = scope;
        AdministrativeGroupIds = administrativeGroupIds.Distinct(StringComparer.Ordinal).ToList();
    }

    public string Id { get; private set; }

    public string PersonId { get; private set; }

    public string RoleId { get; private set; }

    public Scope Scope { get; private set; }

    /// <summary>
    /// Extra groups that a Department or Division scope also reaches (for Division, with their sub-groups).
    /// Ignored for the other scopes.
    /// </summary>
    public List<string> AdministrativeGroupIds { get; private set; }
}
