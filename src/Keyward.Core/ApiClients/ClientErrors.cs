using Keyward.Common;

namespace Keyward.ApiClients;

public static class ClientErrors
{
    public static readonly Error Forbidden = new("clients.forbidden", ErrorKind.Forbidden, "Not allowed", "Registering API clients and rotating their secrets needs the ManageClients operation with the person in scope.");

    public static readonly Error PowersNotHeld = new("clients.powers_not_held", ErrorKind.Forbidden, "More powers than yours", "A client acts with its person's roles; you may register one only for someone who can do nothing you cannot.");

    public static readonly Error Invalid = new("clients.invalid", ErrorKind.Validation, "Invalid client", "A client id is 3 to 100 letters, digits, '.', '_' or '-'; a display name at most 200 characters.");

    public static readonly Error IdTaken = new("clients.id_taken", ErrorKind.Conflict, "Client id taken", "Another API client has that client id.");

    public static readonly Error NotFound = new("clients.not_found", ErrorKind.NotFound, "Client not found", "No API client with that id is visible to you.");
}
