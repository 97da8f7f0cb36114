using System.Data.Common;
using System.Globalization;
using System.Net;
using System.Text;
using Keyward.Common;
using Keyward.Server.Tests.Infrastructure;
using Keyward.Storage;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Microsoft.Extensions.DependencyInjection;

namespace Keyward.Server.Tests.Faults;

/// <summary>
/// The embedded database's disk is full: a write is answered 503 <c>server.storage_unavailable</c> with
/// <c>Retry-After</c>, nothing of it is stored, and the server writes again once there is room.
/// </summary>
/// <remarks>
/// SQLite itself reports the full disk (<c>SQLITE_FULL</c>): each connection the server opens is given
/// <c>PRAGMA max_page_count</c> equal to the database's current size, the limit SQLite enforces exactly as it does a
/// full file system. Only the cause is staged, not the failure: the error, its rollback and everything above it are real.
/// </remarks>
public sealed class StorageFullTests
{
    [Fact]
    public async Task ImportPeople_SqliteDiskFull_Answers503StorageUnavailableStoresNothingAndWritesOnceThereIsRoom()
    {
        var disk = new DiskLimit();
        await using var server = await DemoServer.StartAsync(configureBuilder: b => b.Services.ConfigureDbContext<SqliteKeywardDbContext>(o => o.AddInterceptors(disk)));
        using var admin = await server.SignInAsync("admin");
        var people = await CountAsync(server, s => s.People);
        var audit = await CountAsync(server, s => s.AuditEvents);
        var csv = new StringBuilder("logonName,name,email,group\n");
        for (var i = 0; i < 2000; i++)
        {
            csv.Append(CultureInfo.InvariantCulture, $"filler{i:0000},Filler Number {i} With A Longer Name,filler{i:0000}@acme.example,Acme/Filler/Team{i % 40}\n");
        }

        disk.Full = true;
        using (var response = await admin.PostAsync(new Uri("/api/people/import", UriKind.Relative), new StringContent(csv.ToString(), Encoding.UTF8, "text/csv")))
        {
            await Json.ProblemAsync(response, HttpStatusCode.ServiceUnavailable, "server.storage_unavailable");
            Assert.True(response.Headers.RetryAfter?.Delta is { TotalSeconds: > 0 }, "A 503 says when to retry.");
        }

        disk.Full = false;
        Assert.Equal(people, await CountAsync(server, s => s.People));
        Assert.Equal(audit, await CountAsync(server, s => s.AuditEvents));
        using (var response = await admin.PostAsync(new Uri("/api/people/import", UriKind.Relative), new StringContent(csv.ToString(), Encoding.UTF8, "text/csv")))
        {
            Assert.Equal(2000, (await Json.ReadAsync(response, HttpStatusCode.OK)).GetProperty("created").GetInt32());
        }

        Assert.Equal(people + 2000, await CountAsync(server, s => s.People));
    }

    private static async Task<int> CountAsync<T>(DemoServer server, Func<IKeywardStore, IQueryable<T>> rows)
    {
        await using var scope = server.App.Services.CreateAsyncScope();
        var store = scope.ServiceProvider.GetRequiredService<IKeywardStore>();
        return await store.CountAsync(rows(store), CancellationToken.None);
    }

    /// <summary>While <see cref="Full"/>, every connection the server opens may not grow the database file.</summary>
    private sealed class DiskLimit : DbConnectionInterceptor
    {
        private volatile bool _full;

        public bool Full
        {
            get => _full;
            set => _full = value;
        }

        public override async Task ConnectionOpenedAsync(DbConnection connection, ConnectionEndEventData eventData, CancellationToken cancellationToken = default)
        {
            await using var command = connection.CreateCommand();

            // SQLite never lowers the limit below the pages in use; 1073741823 is its default maximum.
            command.CommandText = Full ? "PRAGMA max_page_count = 1" : "PRAGMA max_page_count = 1073741823";
            await command.ExecuteScalarAsync(cancellationToken);
        }

        public override void ConnectionOpened(DbConnection connection, ConnectionEndEventData eventData)
        {
            using var command = connection.CreateCommand();
            command.CommandText = Full ? "PRAGMA max_page_count = 1" : "PRAGMA max_page_count = 1073741823";
            command.ExecuteScalar();
        }
    }
}
