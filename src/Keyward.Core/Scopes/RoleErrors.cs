using Keyward.Common;

namespace Keyward.Scopes;

public static class RoleErrors
{
    public static readonly Error Forbidden = new("roles.forbidden", ErrorKind.Forbidden, "Not allowed", "Creating roles and assigning them needs the ManageRoles operation.");

    public static readonly Error Invalid = new("roles.invalid", ErrorKind.Validation, "Invalid role", "The role's settings are not valid.");

    public static readonly Error NameTaken = new("roles.name_taken", ErrorKind.Conflict, "Name taken", "Another role has that name.");

    public static readonly Error NotFound = new("roles.not_found", ErrorKind.NotFound, "Role not found", "No role with that id or name exists.");

    public static readonly Error OperationNotHeld = new("roles.operation_not_held", ErrorKind.Forbidden, "Operation not held", "A role may grant only operations its creator holds.");

    public static readonly Error GrantRefused = new("roles.grant_refused", ErrorKind.Forbidden, "Grant not allowed", "You may not grant this role with this scope to this person.");

    public static readonly Error AlreadyAssigned = new("roles.already_assigned", ErrorKind.Conflict, "Already assigned", "The person already holds this role; one assignment per role.");
}
