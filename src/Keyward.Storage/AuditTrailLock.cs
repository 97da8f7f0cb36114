using System.Data;
using System.Globalization;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;

namespace Keyward.Storage;

/// <summary>
/// The database-wide lock that serialises every writer of the audit trail, held from before the trail's tail
/// is read until the transaction that appends to it ends. With it, two units of work saving at once (two
/// requests to one server, or two server processes on one database) are chained one after the other; without
/// it they would both read the same tail and one would fail on the sequence number's unique key.
/// </summary>
/// <remarks>
/// <list type="bullet">
/// <item>PostgreSQL: a transaction-level advisory lock, <c>pg_advisory_xact_lock(<see cref="PostgresKey"/>)</c>,
/// released by the commit or the rollback. Other transactions (and readers) are not blocked.</item>
/// <item>SQLite: the transaction is begun with <c>BEGIN IMMEDIATE</c> (Microsoft.Data.Sqlite's non-deferred
/// transaction), which takes the database's write lock at once, before the tail is read. A writer that finds
/// the lock taken waits for it: Microsoft.Data.Sqlite retries a busy statement until the command timeout
/// (30 seconds by default, <c>Default Timeout</c> in the connection string).</item>
/// </list>
/// </remarks>
internal static class AuditTrailLock
{
    /// <summary>The advisory lock's key: "KWAUDIT1" in ASCII, a value no other application is likely to use.</summary>
    public const long PostgresKey = 0x4B57_4155_4449_5431;

    /// <summary>Begins a transaction that holds the trail's lock.</summary>
    public static async Task<IDbContextTransaction> BeginAsync(KeywardDbContext db, CancellationToken cancellationToken)
    {
        if (db.Database.IsSqlite())
        {
            // Serializable and not deferred: Microsoft.Data.Sqlite sends BEGIN IMMEDIATE.
            return await db.Database.BeginTransactionAsync(IsolationLevel.Serializable, cancellationToken).ConfigureAwait(false);
        }

        var transaction = await db.Database.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await TakeAsync(db, cancellationToken).ConfigureAwait(false);
            return transaction;
        }
        catch
        {
            await transaction.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>Takes the lock inside the current transaction (a no-op on SQLite, whose write lock is the transaction's).</summary>
    public static async Task TakeAsync(KeywardDbContext db, CancellationToken cancellationToken)
    {
        if (db.Database.IsNpgsql())
        {
            await db.Database.ExecuteSqlRawAsync(
                string.Create(CultureInfo.InvariantCulture, $"SELECT pg_advisory_xact_lock({PostgresKey})"),
                cancellationToken).ConfigureAwait(false);
        }
    }
}
