using System.Linq.Expressions;
using System.Reflection;
using Keyward.Common;

namespace Keyward.Scopes;

/// <summary>
/// The set of people that a caller's roles reach for one operation: everyone, some groups, and/or the caller.
/// The same value filters lists in the database (<see cref="Groups"/>, <see cref="Everyone"/>, <see cref="Self"/>)
/// and answers single checks (<see cref="Covers(string, string)"/>), so a list and a lookup can never disagree.
/// </summary>
public sealed class Reach
{
    public static readonly Reach Nobody = new(false, new HashSet<string>(StringComparer.Ordinal), null);

    /// <summary>Everyone: what a list asks of the reach once its own filter keeps it within the caller's.</summary>
    public static readonly Reach Everybody = new(true, new HashSet<string>(StringComparer.Ordinal), null);

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

    /// <summary>
    /// <see cref="Covers(string, string)"/> as a filter the database runs, on rows of <typeparamref name="T"/> that name a
    /// person: <paramref name="groupOf"/> gives the row's person's group and <paramref name="idOf"/> their id (a person
    /// row's own columns, or the target's as a request keeps them). A few groups (<see cref="IsNarrow"/>) and the
    /// caller's id are parameters, so one plan serves every such reach. A wide reach's groups are written into the
    /// statement itself, one statement per reach (the reach is kept with its caller, so its statements are too): a
    /// database that keeps a statement's plan (PostgreSQL's prepared statements) would otherwise plan a list of
    /// hundreds of groups as a parameter of unknown length — as about ten groups, read through the group index and
    /// sorted — and test each row against the list one element at a time (docs/scopes.md#finding-people).
    /// </summary>
    /// <param name="groupOf">The group of the person the row names.</param>
    /// <param name="idOf">The id of the person the row names.</param>
    /// <param name="walked">
    /// Test each row's group as the query walks another index (<see cref="QueryHints.Walked"/>): a wide reach's list in
    /// its own order, which stops once a page is full (docs/scopes.md#finding-people).
    /// </param>
    public Expression<Func<T, bool>> Filter<T>(Expression<Func<T, string>> groupOf, Expression<Func<T, string>> idOf, bool walked = false)
    {
        ArgumentNullException.ThrowIfNull(groupOf);
        ArgumentNullException.ThrowIfNull(idOf);
        if (Everyone)
        {
            return _ => true;
        }

        var row = Expression.Parameter(typeof(T), "row");
        var group = Expression.Invoke(groupOf, row);
        var id = Expression.Invoke(idOf, row);
        var self = Self;
        Expression<Func<string, bool>> isSelf = candidate => candidate == self;

        // Each shape on its own, so that the database can use the key or the group index: "in these groups, or this
        // person" with an empty list of groups still reads every row; and where the groups reach the caller already
        // (every Department or Division scope), "or this person" would only stop it answering from an index alone.
        Expression test;
        if (Groups.Count == 0)
        {
            test = self is null ? Expression.Constant(false) : Expression.Invoke(isSelf, id);
        }
        else
        {
            Expression tested = walked ? Expression.Call(WalkedHint, group) : group;
            Expression inGroups = Expression.Invoke(InGroups(), tested);
            test = self is null || SelfInGroups ? inGroups : Expression.OrElse(inGroups, Expression.Invoke(isSelf, id));
        }

        return Expression.Lambda<Func<T, bool>>(test, row);
    }

    private static readonly MethodInfo WalkedHint = typeof(QueryHints).GetMethod(nameof(QueryHints.Walked))!;

    private static readonly MethodInfo ContainsString = new Func<IEnumerable<string>, string, bool>(Enumerable.Contains).Method;

    /// <summary>A wide reach's groups as the constant its statements carry; one array for the reach's lifetime.</summary>
    private string[]? _written;

    /// <summary>"The group is one of <see cref="Groups"/>": a parameter for a few groups, written out for many.</summary>
    private Expression<Func<string, bool>> InGroups()
    {
        if (IsNarrow)
        {
            var groups = Groups.ToList();
            return group => groups.Contains(group);
        }

        var written = _written ??= [.. Groups.Order(StringComparer.Ordinal)];
        var candidate = Expression.Parameter(typeof(string), "group");
        return Expression.Lambda<Func<string, bool>>(Expression.Call(ContainsString, Expression.Constant(written, typeof(IEnumerable<string>)), candidate), candidate);
    }
}
