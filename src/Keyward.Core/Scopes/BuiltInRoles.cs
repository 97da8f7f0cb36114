namespace Keyward.Scopes;

/// <summary>The roles Keyward itself creates: the first start's administrator, and the demo's.</summary>
public static class BuiltInRoles
{
    /// <summary>The name of the role that grants every operation.</summary>
    public const string AdministratorName = "Administrator";

    /// <summary>A new Administrator role: every operation Keyward knows, now and after an upgrade that adds one.</summary>
    public static Role Administrator(string id) => new(id, AdministratorName, "Every operation.", Operations.All);
}
