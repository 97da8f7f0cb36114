namespace Keyward.Scopes;

/// <summary>A named set of operations. Scope is not part of the role: it belongs to each assignment.</summary>
public sealed class Role
{
    private Role()
    {
        Id = Name = Description = string.Empty;
        Operations = [];
    }

    public Role(string id, string name, string description, IEnumerable<Operation> operations)
    {
        Id = id;
        Name = name;
        Description = description;
        Operations = operations.Distinct().Order().ToList();
    }

    public string Id { get; private set; }

    /// <summary>Unique display name, e.g. "Recovery Operator".</summary>
    public string Name { get; private set; }

    public string Description { get; private set; }

    public List<Operation> Operations { get; private set; }

    public bool Grants(Operation operation) => Operations.Contains(operation);
}
