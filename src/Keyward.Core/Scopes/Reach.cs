namespace Keyward.Scopes;

/// <summary>
/// The set of people that a caller's roles reach for one operation: everyone, some groups, and/or the caller.
/// The same value filters lists in the database (<see cref="Groups"/>, <see cref="Everyone"/>, <see cref="Self"/>)
/// and answers single checks (<see cref="Covers(string, string)"/>), so a list and a lookup can never disagree.
/// </summary>
public sealed class Reach
{
    public static readonly Reach Nobody = new(false, new HashSet<string>(StringComparer.Ordinal), null);

    /// <param name="everyone">Whether everyone is reached.</param>
    /// <param name="groups">Ids of groups whose members are reached.</param>
    /// <param name="self">The caller's person id, when they are reached.</param>
    /// <param name="selfGroupId">The caller's group, so that a query can tell when <paramref name="groups"/> already reach them.</param>
    public Reach(bool everyone, IReadOnlySet<string> groups, string? self, string? selfGroupId = null)
    {
        Everyone = everyone;
        Groups = groups;
        Self = self;
        SelfInGroups = self is not null && selfGroupId is not null && groups.Contains(selfGroupId);
    }

    public bool Everyone { get; }

    /// <summary>Ids of groups whose members are reached.</summary>
    public IReadOnlySet<string> Groups { get; }

    /// <summary>The caller's own person id, when a Self scope (or wider) reaches them.</summary>
    public string? Self { get; }

    /// <summary>
    /// Whether <see cref="Groups"/> already reach the caller (<see cref="Self"/>), as a Department or Division scope
    /// always does: a query then filters on the groups alone, and the database can answer it from the group index
    /// without a second "or this person" branch (docs/scopes.md#finding-people).
    /// </summary>
    public bool SelfInGroups { get; }

    public bool IsEmpty => !Everyone && Groups.Count == 0 && Self is null;

    /// <summary>
    /// Whether the reach is a few groups (at most <see cref="NarrowGroups"/>, a Department): their people are few, so a
    /// list of what concerns them is best found from those people, through an index on the person. A wider reach (a
    /// Division) is best found by walking the list in its order and testing each row's person, which stops after a page
    /// (docs/scopes.md#finding-people).
    /// </summary>
    public bool IsNarrow => !Everyone && Groups.Count is > 0 and <= NarrowGroups;

    /// <summary>The most groups a <see cref="IsNarrow"/> reach has.</summary>
    public const int NarrowGroups = 8;

    public bool Covers(string personId, string groupId) =>
        Everyone || Groups.Contains(groupId) || string.Equals(Self, personId, StringComparison.Ordinal);

    public bool Covers(PersonRef person) => Covers(person.Id, person.GroupId);
}
