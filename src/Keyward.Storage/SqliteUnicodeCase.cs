using Microsoft.Data.Sqlite;

namespace Keyward.Storage;

/// <summary>
/// Replaces SQLite's <c>upper()</c> and <c>lower()</c>, which fold ASCII letters only, with .NET's invariant case
/// mapping on one connection: the one that applies the migrations. A migration that folds case in SQL — the
/// <c>ScaleIndexes</c> migration fills <c>People.SearchName</c> with <c>lower(trim("Name"))</c> — then makes "zoë" of
/// "ZOË" on SQLite as it does on PostgreSQL.
/// </summary>
/// <remarks>
/// The server's own queries never fold case in SQL: names and logon names are compared in their stored search forms,
/// lowered by .NET when written (<c>Person.SearchKey</c>, docs/scopes.md#finding-people). So the functions are not
/// registered on every connection: Microsoft.Data.Sqlite registers a connection's functions each time it is opened
/// from the pool and removes them when it goes back, work for nothing on every unit of work (docs/performance.md,
/// "Where a step's CPU goes, measured with a CPU profiler").
/// </remarks>
internal static class SqliteUnicodeCase
{
    public static void Register(SqliteConnection connection)
    {
        ArgumentNullException.ThrowIfNull(connection);
        connection.CreateFunction<string?, string?>("upper", s => s?.ToUpperInvariant(), isDeterministic: true);
        connection.CreateFunction<string?, string?>("lower", s => s?.ToLowerInvariant(), isDeterministic: true);
    }
}
