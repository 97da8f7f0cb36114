namespace Keyward.Storage;

/// <summary>Database providers Keyward runs on.</summary>
public enum DatabaseProvider
{
    /// <summary>A file in the data folder: the embedded default.</summary>
    Sqlite = 1,

    /// <summary>A PostgreSQL server: the scale-out choice, shared by several server processes.</summary>
    Postgres = 2,
}

/// <summary>Configuration section <c>Keyward:Database</c>.</summary>
public sealed class StorageOptions
{
    public DatabaseProvider Provider { get; set; } = DatabaseProvider.Sqlite;

    /// <summary>
    /// The connection string. For SQLite it may be left empty: the database is then
    /// <c>keyward.db</c> in the data folder.
    /// </summary>
    public string? ConnectionString { get; set; }

    /// <summary>
    /// SQLite only: the page cache of each open connection, in megabytes (SQLite's default is 2). Filled only with pages
    /// read, so it costs memory only on a database larger than it, up to this much per pooled connection.
    /// </summary>
    public int SqliteCacheMegabytes { get; set; } = DefaultSqliteCacheMegabytes;

    /// <summary>The default of <see cref="SqliteCacheMegabytes"/>.</summary>
    public const int DefaultSqliteCacheMegabytes = 32;
}
