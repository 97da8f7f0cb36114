using System.Data;
using System.Globalization;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Microsoft.EntityFrameworkCore.Infrastructure;
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

    /// <summary>
    /// Begins the transaction an audited save runs in. On SQLite it holds the trail's lock from its first statement; on
    /// PostgreSQL the lock is taken by <see cref="LockAndReadTailAsync"/>, which must come next.
    /// </summary>
    public static async Task<IDbContextTransaction> BeginAsync(KeywardDbContext db, CancellationToken cancellationToken) =>
        db.Database.IsSqlite()
            // Serializable and not deferred: Microsoft.Data.Sqlite sends BEGIN IMMEDIATE.
            ? await db.Database.BeginTransactionAsync(IsolationLevel.Serializable, cancellationToken).ConfigureAwait(false)
            : await db.Database.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);

    /// <summary>
    /// Inside the current transaction: takes the trail's lock (PostgreSQL; SQLite's write lock is the transaction's
    /// own) and then reads the trail's tail — the sequence number and hash the next entry links to, or null for an empty
    /// trail. On PostgreSQL both statements go in one command, one round trip: each statement of it reads the
    /// database as of its own start (read committed), so the tail is read after the lock is granted and sees every
    /// entry committed before it.
    /// </summary>
    public static async Task<(long Sequence, string Hash)?> LockAndReadTailAsync(KeywardDbContext db, CancellationToken cancellationToken)
    {
        if (db.Database.CurrentTransaction is null)
        {
            throw new InvalidOperationException("The trail's tail is read inside the transaction that appends to it.");
        }

        const string tail = "SELECT \"Sequence\", \"Hash\" FROM \"AuditEvents\" ORDER BY \"Sequence\" DESC LIMIT 1";
        var postgres = db.Database.IsNpgsql();
        var command = db.GetService<IRawSqlCommandBuilder>().Build(postgres
            ? string.Create(CultureInfo.InvariantCulture, $"SELECT pg_advisory_xact_lock({PostgresKey}); {tail}")
            : tail);
        await using var reader = await command.ExecuteReaderAsync(
            new RelationalCommandParameterObject(db.GetService<IRelationalConnection>(), null, null, db, db.GetService<IRelationalCommandDiagnosticsLogger>()),
            cancellationToken).ConfigureAwait(false);
        var rows = reader.DbDataReader;
        if (postgres)
        {
            await rows.NextResultAsync(cancellationToken).ConfigureAwait(false);
        }

        return await rows.ReadAsync(cancellationToken).ConfigureAwait(false) ? (rows.GetInt64(0), rows.GetString(1)) : null;
    }
}
