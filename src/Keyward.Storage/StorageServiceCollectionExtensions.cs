using Keyward.Common;
using Keyward.Notifications;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Keyward.Storage;

public static class StorageServiceCollectionExtensions
{
    /// <summary>
    /// Registers the model on the configured provider as <see cref="KeywardDbContext"/> and the core's
    /// <see cref="IKeywardStore"/> over it.
    /// </summary>
    public static IServiceCollection AddKeywardStorage(this IServiceCollection services, StorageOptions options, string dataDirectory)
    {
        ArgumentNullException.ThrowIfNull(options);
        var connectionString = ConnectionStringFor(options, dataDirectory);
        switch (options.Provider)
        {
            case DatabaseProvider.Sqlite:
                services.AddDbContext<KeywardDbContext, SqliteKeywardDbContext>(o => o.UseSqlite(connectionString).AddInterceptors(SqliteUnicodeCaseInterceptor.Instance));
                services.AddSingleton(_ => WriteGate.ForSqlite());
                break;
            case DatabaseProvider.Postgres:
                services.AddDbContext<KeywardDbContext, PostgresKeywardDbContext>(o => o.UseNpgsql(connectionString));
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

    /// <summary>Brings the database schema up to date (creating the database file when needed).</summary>
    public static async Task MigrateKeywardDatabaseAsync(this IServiceProvider services, CancellationToken cancellationToken)
    {
        await using var scope = services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<KeywardDbContext>();
        await db.Database.MigrateAsync(cancellationToken).ConfigureAwait(false);
        if (db.Database.IsSqlite())
        {
            // WAL lets readers proceed while one writer commits; busy_timeout makes writers queue instead of failing.
            await db.Database.ExecuteSqlRawAsync("PRAGMA journal_mode=WAL;", cancellationToken).ConfigureAwait(false);
        }
    }
}
