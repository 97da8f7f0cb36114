using Keyward.Common;
using Keyward.Devices;
using Keyward.Storage.Tests.Infrastructure;

namespace Keyward.Storage.Tests.Devices;

/// <summary>Devices, and the concurrency token that guards their status.</summary>
public abstract class DeviceStorageTests(ITestDatabaseSource source) : StorageTestBase(source)
{
    [Fact]
    public async Task Device_AllFields_RoundTrip()
    {
        var basics = await SeedBasicsAsync();
        var package = new Device(Ids.New(), DeviceType.SoftCertificatePackage, "PKG-1", basics.Target.Id, basics.Profile.Id, TestData.Instant);
        package.ChangeStatus(DeviceStatus.Damaged);
        await SaveAsync(package);

        var stored = await FindAsync(s => s.Devices.Where(d => d.Id == package.Id));

        Assert.NotNull(stored);
        Assert.Equal((DeviceType.SoftCertificatePackage, "PKG-1", DeviceStatus.Damaged, basics.Target.Id, basics.Profile.Id, package.ConcurrencyStamp),
            (stored.Type, stored.SerialNumber, stored.Status, stored.OwnerId, stored.CredentialProfileId, stored.ConcurrencyStamp));
        AssertStored.Instant(TestData.Instant, stored.IssuedAt);
    }

    [Fact]
    public async Task ChangeStatus_InTwoUnitsOfWork_FirstSaveWinsSecondConflicts()
    {
        var basics = await SeedBasicsAsync();
        var card = TestData.SmartCard(basics.Target, basics.Profile);
        await SaveAsync(card);
        await using var first = NewScope();
        await using var second = NewScope();
        var a = await LoadAsync(first, card.Id);
        var b = await LoadAsync(second, card.Id);

        a.ChangeStatus(DeviceStatus.Lost);
        b.ChangeStatus(DeviceStatus.Cancelled);
        await StoreOf(first).SaveChangesAsync(CancellationToken.None);

        await Assert.ThrowsAsync<ConcurrencyConflictException>(() => StoreOf(second).SaveChangesAsync(CancellationToken.None));
        var stored = await FindAsync(s => s.Devices.Where(d => d.Id == card.Id));
        Assert.NotNull(stored);
        Assert.Equal((DeviceStatus.Lost, a.ConcurrencyStamp), (stored.Status, stored.ConcurrencyStamp));
    }

    [Fact]
    public async Task SaveChangesAsync_SameSerialNumberAndType_Conflicts()
    {
        var basics = await SeedBasicsAsync();
        await SaveAsync(new Device(Ids.New(), DeviceType.SmartCard, "SC-SAME", basics.Target.Id, basics.Profile.Id, TestData.Instant));

        await Assert.ThrowsAsync<ConcurrencyConflictException>(() =>
            SaveAsync(new Device(Ids.New(), DeviceType.SmartCard, "SC-SAME", basics.Requester.Id, basics.Profile.Id, TestData.Instant)));

        // The serial number is unique per type only.
        await SaveAsync(new Device(Ids.New(), DeviceType.SoftCertificatePackage, "SC-SAME", basics.Requester.Id, basics.Profile.Id, TestData.Instant));
        Assert.Equal(2, (await ListAsync(s => s.Devices.Where(d => d.SerialNumber == "SC-SAME"))).Count);
    }

    private static async Task<Device> LoadAsync(Microsoft.Extensions.DependencyInjection.AsyncServiceScope scope, string id)
    {
        var store = StoreOf(scope);
        var device = await store.FirstOrDefaultAsync(store.Devices.Where(d => d.Id == id), CancellationToken.None);
        Assert.NotNull(device);
        return device;
    }
}

[Collection(OnSqlite.Name)]
public sealed class SqliteDeviceStorageTests(SqliteDatabases databases) : DeviceStorageTests(databases);

[Collection(OnPostgres.Name)]
public sealed class PostgresDeviceStorageTests(PostgresServer server) : DeviceStorageTests(server);
