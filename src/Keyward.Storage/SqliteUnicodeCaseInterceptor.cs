using System.Data.Common;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore.Diagnostics;

namespace Keyward.Storage;

/// <summary>
/// Replaces SQLite's <c>upper()</c> and <c>lower()</c>, which fold ASCII letters only, with .NET's invariant
/// case mapping on every connection, so that case-insensitive searches (which compare upper-cased text)
/// match "Zoë" for "ZOË" on SQLite as they do on PostgreSQL.
/// </summary>
internal sealed class SqliteUnicodeCaseInterceptor : DbConnectionInterceptor
{
    public static readonly SqliteUnicodeCaseInterceptor Instance = new();

    public override void ConnectionOpened(DbConnection connection, ConnectionEndEventData eventData) => Register(connection);

    public override Task ConnectionOpenedAsync(DbConnection connection, ConnectionEndEventData eventData, CancellationToken cancellationToken = default)
    {
        Register(connection);
        return Task.CompletedTask;
    }

    private static void Register(DbConnection connection)
    {
        if (connection is SqliteConnection sqlite)
        {
            sqlite.CreateFunction<string?, string?>("upper", s => s?.ToUpperInvariant(), isDeterministic: true);
            sqlite.CreateFunction<string?, string?>("lower", s => s?.ToLowerInvariant(), isDeterministic: true);
        }
    }
}
