using Keyward.Scopes;

namespace Keyward.People;

/// <summary>
/// Someone who holds credentials and, through role assignments, may operate on other people's.
/// A disabled person can do nothing and receive nothing.
/// </summary>
public sealed class Person
{
    private readonly List<RoleAssignment> _assignments = [];

    private Person()
    {
        Id = LogonName = Name = Email = GroupId = SearchName = string.Empty;
    }

    public Person(string id, string logonName, string name, string email, string groupId, bool enabled)
    {
        Id = id;
        LogonName = logonName;
        Name = name;
        SearchName = SearchKey(name);
        Email = email;
        GroupId = groupId;
        Enabled = enabled;
    }

    public string Id { get; private set; }

    /// <summary>Unique, case-insensitive sign-in name (stored lower-case).</summary>
    public string LogonName { get; private set; }

    public string Name { get; private set; }

    /// <summary>
    /// <see cref="Name"/> as searches compare it (<see cref="SearchKey"/>): kept in step with the name, stored and
    /// indexed so that "name starts with" is a range over an index on every database.
    /// </summary>
    public string SearchName { get; private set; }

    public string Email { get; private set; }

    public string GroupId { get; private set; }

    public bool Enabled { get; private set; }

    /// <summary>
    /// The stable id of the person's entry in the organisation's directory (entryUUID, objectGUID) when directory sync
    /// manages them, else null. The sync matches people by it, so a renamed or moved entry stays the same person.
    /// </summary>
    public string? DirectoryId { get; private set; }

    /// <summary>The hash of the person's web sign-in password (never the password), or null if they have none.</summary>
    public string? PasswordHash { get; private set; }

    public IReadOnlyList<RoleAssignment> Assignments => _assignments;

    /// <summary>
    /// Text as people searches compare it: trimmed, runs of white space made one space, lower-cased with the invariant
    /// culture (the same on every database and every server's locale).
    /// </summary>
    public static string SearchKey(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        return string.Join(' ', text.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)).ToLowerInvariant();
    }

    public void Update(string name, string email, string groupId, bool enabled)
    {
        Name = name;
        SearchName = SearchKey(name);
        Email = email;
        GroupId = groupId;
        Enabled = enabled;
    }

    /// <summary>A person whom directory sync creates: enabled, and managed by the directory from now on.</summary>
    public static Person FromDirectory(string id, string directoryId, string logonName, string name, string email, string groupId)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(directoryId);
        return new Person(id, logonName, name, email, groupId, enabled: true) { DirectoryId = directoryId };
    }

    /// <summary>Changes the sign-in name (lower-case, unique); directory sync follows a renamed entry with it.</summary>
    public void Rename(string logonName)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(logonName);
        LogonName = logonName;
    }

    public void SetPasswordHash(string? hash) => PasswordHash = hash;

    public RoleAssignment Assign(Role role, Scope scope, IEnumerable<string>? administrativeGroupIds = null)
    {
        var assignment = new RoleAssignment(Common.Ids.New(), Id, role.Id, scope, administrativeGroupIds ?? []);
        _assignments.Add(assignment);
        return assignment;
    }
}
