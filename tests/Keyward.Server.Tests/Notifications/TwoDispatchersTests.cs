using Keyward.Common;
using Keyward.Notifications;
using Keyward.Server.Notifications;
using Keyward.Server.Tests.Infrastructure;
using Keyward.Testing.Databases;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace Keyward.Server.Tests.Notifications;

/// <summary>Scale-out (docs/notifications.md#the-outbox): two server processes on one PostgreSQL database deliver each message once.</summary>
public sealed class TwoDispatchersTests(PostgresServer postgres) : IClassFixture<PostgresServer>
{
    private const int Messages = 40;

    [Fact]
    public async Task Dispatchers_TwoServersOnOneDatabase_SendEachMessageExactlyOnce()
    {
        await using var database = await postgres.CreateEmptyDatabaseAsync(CancellationToken.None);
        await using var smtp = SmtpTestServer.Start();

        // One deployment: one database, one data folder for the shared keys, one SMTP relay.
        var data = Directory.CreateTempSubdirectory("keyward-two-dispatchers-").FullName;
        void Configure(Keyward.Server.Hosting.KeywardServerOptions o)
        {
            o.Database = database.Options;
            o.DataDirectory = data;
            o.Mail.Host = "127.0.0.1";
            o.Mail.Port = smtp.Port;
            o.Mail.Security = MailSecurity.None;
            o.Mail.BatchSize = 7;
        }

        try
        {
            await using var first = await DemoServer.StartAsync(Configure);
            await using var second = await DemoServer.StartAsync(Configure);

            // Due in a minute, so that neither server starts before both clocks move together.
            var due = DemoServer.Start.UtcDateTime.AddMinutes(1);
            var ids = await StageAsync(first, due);
            first.Clock.Advance(TimeSpan.FromMinutes(1));
            second.Clock.Advance(TimeSpan.FromMinutes(1));

            await Eventually.HoldsAsync($"all {Messages} messages are marked sent", async () => await UnsentAsync(first, ids) == 0);
            await first.StopAsync();
            await second.StopAsync();

            var received = smtp.Received.Select(m => m.Parse()).ToList();
            Assert.Equal(Messages, received.Count);
            Assert.Equal(ids.Select(id => id + "@localhost").Order(), received.Select(m => m.MessageId).Order());
            Assert.All(received, m => Assert.Equal("carol@acme.example", Assert.Single(m.To.Mailboxes).Address));
        }
        finally
        {
            NpgsqlConnection.ClearAllPools();
            if (Directory.Exists(data))
            {
                Directory.Delete(data, recursive: true);
            }
        }
    }

    private static async Task<List<string>> StageAsync(DemoServer server, DateTime due)
    {
        await using var scope = server.App.Services.CreateAsyncScope();
        var store = scope.ServiceProvider.GetRequiredService<IKeywardStore>();
        var carol = await store.FirstOrDefaultAsync(store.People.Where(p => p.LogonName == "carol"), CancellationToken.None);
        var ids = new List<string>();
        for (var i = 0; i < Messages; i++)
        {
            var notice = OwnerNotices.For(carol!, $"Message {i}", $"Body of message {i}.", due)!;
            store.Add(notice);
            ids.Add(notice.Id);
        }

        await store.SaveChangesAsync(CancellationToken.None);
        return ids;
    }

    private static async Task<int> UnsentAsync(DemoServer server, List<string> ids)
    {
        await using var scope = server.App.Services.CreateAsyncScope();
        var store = scope.ServiceProvider.GetRequiredService<IKeywardStore>();
        return await store.CountAsync(store.Notifications.Where(n => ids.Contains(n.Id) && n.SentAt == null), CancellationToken.None);
    }
}
