using Keyward.Common;

namespace Keyward.Profiles;

public static class ProfileErrors
{
    public static readonly Error Invalid = new("profiles.invalid", ErrorKind.Validation, "Invalid credential profile", "The credential profile's settings are not valid.");

    public static readonly Error NotFound = new("profiles.not_found", ErrorKind.NotFound, "Credential profile not found", "No credential profile with that id is available to you.");
}
