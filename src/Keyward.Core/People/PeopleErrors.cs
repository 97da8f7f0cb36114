using Keyward.Common;

namespace Keyward.People;

public static class PeopleErrors
{
    public static readonly Error NotFound = new("people.not_found", ErrorKind.NotFound, "Person not found", "No person with that id is visible to you.");

    public static readonly Error ImportInvalid = new("people.import_invalid", ErrorKind.Validation, "Import rejected", "The file has an invalid row; nothing was imported.");

    public static readonly Error ImportForbidden = new("people.import_forbidden", ErrorKind.Forbidden, "Import not allowed", "You may not manage people in a group the file names.");

    public static readonly Error Forbidden = new("people.forbidden", ErrorKind.Forbidden, "Not allowed", "None of your roles allows this operation.");

    public static readonly Error GroupInvalid = new("people.group_invalid", ErrorKind.Validation, "Invalid group", "A group is a path of names such as Acme/Finance/Payroll.");

    public static readonly Error GroupExists = new("people.group_exists", ErrorKind.Conflict, "Group exists", "A group with that path exists already.");
}
