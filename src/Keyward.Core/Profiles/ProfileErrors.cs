using Keyward.Common;

namespace Keyward.Profiles;

public static class ProfileErrors
{
    public static readonly Error Invalid = new("profiles.invalid", ErrorKind.Validation, "Invalid credential profile", "The credential profile's settings are not valid.");

    public static readonly Error NotFound = new("profiles.not_found", ErrorKind.NotFound, "Credential profile not found", "No credential profile with that id is available to you.");

    public static readonly Error Forbidden = new("profiles.forbidden", ErrorKind.Forbidden, "Not allowed", "Creating and changing credential profiles and certificate policies needs the ManageProfiles operation.");

    public static readonly Error NameTaken = new("profiles.name_taken", ErrorKind.Conflict, "Name taken", "Another credential profile has that name.");

    public static readonly Error UnknownRole = new("profiles.unknown_role", ErrorKind.Validation, "Unknown role", "A role list names a role that does not exist.");
}
