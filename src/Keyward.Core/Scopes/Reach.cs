using System.Collections.Concurrent;
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
        _captured = new Captured(self, IsNarrow ? groups : []);
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

    /// <summary>
    /// A text that two reaches share exactly when they reach the same people the same way (everyone, the same groups, the
    /// same caller): built once per reach, which is kept with its caller, so a use case that groups reaches by it on
    /// every call does not sort and join a Division's hundreds of groups each time.
    /// </summary>
    public string Identity => _identity ??= $"{Everyone}|{Self}|{string.Join(',', Groups.Order(StringComparer.Ordinal))}";

    private string? _identity;

    public bool Covers(string personId, string groupId) =>
        Everyone || Groups.Contains(groupId) || string.Equals(Self, personId, StringComparison.Ordinal);

    public bool Covers(PersonRef person) => Covers(person.Id, person.GroupId);

    /// <summary>
    /// <see cref="Covers(string, string)"/> as a filter the database runs, on rows of <typeparamref name="T"/> that name a
    /// person in the <paramref name="columns"/> given (a person row's own columns, or the target's as a request keeps
    /// them). A few groups (<see cref="IsNarrow"/>) and the caller's id are parameters, so one plan serves every such
    /// reach. A wide reach's groups are written into the statement itself, one statement per reach (the reach is kept
    /// with its caller, so its statements are too): a database that keeps a statement's plan (PostgreSQL's prepared
    /// statements) would otherwise plan a list of hundreds of groups as a parameter of unknown length — as about ten
    /// groups, read through the group index and sorted — and test each row against the list one element at a time
    /// (docs/scopes.md#finding-people).
    /// </summary>
    /// <remarks>
    /// A filter is built once per reach, columns and <paramref name="walked"/>, and kept with the reach: the lists that
    /// ask for it run on every call, and building the tree again each time was a fifth of a page of people's work.
    /// </remarks>
    /// <param name="columns">Where the row names its person.</param>
    /// <param name="walked">
    /// Test each row's group as the query walks another index (<see cref="QueryHints.Walked"/>): a wide reach's list in
    /// its own order, which stops once a page is full (docs/scopes.md#finding-people).
    /// </param>
    public Expression<Func<T, bool>> Filter<T>(PersonColumns<T> columns, bool walked = false)
    {
        ArgumentNullException.ThrowIfNull(columns);
        return (Expression<Func<T, bool>>)_filters.GetOrAdd((columns, walked), static (key, reach) => reach.Build((PersonColumns<T>)key.Columns, key.Walked), this);
    }

    private readonly ConcurrentDictionary<(object Columns, bool Walked), LambdaExpression> _filters = new();

    private Expression<Func<T, bool>> Build<T>(PersonColumns<T> columns, bool walked)
    {
        var row = Expression.Parameter(typeof(T), "row");
        if (Everyone)
        {
            return Expression.Lambda<Func<T, bool>>(Expression.Constant(true), row);
        }

        var group = columns.GroupOf(row);
        var id = columns.IdOf(row);

        // The caller's id and a narrow reach's groups are read from a field of this holder, not written as constants:
        // the database gets them as parameters.
        var captured = Expression.Constant(_captured);
        Expression isSelf = Expression.Equal(id, Expression.Field(captured, nameof(Captured.Self)));

        // Each shape on its own, so that the database can use the key or the group index: "in these groups, or this
        // person" with an empty list of groups still reads every row; and where the groups reach the caller already
        // (every Department or Division scope), "or this person" would only stop it answering from an index alone.
        Expression test;
        if (Groups.Count == 0)
        {
            test = Self is null ? Expression.Constant(false) : isSelf;
        }
        else
        {
            Expression tested = walked ? Expression.Call(WalkedHint, group) : group;
            Expression groups = IsNarrow
                ? Expression.Field(captured, nameof(Captured.Groups))
                : Expression.Constant(Groups.Order(StringComparer.Ordinal).ToArray(), typeof(IEnumerable<string>));
            Expression inGroups = Expression.Call(ContainsString, groups, tested);
            test = Self is null || SelfInGroups ? inGroups : Expression.OrElse(inGroups, isSelf);
        }

        return Expression.Lambda<Func<T, bool>>(test, row);
    }

    private static readonly MethodInfo WalkedHint = typeof(QueryHints).GetMethod(nameof(QueryHints.Walked))!;

    private static readonly MethodInfo ContainsString = new Func<IEnumerable<string>, string, bool>(Enumerable.Contains).Method;

    private readonly Captured _captured;

    /// <summary>What a filter reads when it runs: <see cref="Self"/>, and a narrow reach's <see cref="Groups"/> as a list.</summary>
    private sealed class Captured(string? self, IEnumerable<string> groups)
    {
        public readonly string? Self = self;

        public readonly List<string> Groups = [.. groups];
    }
}

/// <summary>
/// Where rows of <typeparamref name="T"/> name a person, for <see cref="Reach.Filter{T}"/>: the person's group and
/// their id. One instance per kind of row, kept in a static field: a reach keeps each filter it builds by these columns.
/// </summary>
public sealed class PersonColumns<T>
{
    private readonly Expression<Func<T, string>> _groupOf;
    private readonly Expression<Func<T, string>> _idOf;

    /// <param name="groupOf">The group of the person the row names.</param>
    /// <param name="idOf">The id of the person the row names.</param>
    public PersonColumns(Expression<Func<T, string>> groupOf, Expression<Func<T, string>> idOf)
    {
        ArgumentNullException.ThrowIfNull(groupOf);
        ArgumentNullException.ThrowIfNull(idOf);
        _groupOf = groupOf;
        _idOf = idOf;
    }

    /// <summary>The person's group, read from <paramref name="row"/>.</summary>
    internal Expression GroupOf(ParameterExpression row) => On(_groupOf, row);

    /// <summary>The person's id, read from <paramref name="row"/>.</summary>
    internal Expression IdOf(ParameterExpression row) => On(_idOf, row);

    /// <summary><paramref name="selector"/>'s body with its parameter replaced by <paramref name="row"/>: no invocation left for the database's translator to take apart.</summary>
    private static Expression On(Expression<Func<T, string>> selector, ParameterExpression row) =>
        new Rebind(selector.Parameters[0], row).Visit(selector.Body);

    private sealed class Rebind(ParameterExpression from, ParameterExpression to) : ExpressionVisitor
    {
        protected override Expression VisitParameter(ParameterExpression node) => node == from ? to : node;
    }
}
