using System.Net.Sockets;
using Microsoft.Data.Sqlite;
using Npgsql;

namespace Keyward.Storage;

/// <summary>What a failed database call says about the database, as far as its exception tells.</summary>
public enum StorageFault
{
    /// <summary>Nothing that passes by itself: a bug, a constraint, a corrupt file. Not a storage outage.</summary>
    None = 0,

    /// <summary>The database cannot be reached or is not accepting work now (restarting, shutting down, out of connections, busy).</summary>
    DatabaseUnavailable = 1,

    /// <summary>The database is reached but cannot write: the disk is full, an I/O error, read-only storage.</summary>
    StorageUnavailable = 2,
}

/// <summary>
/// Recognises the failures of the two providers that mean "the database is away for now" rather than "Keyward has a
/// bug", so that the server can answer 503 and let the caller retry. The exception may be wrapped (EF Core's
/// <c>DbUpdateException</c>, <c>InvalidOperationException</c>, <c>AggregateException</c>): its causes are searched.
/// </summary>
public static class StorageFaults
{
    // SQLite primary result codes (https://sqlite.org/rescode.html).
    private const int SqliteBusy = 5;
    private const int SqliteLocked = 6;
    private const int SqliteReadOnly = 8;
    private const int SqliteIoError = 10;
    private const int SqliteFull = 13;
    private const int SqliteCannotOpen = 14;

    /// <summary>The outage <paramref name="exception"/> or one of its causes reports, or <see cref="StorageFault.None"/>.</summary>
    public static StorageFault Classify(Exception? exception)
    {
        for (var depth = 0; exception is not null && depth < 16; depth++)
        {
            var fault = Direct(exception);
            if (fault != StorageFault.None)
            {
                return fault;
            }

            if (exception is AggregateException aggregate)
            {
                return aggregate.InnerExceptions.Select(Classify).FirstOrDefault(f => f != StorageFault.None);
            }

            exception = exception.InnerException;
        }

        return StorageFault.None;
    }

    private static StorageFault Direct(Exception exception) => exception switch
    {
        PostgresException postgres => ForSqlState(postgres.SqlState),
        NpgsqlException { IsTransient: true } => StorageFault.DatabaseUnavailable,
        SocketException => StorageFault.DatabaseUnavailable,
        SqliteException sqlite => sqlite.SqliteErrorCode switch
        {
            SqliteBusy or SqliteLocked => StorageFault.DatabaseUnavailable,
            SqliteFull or SqliteIoError or SqliteReadOnly or SqliteCannotOpen => StorageFault.StorageUnavailable,
            _ => StorageFault.None,
        },
        _ => StorageFault.None,
    };

    /// <summary>PostgreSQL's error classes (https://www.postgresql.org/docs/current/errcodes-appendix.html).</summary>
    private static StorageFault ForSqlState(string state) => state switch
    {
        // Class 08, connection exception; 57P01–57P03, the server is shutting down, crashed or not accepting
        // connections yet; 57P05, an idle session timed out; 25006, a read-only transaction (a standby after a failover).
        _ when state.StartsWith("08", StringComparison.Ordinal) => StorageFault.DatabaseUnavailable,
        "57P01" or "57P02" or "57P03" or "57P05" or "25006" => StorageFault.DatabaseUnavailable,

        // Class 53, insufficient resources: a full disk is storage; memory or connection limits are the database.
        PostgresErrorCodes.DiskFull => StorageFault.StorageUnavailable,
        _ when state.StartsWith("53", StringComparison.Ordinal) => StorageFault.DatabaseUnavailable,

        // Class 58, system error (an I/O error, a missing or duplicate file).
        _ when state.StartsWith("58", StringComparison.Ordinal) => StorageFault.StorageUnavailable,
        _ => StorageFault.None,
    };
}
