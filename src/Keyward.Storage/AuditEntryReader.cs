using System.Data.Common;
using System.Runtime.CompilerServices;
using Keyward.Audit;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Metadata;
using Microsoft.EntityFrameworkCore.Storage;

namespace Keyward.Storage;

/// <summary>
/// Reads audit entries for the chain walk (<see cref="AuditLog.VerifyAsync(Keyward.Scopes.AccessContext, CancellationToken)"/>)
/// with a data reader on the unit of work's own connection, in its transaction if one is open. A whole verification
/// reads every entry of the trail, millions of rows; EF Core's query pipeline costs more per row than the reader
/// itself, so this one query skips it. The table and column names come from the EF model, so the SQL follows the
/// mapping; values are read as EF Core reads them (instants as UTC, enums as their numbers).
/// </summary>
internal static class AuditEntryReader
{
    private static readonly ConditionalWeakTable<IModel, string> Queries = [];

    /// <summary>Reads one batch; cancellation is passed to the query and to each read.</summary>
    public static async Task<IReadOnlyList<AuditEntryView>> ReadAsync(KeywardDbContext db, long after, long through, int limit, CancellationToken cancellationToken)
    {
        var entries = new List<AuditEntryView>(Math.Min(limit, 8192));
        var connection = db.Database.GetDbConnection();
        await db.Database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await using var command = connection.CreateCommand();
            command.CommandText = Queries.GetValue(db.Model, _ => Query(db));
            command.Transaction = db.Database.CurrentTransaction?.GetDbTransaction();
            if (db.Database.GetCommandTimeout() is { } timeout)
            {
                command.CommandTimeout = timeout;
            }

            Parameter(command, "@after", after);
            Parameter(command, "@through", through);
            Parameter(command, "@limit", limit);
            await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                entries.Add(new AuditEntryView(
                    reader.GetInt64(0),
                    DateTime.SpecifyKind(reader.GetDateTime(1), DateTimeKind.Utc),
                    TextOrNull(reader, 2),
                    reader.GetString(3),
                    reader.GetString(4),
                    (AuditOutcome)reader.GetInt32(5),
                    TextOrNull(reader, 6),
                    TextOrNull(reader, 7),
                    TextOrNull(reader, 8),
                    reader.GetString(9),
                    (Recovery.Channel)reader.GetInt32(10),
                    reader.GetString(11),
                    reader.GetString(12)));
            }
        }
        finally
        {
            await db.Database.CloseConnectionAsync().ConfigureAwait(false);
        }

        return entries;
    }

    /// <summary>The columns in the order <see cref="ReadAsync"/> reads them: the order of <see cref="AuditEntryView"/>.</summary>
    private static string Query(KeywardDbContext db)
    {
        var names = QuotedNames.Of<AuditEvent>(db);
        string[] columns =
        [
            nameof(AuditEvent.Sequence), nameof(AuditEvent.At), nameof(AuditEvent.ActorId), nameof(AuditEvent.ActorName), nameof(AuditEvent.Action),
            nameof(AuditEvent.Outcome), nameof(AuditEvent.Code), nameof(AuditEvent.SubjectId), nameof(AuditEvent.TargetId), nameof(AuditEvent.Details),
            nameof(AuditEvent.Channel), nameof(AuditEvent.Hash), nameof(AuditEvent.PreviousHash),
        ];
        var sequence = names.Column(nameof(AuditEvent.Sequence));
        return $"SELECT {string.Join(", ", columns.Select(names.Column))} FROM {names.Table} "
            + $"WHERE {sequence} > @after AND {sequence} <= @through ORDER BY {sequence} LIMIT @limit";
    }

    private static string? TextOrNull(DbDataReader reader, int ordinal) => reader.IsDBNull(ordinal) ? null : reader.GetString(ordinal);

    private static void Parameter(DbCommand command, string name, object value)
    {
        var parameter = command.CreateParameter();
        parameter.ParameterName = name;
        parameter.Value = value;
        command.Parameters.Add(parameter);
    }
}
