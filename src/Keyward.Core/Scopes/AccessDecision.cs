namespace Keyward.Scopes;

/// <summary>The answer of the authorization engine, with the first rule that refused. Never renumber.</summary>
public enum AccessDecision
{
    /// <summary>The operation is allowed.</summary>
    Allowed = 0,

    /// <summary>The caller is disabled: a disabled person can do nothing.</summary>
    CallerDisabled = 1,

    /// <summary>None of the caller's roles grants the operation (or all such assignments have scope None).</summary>
    OperationNotGranted = 2,

    /// <summary>
    /// The roles that grant the operation do not reach the target. A use case answers 404 when the caller cannot
    /// see the target either (<see cref="AccessPolicy.Sees"/>), and may answer 403 when they can.
    /// </summary>
    TargetOutOfScope = 3,

    /// <summary>The target is disabled and the operation would act on them: a disabled person receives nothing.</summary>
    TargetDisabled = 4,

    /// <summary>A "My" operation aimed at someone other than the caller.</summary>
    NotSelf = 5,

    /// <summary>The roles that grant the operation within scope are not in the profile's matching role list.</summary>
    RoleNotPermittedByProfile = 6,

    /// <summary>A grant of a scope wider than the granter holds for that role.</summary>
    ScopeWiderThanOwn = 7,

    /// <summary>A grant of a role that the granter does not hold.</summary>
    RoleNotHeld = 8,

    /// <summary>A grant naming an administrative group that the granter's own reach does not cover.</summary>
    AdministrativeGroupOutOfScope = 9,
}
