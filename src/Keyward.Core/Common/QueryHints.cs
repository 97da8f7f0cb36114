namespace Keyward.Common;

/// <summary>
/// Hints to the database's planner that a query states in LINQ and each store translates (Keyward.Storage). They never
/// change a query's answer, only how the database finds it.
/// </summary>
public static class QueryHints
{
    /// <summary>
    /// <paramref name="value"/> itself, tested row by row as the query walks another index rather than looked up
    /// through an index on it. On SQLite, whose planner cannot see how long a list given as one parameter is, this is
    /// how a wide reach's people are listed in logon-name order (docs/scopes.md#finding-people); PostgreSQL plans such
    /// a list itself and gets the column unchanged.
    /// </summary>
    /// <exception cref="NotSupportedException">Called outside a query: it has a meaning only in SQL.</exception>
    public static string Walked(string value)
    {
        _ = value;
        throw new NotSupportedException($"{nameof(QueryHints)}.{nameof(Walked)} is translated to SQL; it cannot run in memory.");
    }
}
