using System.Net;
using Keyward.Server.Hosting;
using Keyward.Common;
using Keyward.People;
using Keyward.Server.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace Keyward.Server.Tests.Demo;

/// <summary><c>--demo</c> seeds docs/demo.md once, restarts cleanly, and never mixes into real data.</summary>
public sealed class DemoOrganisationTests
{
    [Fact]
    public async Task Demo_OnDatabaseWithNonDemoData_IsRefusedAndChangesNothing()
    {
        var data = Directory.CreateTempSubdirectory("keyward-demo-").FullName;
        try
        {
            // A real deployment: started without --demo, then someone is imported through the API.
            await using (var real = await DemoServer.StartAsync(o =>
                         {
                             o.DataDirectory = data;
                             o.Demo = false;
                         }))
            {
                Assert.Equal(HttpStatusCode.Unauthorized, (await real.RequestTokenAsync("admin-cli", "admin-secret")).StatusCode);
            }

            var refused = await Assert.ThrowsAsync<InvalidOperationException>(() => SeedPeopleThenDemoAsync(data));
            Assert.Contains("non-demo data", refused.Message, StringComparison.Ordinal);
        }
        finally
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            Directory.Delete(data, recursive: true);
        }
    }

    [Fact]
    public async Task Demo_StartedTwiceOnOneDataFolder_KeepsOneOrganisationAndItsTokens()
    {
        var data = Directory.CreateTempSubdirectory("keyward-demo-").FullName;
        try
        {
            await using (var first = await DemoServer.StartAsync(o => o.DataDirectory = data))
            {
                using var admin = await first.SignInAsync("admin");
                Assert.Equal(7, (await Json.GetAsync(admin, "/api/people")).GetProperty("total").GetInt32());
            }

            await using var second = await DemoServer.StartAsync(o => o.DataDirectory = data);
            using var again = await second.SignInAsync("admin");
            Assert.Equal(7, (await Json.GetAsync(again, "/api/people")).GetProperty("total").GetInt32());
            Assert.Equal(4, (await Json.GetAsync(again, "/api/credentialProfiles")).GetProperty("total").GetInt32());
        }
        finally
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            Directory.Delete(data, recursive: true);
        }
    }

    private static async Task SeedPeopleThenDemoAsync(string data)
    {
        // Put a non-demo person into the database directly, as an import would.
        var app = KeywardServer.Build(o =>
        {
            o.DataDirectory = data;
            o.KeyProtector.Passphrase = DemoServer.TestPassphrase;
        });
        await using (app)
        {
            await KeywardServer.InitialiseAsync(app, CancellationToken.None);
            await using var scope = app.Services.CreateAsyncScope();
            var store = scope.ServiceProvider.GetRequiredService<IKeywardStore>();
            var group = new Group(Ids.New(), "Contoso", null);
            store.Add(group);
            store.Add(new Person(Ids.New(), "zoe", "Zoe", "zoe@contoso.example", group.Id, true));
            await store.SaveChangesAsync(CancellationToken.None);
        }

        var demo = KeywardServer.Build(o =>
        {
            o.DataDirectory = data;
            o.KeyProtector.Passphrase = DemoServer.TestPassphrase;
            o.Demo = true;
        });
        await using (demo)
        {
            await KeywardServer.InitialiseAsync(demo, CancellationToken.None);
        }
    }
}
