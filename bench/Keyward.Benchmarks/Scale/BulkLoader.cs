using System.Data.Common;
using System.Diagnostics;
using System.Globalization;
using Microsoft.Data.Sqlite;
using Npgsql;
using NpgsqlTypes;

namespace Keyward.Benchmarks.Scale;

/// <summary>Writes the generated tables into a database that Keyward migrated and seeded with the demo organisation.</summary>
internal abstract class BulkLoader
{
    /// <summary>Opens a connection to the data set's database.</summary>
    public abstract Task<DbConnection> OpenAsync(CancellationToken cancellationToken);

    /// <summary>Loads every table, then refreshes the planner's statistics; reports each table's time on <paramref name="log"/>.</summary>
    public abstract Task LoadAsync(IEnumerable<BulkTable> tables, TextWriter log, CancellationToken cancellationToken);

    /// <summary>How a value of <paramref name="kind"/> is written in SQL text (the few single-row statements the set-up runs).</summary>
    public abstract object Parameter(ColumnKind kind, object? value);

    /// <summary>A text array column's value (RoleAssignment.AdministrativeGroupIds) as the provider stores it.</summary>
    public abstract object EmptyTextArray { get; }

    protected static void Report(TextWriter log, BulkTable table, long rows, Stopwatch watch) =>
        log.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  {table.Name,-20} {rows,12:N0} rows  {watch.Elapsed.TotalSeconds,7:F1} s  ({rows / Math.Max(0.001, watch.Elapsed.TotalSeconds),10:N0} rows/s)"));
}

/// <summary>
/// PostgreSQL: one binary <c>COPY … FROM STDIN</c> per table through Npgsql, with the audit trail on a second connection
/// beside the other tables (it is the largest and its hashing is client-side CPU). Foreign-key triggers are off during
/// the load (<c>session_replication_role = replica</c>: the generator's rows are consistent by construction), and
/// <c>VACUUM ANALYZE</c> afterwards sets the planner's statistics and the visibility map.
/// </summary>
internal sealed class PostgresBulkLoader(string connectionString) : BulkLoader
{
    public override object EmptyTextArray => Array.Empty<string>();

    public override async Task<DbConnection> OpenAsync(CancellationToken cancellationToken)
    {
        var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
        return connection;
    }

    public override object Parameter(ColumnKind kind, object? value) => value ?? DBNull.Value;

    public override async Task LoadAsync(IEnumerable<BulkTable> tables, TextWriter log, CancellationToken cancellationToken)
    {
        var all = tables.ToList();
        var audit = all.Where(t => t.Name == "AuditEvents").ToList();
        var rest = all.Where(t => t.Name != "AuditEvents").ToList();
        await Task.WhenAll(
            Task.Run(() => LaneAsync(rest, log, cancellationToken), cancellationToken),
            Task.Run(() => LaneAsync(audit, log, cancellationToken), cancellationToken)).ConfigureAwait(false);

        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
        var watch = Stopwatch.StartNew();
        await using (var vacuum = new NpgsqlCommand("VACUUM ANALYZE", connection) { CommandTimeout = 0 })
        {
            await vacuum.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        log.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  VACUUM ANALYZE {watch.Elapsed.TotalSeconds,37:F1} s"));
    }

    private async Task LaneAsync(IReadOnlyList<BulkTable> tables, TextWriter log, CancellationToken cancellationToken)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using (var replica = new NpgsqlCommand("SET session_replication_role = replica", connection))
        {
            await replica.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        foreach (var table in tables)
        {
            var watch = Stopwatch.StartNew();
            var columns = string.Join(", ", table.Columns.Select(c => $"\"{c.Name}\""));
            long rows = 0;
            await using (var writer = await connection.BeginBinaryImportAsync($"COPY \"{table.Name}\" ({columns}) FROM STDIN (FORMAT BINARY)", cancellationToken).ConfigureAwait(false))
            {
                foreach (var row in table.Produce())
                {
                    await writer.StartRowAsync(cancellationToken).ConfigureAwait(false);
                    for (var i = 0; i < row.Length; i++)
                    {
                        if (row[i] is null)
                        {
                            await writer.WriteNullAsync(cancellationToken).ConfigureAwait(false);
                            continue;
                        }

                        switch (table.Columns[i].Kind)
                        {
                            case ColumnKind.Text: await writer.WriteAsync((string)row[i]!, NpgsqlDbType.Varchar, cancellationToken).ConfigureAwait(false); break;
                            case ColumnKind.Integer: await writer.WriteAsync((int)row[i]!, NpgsqlDbType.Integer, cancellationToken).ConfigureAwait(false); break;
                            case ColumnKind.BigInt: await writer.WriteAsync((long)row[i]!, NpgsqlDbType.Bigint, cancellationToken).ConfigureAwait(false); break;
                            case ColumnKind.Boolean: await writer.WriteAsync((bool)row[i]!, NpgsqlDbType.Boolean, cancellationToken).ConfigureAwait(false); break;
                            case ColumnKind.Instant: await writer.WriteAsync((DateTime)row[i]!, NpgsqlDbType.TimestampTz, cancellationToken).ConfigureAwait(false); break;
                            case ColumnKind.Uuid: await writer.WriteAsync((Guid)row[i]!, NpgsqlDbType.Uuid, cancellationToken).ConfigureAwait(false); break;
                            case ColumnKind.Bytes: await writer.WriteAsync((byte[])row[i]!, NpgsqlDbType.Bytea, cancellationToken).ConfigureAwait(false); break;
                            default: throw new InvalidOperationException($"Unknown column kind {table.Columns[i].Kind}.");
                        }
                    }

                    rows++;
                }

                await writer.CompleteAsync(cancellationToken).ConfigureAwait(false);
            }

            Report(log, table, rows, watch);
        }
    }
}

/// <summary>
/// SQLite: one prepared <c>INSERT</c> per table, executed per row, all tables in one transaction, foreign-key checks off
/// and <c>synchronous = OFF</c> for the load only; <c>ANALYZE</c> afterwards.
/// </summary>
internal sealed class SqliteBulkLoader(string databasePath) : BulkLoader
{
    public override object EmptyTextArray => "[]";

    public override async Task<DbConnection> OpenAsync(CancellationToken cancellationToken)
    {
        var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = databasePath, Pooling = false }.ConnectionString);
        await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
        return connection;
    }

    public override object Parameter(ColumnKind kind, object? value) => value is null ? DBNull.Value : kind switch
    {
        ColumnKind.Instant => ((DateTime)value).ToString("yyyy-MM-dd HH:mm:ss.FFFFFFF", CultureInfo.InvariantCulture),
        ColumnKind.Uuid => ((Guid)value).ToString().ToUpperInvariant(),
        ColumnKind.Boolean => (bool)value ? 1L : 0L,
        _ => value,
    };

    public override async Task LoadAsync(IEnumerable<BulkTable> tables, TextWriter log, CancellationToken cancellationToken)
    {
        await using var connection = (SqliteConnection)await OpenAsync(cancellationToken).ConfigureAwait(false);
        foreach (var pragma in new[] { "PRAGMA foreign_keys = OFF", "PRAGMA synchronous = OFF", "PRAGMA cache_size = -262144" })
        {
            await using var command = new SqliteCommand(pragma, connection);
            await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        await using (var transaction = (SqliteTransaction)await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false))
        {
            foreach (var table in tables)
            {
                var watch = Stopwatch.StartNew();
                await using var insert = new SqliteCommand(
                    $"INSERT INTO \"{table.Name}\" ({string.Join(", ", table.Columns.Select(c => $"\"{c.Name}\""))}) VALUES ({string.Join(", ", table.Columns.Select((_, i) => $"$p{i}"))})",
                    connection,
                    transaction);
                var parameters = table.Columns.Select((_, i) => insert.Parameters.Add(new SqliteParameter($"$p{i}", null))).ToArray();
                insert.Prepare();
                long rows = 0;
                foreach (var row in table.Produce())
                {
                    for (var i = 0; i < row.Length; i++)
                    {
                        parameters[i].Value = Parameter(table.Columns[i].Kind, row[i]);
                    }

                    insert.ExecuteNonQuery();
                    rows++;
                }

                Report(log, table, rows, watch);
            }

            await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        }

        var analyse = Stopwatch.StartNew();
        await using (var command = new SqliteCommand("ANALYZE", connection))
        {
            command.CommandTimeout = 0;
            await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        log.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  ANALYZE {analyse.Elapsed.TotalSeconds,44:F1} s"));
    }
}
