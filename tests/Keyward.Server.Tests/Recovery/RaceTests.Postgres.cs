using Keyward.Common;
using Keyward.Server.Tests.Infrastructure;
using Keyward.Storage;
using Keyward.Testing.Databases;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using Xunit.Abstractions;
using Xunit.Sdk;

namespace Keyward.Server.Tests.Recovery;

/// <summary>
/// The races on PostgreSQL, the scale-out database (docs/architecture.md#storage): the same tests as <see cref="SqliteRaceTests"/> on a
/// server in this process, and the collect race across two <c>keyward server</c> processes sharing one database.
/// </summary>
public sealed class PostgresRaceTests(PostgresServer postgres, ITestOutputHelper output) : RaceTests(output), IClassFixture<PostgresServer>
{
    protected override async Task<Deployment> StartAsync()
    {
        var database = await postgres.CreateEmptyDatabaseAsync(CancellationToken.None);
        var data = Directory.CreateTempSubdirectory("keyward-pg-race-").FullName;
        try
        {
            // A data folder of its own: the demo seeds itself on PostgreSQL, with its own key store.
            var server = await DemoServer.StartAsync(o =>
            {
                o.Database = database.Options;
                o.DataDirectory = data;
            });
            Assert.False(File.Exists(Path.Combine(data, "keyward.db")), "The server runs on SQLite, not on PostgreSQL.");
            return new Deployment(server, database.DisposeAsync, () => DeleteFolder(data));
        }
        catch
        {
            await database.DisposeAsync();
            await DeleteFolder(data);
            throw;
        }
    }

    /// <summary>
    /// The scale-out deployment: two <c>keyward server</c> processes on one PostgreSQL database, sharing one data
    /// folder for the key store and the token signing keys (as they would share an HSM). Twenty collectors, ten
    /// on each process, are released together on one approved request.
    /// </summary>
    [Fact]
    public async Task Collect_TwentyCollectorsOnTwoServerProcessesSharingOneDatabase_ExactlyOnePfxAndNineteenNotCollectable()
    {
        await using var database = await postgres.CreateEmptyDatabaseAsync(CancellationToken.None);
        var data = Directory.CreateTempSubdirectory("keyward-scale-out-").FullName;
        var environment = new Dictionary<string, string>
        {
            ["Keyward__Database__Provider"] = "Postgres",
            ["Keyward__Database__ConnectionString"] = database.Options.ConnectionString!,
            ["Keyward__KeyProtector__Passphrase"] = DemoServer.TestPassphrase,
            ["Keyward__KeyProtector__KeyPoolSize"] = "0",
        };
        KeywardProcess? a = null;
        KeywardProcess? b = null;
        var runners = new List<Race.Runner>();
        try
        {
            // A seeds the demo and creates the key store and token keys; B then joins the same database and folder.
            a = KeywardProcess.StartServer("A", data, environment, "--demo");
            await a.WaitUntilHealthyAsync();
            b = KeywardProcess.StartServer("B", data, environment);
            await b.WaitUntilHealthyAsync();
            Assert.False(File.Exists(Path.Combine(data, "keyward.db")), "The servers run on SQLite, not on PostgreSQL.");

            // Requested on A, approved on B: both see one database.
            var (id, serials) = await ApprovedRequestAsync(logon => logon == "victor" ? b.SignInAsync(logon) : a.SignInAsync(logon));
            for (var i = 0; i < Collectors; i++)
            {
                var server = i % 2 == 0 ? a : b;
                var logon = CollectorLogons[i / 2 % CollectorLogons.Count];
                runners.Add(new Race.Runner($"{logon}@{server.Name}#{i + 1}", await server.SignInAsync(logon)));
            }

            var outcomes = await Race.RunAsync(runners, client => RecoverySteps.PostAsync(client, id, "collect"));
            Output.WriteLine($"{Collectors} collectors on two processes:\n{Race.Tally(outcomes)}");

            // The store as either server sees it: the same database, read without going through either.
            await using var services = new ServiceCollection().AddKeywardStorage(database.Options, data).BuildServiceProvider();
            await using var scope = services.CreateAsyncScope();
            var store = scope.ServiceProvider.GetRequiredService<IKeywardStore>();
            var collected = AssertOneCollected(outcomes, await DescribeAsync(store, id));
            AssertPfxHoldsTheKeys(collected, serials);
            await AssertCollectedOnceAsync(store, id, outcomes);
        }
        catch (Exception ex)
        {
            throw new XunitException($"{ex.Message}\n\n--- keyward server A ---\n{a?.Output}\n--- keyward server B ---\n{b?.Output}", ex);
        }
        finally
        {
            runners.ForEach(r => r.Client.Dispose());
            if (b is not null)
            {
                await b.DisposeAsync();
            }

            if (a is not null)
            {
                await a.DisposeAsync();
            }

            NpgsqlConnection.ClearAllPools();
            await DeleteFolder(data);
        }
    }

    /// <summary>Hardening finding 2 in the scale-out deployment: twenty creates for one certificate on two processes.</summary>
    [Fact]
    public async Task Request_TwentyCreatesOnTwoServerProcessesSharingOneDatabase_ExactlyOneCreated()
    {
        await using var database = await postgres.CreateEmptyDatabaseAsync(CancellationToken.None);
        var data = Directory.CreateTempSubdirectory("keyward-scale-out-").FullName;
        var environment = new Dictionary<string, string>
        {
            ["Keyward__Database__Provider"] = "Postgres",
            ["Keyward__Database__ConnectionString"] = database.Options.ConnectionString!,
            ["Keyward__KeyProtector__Passphrase"] = DemoServer.TestPassphrase,
            ["Keyward__KeyProtector__KeyPoolSize"] = "0",
        };
        KeywardProcess? a = null;
        KeywardProcess? b = null;
        try
        {
            a = KeywardProcess.StartServer("A", data, environment, "--demo");
            await a.WaitUntilHealthyAsync();
            b = KeywardProcess.StartServer("B", data, environment);
            await b.WaitUntilHealthyAsync();

            var turn = 0;
            var outcomes = await RaceRequestsAsync(logon => Interlocked.Increment(ref turn) % 2 == 0 ? a.SignInAsync(logon) : b.SignInAsync(logon), Output);

            await using var services = new ServiceCollection().AddKeywardStorage(database.Options, data).BuildServiceProvider();
            await using var scope = services.CreateAsyncScope();
            await AssertOneRequestCreatedAsync(scope.ServiceProvider.GetRequiredService<IKeywardStore>(), outcomes);
        }
        catch (Exception ex)
        {
            throw new XunitException($"{ex.Message}\n\n--- keyward server A ---\n{a?.Output}\n--- keyward server B ---\n{b?.Output}", ex);
        }
        finally
        {
            if (b is not null)
            {
                await b.DisposeAsync();
            }

            if (a is not null)
            {
                await a.DisposeAsync();
            }

            NpgsqlConnection.ClearAllPools();
            await DeleteFolder(data);
        }
    }

    private static ValueTask DeleteFolder(string path)
    {
        try
        {
            Directory.Delete(path, recursive: true);
        }
        catch (IOException)
        {
            // A file still held open is harmless in a temporary folder.
        }

        return ValueTask.CompletedTask;
    }
}
