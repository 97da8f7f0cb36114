using Keyward.ApiClients;
using Keyward.Settings;
using Keyward.Storage.Tests.Infrastructure;

namespace Keyward.Storage.Tests.Settings;

/// <summary>The single settings row and API client bindings.</summary>
public abstract class SettingsStorageTests(ITestDatabaseSource source) : StorageTestBase(source)
{
    [Fact]
    public async Task SystemSettings_SavedThenChanged_RoundTrips()
    {
        await SaveAsync(new SystemSettings { AllowSelfRequests = true, IsDemo = true });

        await using (var scope = NewScope())
        {
            var store = StoreOf(scope);
            var settings = await store.FirstOrDefaultAsync(store.Settings, CancellationToken.None);
            Assert.NotNull(settings);
            Assert.Equal((SystemSettings.SingletonId, true, true), (settings.Id, settings.AllowSelfRequests, settings.IsDemo));
            settings.AllowSelfRequests = false;
            await store.SaveChangesAsync(CancellationToken.None);
        }

        var stored = Assert.Single(await ListAsync(s => s.Settings));
        Assert.Equal((SystemSettings.SingletonId, false, true), (stored.Id, stored.AllowSelfRequests, stored.IsDemo));
    }

    [Fact]
    public async Task ApiClient_Binding_RoundTrips()
    {
        var basics = await SeedBasicsAsync();
        var client = new ApiClient("payroll-sync", basics.Requester.Id, "Payroll sync", TestData.Instant);
        await SaveAsync(client);

        var stored = await FindAsync(s => s.ApiClients.Where(c => c.ClientId == "payroll-sync"));

        Assert.NotNull(stored);
        Assert.Equal((basics.Requester.Id, "Payroll sync"), (stored.PersonId, stored.DisplayName));
        AssertStored.Instant(TestData.Instant, stored.CreatedAt);
    }
}

[Collection(OnSqlite.Name)]
public sealed class SqliteSettingsStorageTests(SqliteDatabases databases) : SettingsStorageTests(databases);

[Collection(OnPostgres.Name)]
public sealed class PostgresSettingsStorageTests(PostgresServer server) : SettingsStorageTests(server);
