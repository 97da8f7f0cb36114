using Keyward.Certificates;
using Keyward.Common;
using Keyward.Storage.Tests.Infrastructure;

namespace Keyward.Storage.Tests.Certificates;

/// <summary>Certificates, with their instants coming back as the same UTC ticks on both providers.</summary>
public abstract class CertificateStorageTests(ITestDatabaseSource source) : StorageTestBase(source)
{
    [Fact]
    public async Task Certificate_AllFields_RoundTripWithUtcInstants()
    {
        var basics = await SeedBasicsAsync();
        var card = TestData.SmartCard(basics.Target, basics.Profile);
        await SaveAsync(card);
        var notBefore = TestData.Instant;
        var notAfter = TestData.Instant.AddDays(365).AddTicks(-10);
        byte[] der = [0x30, 0x82, 0x01, 0x00, 0xff, 0x00, 0x7f];
        var certificate = new Certificate(Ids.New(), basics.Target.Id, basics.Policy.Id, "0a1b2c3d4e", "CN=Acme Issuing CA", "CN=Target, O=Acme", new string('a', 64), notBefore, notAfter, der);
        var archived = new Keyward.KeyArchive.ArchivedKey("archive-entry-1", certificate.Id, [0x4b, 0x57, 0x41, 0x01], "sk-1", notBefore);
        await SaveAsync(archived);
        certificate.PlaceOn(card.Id);
        certificate.AttachArchivedKey(archived.Id);
        certificate.MarkExternal();
        Assert.True(certificate.Revoke(RevocationReason.KeyCompromise, notAfter).IsSuccess);
        Assert.False(certificate.Revoke(RevocationReason.Superseded, notAfter).IsSuccess);
        await SaveAsync(certificate);

        var stored = await FindAsync(s => s.Certificates.Where(c => c.Id == certificate.Id));

        Assert.NotNull(stored);
        Assert.Equal((basics.Target.Id, basics.Policy.Id, "0a1b2c3d4e", "CN=Acme Issuing CA", "CN=Target, O=Acme", new string('a', 64)),
            (stored.OwnerId, stored.PolicyId, stored.SerialNumber, stored.Issuer, stored.Subject, stored.Thumbprint));
        Assert.Equal((CertificateStatus.Revoked, card.Id, "archive-entry-1", true, true),
            (stored.Status, stored.DeviceId, stored.ArchivedKeyId, stored.Archived, stored.IsExternal));
        Assert.Equal(der, stored.RawData);
        AssertStored.Instant(notBefore, stored.NotBefore);
        AssertStored.Instant(notAfter, stored.NotAfter);
        Assert.Equal(RevocationReason.KeyCompromise, stored.RevocationReason);
        AssertStored.Instant(notAfter, stored.RevokedAt!.Value);
    }

    [Fact]
    public async Task Certificate_ChangedInLaterUnitOfWork_PersistsTheChange()
    {
        var basics = await SeedBasicsAsync();
        var certificate = new Certificate(Ids.New(), basics.Target.Id, basics.Policy.Id, "01", "CN=CA", "CN=Target", new string('b', 64), TestData.Instant, TestData.Instant.AddDays(1), [1, 2, 3]);
        await SaveAsync(certificate);

        await using (var scope = NewScope())
        {
            var store = StoreOf(scope);
            var loaded = await store.FirstOrDefaultAsync(store.Certificates.Where(c => c.Id == certificate.Id), CancellationToken.None);
            Assert.NotNull(loaded);
            loaded.Expire();

            // The archive entry is a real row: Certificates.ArchivedKeyId is a foreign key to ArchivedKeys.
            store.Add(new Keyward.KeyArchive.ArchivedKey("archive-entry-2", certificate.Id, [0x4b, 0x57, 0x41, 0x01], "sk-1", TestData.Instant));
            loaded.AttachArchivedKey("archive-entry-2");
            await store.SaveChangesAsync(CancellationToken.None);
        }

        var stored = await FindAsync(s => s.Certificates.Where(c => c.Id == certificate.Id));

        Assert.NotNull(stored);
        Assert.Equal((CertificateStatus.Expired, "archive-entry-2", null, false), (stored.Status, stored.ArchivedKeyId, stored.DeviceId, stored.IsExternal));
    }

    [Fact]
    public async Task SaveChangesAsync_DuplicateThumbprint_Conflicts()
    {
        var basics = await SeedBasicsAsync();
        var thumbprint = new string('c', 64);
        await SaveAsync(new Certificate(Ids.New(), basics.Target.Id, basics.Policy.Id, "01", "CN=CA", "CN=Target", thumbprint, TestData.Instant, TestData.Instant.AddDays(1), [1]));

        await Assert.ThrowsAsync<ConcurrencyConflictException>(() =>
            SaveAsync(new Certificate(Ids.New(), basics.Target.Id, basics.Policy.Id, "02", "CN=CA", "CN=Target", thumbprint, TestData.Instant, TestData.Instant.AddDays(1), [2])));

        Assert.Single(await ListAsync(s => s.Certificates.Where(c => c.Thumbprint == thumbprint)));
    }
}

[Collection(OnSqlite.Name)]
public sealed class SqliteCertificateStorageTests(SqliteDatabases databases) : CertificateStorageTests(databases);

[Collection(OnPostgres.Name)]
public sealed class PostgresCertificateStorageTests(PostgresServer server) : CertificateStorageTests(server);
