using System.Data.Common;
using System.Globalization;
using System.Runtime.CompilerServices;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore.Diagnostics;

namespace Keyward.Storage;

/// <summary>
/// Gives every SQLite connection a page cache of <see cref="StorageOptions.SqliteCacheMegabytes"/> as it opens (the
/// setting lives on the connection, and a pooled connection keeps it). SQLite's own default is 2 MB a connection: the
/// review queue of a large organisation touches a little more than that, and with least-recently-used eviction it then
/// read almost every page again from the file on every request (docs/performance.md, "A larger page cache for SQLite").
/// SQLite fills the cache only with pages it reads, so a small database costs no more memory. The pragma runs once
/// for each SQLite handle: a unit of work opens a pooled connection on every request, and the handle it reuses has
/// the setting already.
/// </summary>
internal sealed class SqlitePageCache(int megabytes) : DbConnectionInterceptor
{
    private readonly string _pragma = string.Create(CultureInfo.InvariantCulture, $"PRAGMA cache_size=-{megabytes * 1024};");
    private readonly ConditionalWeakTable<object, object> _applied = [];

    public override void ConnectionOpened(DbConnection connection, ConnectionEndEventData eventData) => Apply(connection);

    public override Task ConnectionOpenedAsync(DbConnection connection, ConnectionEndEventData eventData, CancellationToken cancellationToken = default)
    {
        Apply(connection);
        return Task.CompletedTask;
    }

    private void Apply(DbConnection connection)
    {
        var handle = (connection as SqliteConnection)?.Handle;
        if (handle is not null && _applied.TryGetValue(handle, out _))
        {
            return;
        }

        using (var command = connection.CreateCommand())
        {
            command.CommandText = _pragma;
            command.ExecuteNonQuery();
        }

        if (handle is not null)
        {
            _applied.AddOrUpdate(handle, handle);
        }
    }
}
