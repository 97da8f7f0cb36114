using System.Data.Common;
using Keyward.Common;
using Keyward.Notifications;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Npgsql;

namespace Keyward.Storage;

public static class StorageServiceCollectionExtensions
{
    /// <summary>
    /// Registers the model on the configured provider as <see cref="KeywardDbContext"/> and the core's
    /// <see cref="IKeywardStore"/> over it. Contexts are pooled: a call rents one that is reset when returned, rather
    /// than building a context and its services on every call.
    /// </summary>
    public static IServiceCollection AddKeywardStorage(this IServiceCollection services, StorageOptions options, string dataDirectory)
    {
        ArgumentNullException.ThrowIfNull(options);
        var connectionString = ConnectionStringFor(options, dataDirectory);
        switch (options.Provider)
        {
            case DatabaseProvider.Sqlite:
                if (options.SqliteCacheMegabytes is < 1 or > 4096)
                {
                    throw new InvalidOperationException($"Keyward:Database:SqliteCacheMegabytes must be between 1 and 4096; it is {options.SqliteCacheMegabytes}.");
                }

                var pageCache = new SqlitePageCache(options.SqliteCacheMegabytes);
                services.AddDbContextPool<KeywardDbContext, SqliteKeywardDbContext>(o => o.UseSqlite(connectionString, s => s.UseParameterizedCollectionMode(CollectionsAsOneParameter)).ConfigureWarnings(FailuresAtDebug).AddInterceptors(pageCache));
                services.AddSingleton(_ => WriteGate.ForSqlite());
                break;
            case DatabaseProvider.Postgres:
                services.AddDbContextPool<KeywardDbContext, PostgresKeywardDbContext>(o => o.UseNpgsql(PostgresConnectionString(connectionString), n => n.UseParameterizedCollectionMode(CollectionsAsOneParameter)).ConfigureWarnings(FailuresAtDebug));
                services.AddSingleton(_ => WriteGate.None());
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(options), options.Provider, "Unknown database provider.");
        }

        services.TryAddSingleton<NotificationSignal>();
        services.AddScoped<IKeywardStore, EfKeywardStore>();
        services.AddSingleton<IKeywardStoreFactory, KeywardStoreFactory>();
        return services;
    }

    /// <summary>
    /// How a list in a query (<c>logons.Contains(p.LogonName)</c>) reaches the database: as one parameter — a JSON
    /// array read through <c>json_each</c> on SQLite, an array with <c>= ANY</c> on PostgreSQL — never as one
    /// parameter per element. EF Core 10's default expands a list into <c>IN (@p1 … @pN)</c>, and SQLite refuses
    /// a statement with more than 32,766 variables, so an import of 40,000 people failed; one parameter keeps every
    /// statement's shape (and cached plan) independent of the list's length on both databases.
    /// </summary>
    private const ParameterTranslationMode CollectionsAsOneParameter = ParameterTranslationMode.Parameter;

    /// <summary>
    /// EF Core logs every failed command, connection, query and save as an error with its stack trace, before the
    /// exception reaches whoever called. Those callers log it once themselves, and know what it was: the server's
    /// problem handler a line for a lost race (409) or an unreachable database (503) and a stack trace only for a
    /// fault of Keyward's own (500), a background service a line for an outage. So EF's entries go to Debug, where
    /// the failed SQL stays available (<c>Logging:LogLevel:Microsoft.EntityFrameworkCore=Debug</c>).
    /// </summary>
    private static void FailuresAtDebug(WarningsConfigurationBuilder warnings) => warnings.Log(
        (RelationalEventId.CommandError, LogLevel.Debug),
        (RelationalEventId.ConnectionError, LogLevel.Debug),
        (RelationalEventId.TransactionError, LogLevel.Debug),
        (CoreEventId.QueryIterationFailed, LogLevel.Debug),
        (CoreEventId.SaveChangesFailed, LogLevel.Debug),
        (CoreEventId.OptimisticConcurrencyException, LogLevel.Debug));

    /// <summary>The most statements a PostgreSQL connection keeps prepared (Npgsql's <c>Max Auto Prepare</c>).</summary>
    public const int PreparedStatementsPerConnection = 128;

    /// <summary>
    /// The connection string Keyward's PostgreSQL sessions use: the configured one with three defaults, each left alone
    /// where the configured string sets it itself.
    /// <list type="bullet">
    /// <item>Plans without parallel workers (<c>max_parallel_workers_per_gather=0</c> in <c>Options</c>). Every query of a
    /// call is small and many calls run at once: a parallel plan starts worker processes for one query and spends several
    /// times the CPU of the serial plan it replaces — the review queue's capped count of a Division took 89 ms of
    /// PostgreSQL CPU per page with two workers at 1,000,000 people (docs/performance.md, "Request lists and the review
    /// queue").</item>
    /// <item>Statements prepared once they repeat (<c>Max Auto Prepare</c>, <see cref="PreparedStatementsPerConnection"/>):
    /// after a few executions of the same SQL on a connection, Npgsql prepares it, and PostgreSQL parses it once and keeps
    /// its plans instead of parsing and planning it on every call. It took about a third to a half off PostgreSQL's CPU
    /// for a create, approve and cancel (docs/performance.md, "Prepared statements on PostgreSQL"). <c>Max Auto
    /// Prepare=0</c> turns it off, for a connection pooler between Keyward and PostgreSQL that cannot keep prepared
    /// statements.</item>
    /// <item>A pooled connection handed on as it is (<c>No Reset On Close</c>): Npgsql otherwise sends a session reset
    /// (<c>DISCARD ALL</c>, or seven statements when the connection holds prepared statements) before the first command
    /// of every unit of work, which is every request. Keyward leaves nothing in a session to reset: its one lock, the
    /// audit trail's, is a transaction's (<c>pg_advisory_xact_lock</c>) and ends with it, a transaction left open is
    /// rolled back when its connection returns to the pool, and it sets no session parameter, listens to nothing and
    /// makes no temporary table (docs/performance.md, "Pooled connections without a reset").</item>
    /// </list>
    /// </summary>
    public static string PostgresConnectionString(string connectionString)
    {
        var configured = new DbConnectionStringBuilder { ConnectionString = connectionString };
        var builder = new NpgsqlConnectionStringBuilder(connectionString);
        if (builder.Options?.Contains("max_parallel_workers_per_gather", StringComparison.Ordinal) != true)
        {
            builder.Options = string.IsNullOrWhiteSpace(builder.Options)
                ? "-c max_parallel_workers_per_gather=0"
                : $"{builder.Options} -c max_parallel_workers_per_gather=0";
        }

        if (!Sets(configured, "MaxAutoPrepare"))
        {
            builder.MaxAutoPrepare = PreparedStatementsPerConnection;
        }

        if (!Sets(configured, "NoResetOnClose"))
        {
            builder.NoResetOnClose = true;
        }

        return builder.ConnectionString;
    }

    /// <summary>Whether <paramref name="configured"/> names <paramref name="keyword"/> itself, spelt with or without spaces, in any case.</summary>
    private static bool Sets(DbConnectionStringBuilder configured, string keyword) =>
        configured.Keys.Cast<string>().Any(key => string.Equals(key.Replace(" ", string.Empty, StringComparison.Ordinal), keyword, StringComparison.OrdinalIgnoreCase));

    /// <summary>The effective connection string: SQLite defaults to <c>keyward.db</c> in the data folder.</summary>
    public static string ConnectionStringFor(StorageOptions options, string dataDirectory)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (!string.IsNullOrWhiteSpace(options.ConnectionString))
        {
            return options.ConnectionString;
        }

        if (options.Provider != DatabaseProvider.Sqlite)
        {
            throw new InvalidOperationException("Keyward:Database:ConnectionString is required for PostgreSQL.");
        }

        return new SqliteConnectionStringBuilder
        {
            DataSource = Path.Combine(dataDirectory, "keyward.db"),
            Pooling = true,
        }.ToString();
    }

    /// <summary>
    /// Creates a missing SQLite database file empty, readable and writable by this process's user alone (Unix 0600),
    /// before SQLite opens it. SQLite gives the files it makes beside the database (<c>-wal</c>, <c>-shm</c>,
    /// <c>-journal</c>) the database file's mode, so they are owner-only too, whatever the process's umask.
    /// An existing file keeps its mode; an in-memory database has no file.
    /// </summary>
    private static void CreateOwnerOnlySqliteFile(string? connectionString)
    {
        var builder = new SqliteConnectionStringBuilder(connectionString);
        var path = builder.DataSource;
        if (OperatingSystem.IsWindows() || builder.Mode == SqliteOpenMode.Memory || string.IsNullOrEmpty(path) || path == ":memory:"
            || path.StartsWith("file:", StringComparison.OrdinalIgnoreCase) || File.Exists(path))
        {
            return;
        }

        try
        {
            new FileStream(path, new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write, UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite }).Dispose();
        }
        catch (IOException) when (File.Exists(path))
        {
            // Another server process created it a moment ago.
        }
    }

    /// <summary>
    /// SQLite's planner statistics brought up to date where they are missing or stale: every table never analysed,
    /// or whose size changed by a large factor since, is analysed from a sample of its indexes (milliseconds even at
    /// millions of rows). The plans a large organisation depends on — a Division's people list walked in logon-name
    /// order, the review queue's partial indexes — are chosen from these statistics (docs/operations.md, "Database
    /// statistics"). The server runs it when it starts and every hour; commands that only migrate leave it alone.
    /// </summary>
    internal const string SqliteOptimize = "PRAGMA optimize=0x10002;";

    /// <summary>Refreshes SQLite's planner statistics (<see cref="SqliteOptimize"/>); nothing on PostgreSQL, whose autovacuum does it.</summary>
    public static async Task OptimizeKeywardDatabaseAsync(this IServiceProvider services, CancellationToken cancellationToken)
    {
        await using var scope = services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<KeywardDbContext>();
        if (db.Database.IsSqlite())
        {
            await db.Database.ExecuteSqlRawAsync(SqliteOptimize, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Brings the database schema up to date (creating the database file when needed).</summary>
    public static async Task MigrateKeywardDatabaseAsync(this IServiceProvider services, CancellationToken cancellationToken)
    {
        await using var scope = services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<KeywardDbContext>();
        if (db.Database.IsSqlite())
        {
            CreateOwnerOnlySqliteFile(db.Database.GetConnectionString());
        }

        if (!db.Database.IsSqlite())
        {
            await db.Database.MigrateAsync(cancellationToken).ConfigureAwait(false);
            return;
        }

        // The migrations run on one open connection that folds case as .NET does (SqliteUnicodeCase).
        await db.Database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            SqliteUnicodeCase.Register((SqliteConnection)db.Database.GetDbConnection());
            await db.Database.MigrateAsync(cancellationToken).ConfigureAwait(false);

            // WAL lets readers proceed while one writer commits; busy_timeout makes writers queue instead of failing.
            await db.Database.ExecuteSqlRawAsync("PRAGMA journal_mode=WAL;", cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            await db.Database.CloseConnectionAsync().ConfigureAwait(false);
        }
    }
}
