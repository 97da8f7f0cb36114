using Keyward.Common;

namespace Keyward.Settings;

public static class SetupErrors
{
    public static readonly Error AlreadyInitialised = new("setup.already_initialised", ErrorKind.Conflict, "Already initialised", "This database has been initialised already (or holds people or the demo); nothing was changed. Administrators manage it through the API and the keyward command.");

    public static readonly Error Invalid = new("setup.invalid", ErrorKind.Validation, "Invalid first administrator", "The first administrator's logon name, name, e-mail address, group or client id is not valid.");
}
