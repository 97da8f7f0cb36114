namespace Keyward.Scopes;

/// <summary>
/// Which people a role assignment reaches, narrowest to widest. The order is meaningful: nobody may
/// grant a scope above their own. Numbers are stored in the database: never renumber.
/// </summary>
public enum Scope
{
    /// <summary>Not assigned: reaches nobody.</summary>
    None = 0,

    /// <summary>Only the holder's own records.</summary>
    Self = 1,

    /// <summary>People in the holder's own group (plus the assignment's administrative groups).</summary>
    Department = 2,

    /// <summary>The holder's group and every group beneath it (plus the administrative groups and theirs).</summary>
    Division = 3,

    /// <summary>Everyone.</summary>
    All = 4,
}
