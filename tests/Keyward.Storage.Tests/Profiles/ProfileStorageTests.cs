using Keyward.Certificates;
using Keyward.Common;
using Keyward.Profiles;
using Keyward.Scopes;
using Keyward.Storage.Tests.Infrastructure;

namespace Keyward.Storage.Tests.Profiles;

/// <summary>Credential profiles (complex secret policies, role lists) and certificate policies.</summary>
public abstract class ProfileStorageTests(ITestDatabaseSource source) : StorageTestBase(source)
{
    private static readonly SecretPolicy Password = new(16, 64, RequireUpper: true, RequireLower: false, RequireDigit: true, RequireSymbol: true, DigitsOnly: false);
    private static readonly SecretPolicy Pin = new(8, 8, RequireUpper: false, RequireLower: false, RequireDigit: false, RequireSymbol: false, DigitsOnly: true);

    [Fact]
    public async Task CredentialProfile_AllSettings_RoundTrip()
    {
        var (requesters, validators, collectors, receivers) = Roles();
        var profile = CredentialProfile.Create(Ids.New(), new CredentialProfileSettings
        {
            Name = "  Soft recovery  ",
            Description = "Encryption keys to a PFX file.",
            CardEncoding = CardEncoding.SoftwareCertificates,
            KeyRecoveryOnly = true,
            ValidateIssuance = false,
            ApprovalsRequired = 3,
            SoftCertificateLocation = SoftCertificateLocation.SystemStore,
            PfxProtection = PfxProtection.TripleDesSha1,
            PasswordPolicy = Password,
            PinPolicy = Pin,
            CanRequest = [requesters.Id, validators.Id],
            CanValidate = [validators.Id],
            CanCollect = [collectors.Id, requesters.Id, collectors.Id],
            CanReceive = [receivers.Id],
            RequestExpiryDays = 14,
        }).Value;
        await SaveAsync(requesters, validators, collectors, receivers, profile);

        var stored = await FindAsync(s => s.CredentialProfiles.Where(p => p.Id == profile.Id));

        Assert.NotNull(stored);
        Assert.Equal(("Soft recovery", "Encryption keys to a PFX file.", CardEncoding.SoftwareCertificates), (stored.Name, stored.Description, stored.CardEncoding));
        Assert.Equal((true, true, 3), (stored.KeyRecoveryOnly, stored.ValidateIssuance, stored.ApprovalsRequired));
        Assert.Equal(SoftCertificateLocation.SystemStore, stored.SoftCertificateLocation);
        Assert.Equal(PfxProtection.TripleDesSha1, stored.PfxProtection);
        Assert.Equal(Password, stored.PasswordPolicy);
        Assert.Equal(Pin, stored.PinPolicy);
        Assert.Equal([requesters.Id, validators.Id], stored.CanRequest);
        Assert.Equal([validators.Id], stored.CanValidate);
        Assert.Equal([collectors.Id, requesters.Id], stored.CanCollect);
        Assert.Equal([receivers.Id], stored.CanReceive);
        Assert.Equal(14, stored.RequestExpiryDays);
    }

    [Fact]
    public async Task CredentialProfile_SmartCardDefaults_RoundTripEmptyListsAndNoLocation()
    {
        var profile = CredentialProfile.Create(Ids.New(), new CredentialProfileSettings { Name = "Card", CardEncoding = CardEncoding.SmartCard }).Value;
        await SaveAsync(profile);

        var stored = await FindAsync(s => s.CredentialProfiles.Where(p => p.Id == profile.Id));

        Assert.NotNull(stored);
        Assert.Null(stored.SoftCertificateLocation);
        Assert.Equal(SecretPolicy.DefaultPassword, stored.PasswordPolicy);
        Assert.Equal(SecretPolicy.DefaultPin, stored.PinPolicy);
        Assert.Empty(stored.CanRequest);
        Assert.Empty(stored.CanValidate);
        Assert.Empty(stored.CanCollect);
        Assert.Empty(stored.CanReceive);
    }

    [Fact]
    public async Task CredentialProfile_UpdatedInLaterUnitOfWork_PersistsNewPoliciesAndLists()
    {
        var (requesters, validators, collectors, receivers) = Roles();
        var profile = CredentialProfile.Create(Ids.New(), new CredentialProfileSettings { Name = "Card", CardEncoding = CardEncoding.SmartCard, CanRequest = [requesters.Id] }).Value;
        await SaveAsync(requesters, validators, collectors, receivers, profile);

        await using (var scope = NewScope())
        {
            var store = StoreOf(scope);
            var loaded = await store.FirstOrDefaultAsync(store.CredentialProfiles.Where(p => p.Id == profile.Id), CancellationToken.None);
            Assert.NotNull(loaded);
            Assert.True(loaded.Update(new CredentialProfileSettings
            {
                Name = "Card v2",
                CardEncoding = CardEncoding.SmartCard,
                ValidateIssuance = true,
                ApprovalsRequired = 2,
                PasswordPolicy = Password,
                PinPolicy = Pin,
                CanRequest = [validators.Id],
                CanValidate = [validators.Id, collectors.Id],
                CanReceive = [receivers.Id],
                RequestExpiryDays = 30,
            }).IsSuccess);
            await store.SaveChangesAsync(CancellationToken.None);
        }

        var stored = await FindAsync(s => s.CredentialProfiles.Where(p => p.Id == profile.Id));

        Assert.NotNull(stored);
        Assert.Equal(("Card v2", true, 2, 30), (stored.Name, stored.ValidateIssuance, stored.ApprovalsRequired, stored.RequestExpiryDays));
        Assert.Equal(Password, stored.PasswordPolicy);
        Assert.Equal(Pin, stored.PinPolicy);
        Assert.Equal([validators.Id], stored.CanRequest);
        Assert.Equal([validators.Id, collectors.Id], stored.CanValidate);
        Assert.Empty(stored.CanCollect);
        Assert.Equal([receivers.Id], stored.CanReceive);
    }

    [Fact]
    public async Task CertificatePolicy_AllSettings_RoundTrip()
    {
        var encryption = CertificatePolicy.Create(Ids.New(), "Encryption", KeyAlgorithm.Rsa3072, KeyUsage.Encryption, 730, archiveKeys: true).Value;
        var logon = CertificatePolicy.Create(Ids.New(), "Logon", KeyAlgorithm.EcdsaP384, KeyUsage.Signing | KeyUsage.Authentication, 365, archiveKeys: false).Value;
        await SaveAsync(encryption, logon);

        var stored = await ListAsync(s => s.CertificatePolicies.OrderBy(p => p.Name));

        Assert.Equal(2, stored.Count);
        Assert.Equal((encryption.Id, "Encryption", KeyAlgorithm.Rsa3072, KeyUsage.Encryption, 730, true),
            (stored[0].Id, stored[0].Name, stored[0].KeyAlgorithm, stored[0].KeyUsage, stored[0].ValidityDays, stored[0].ArchiveKeys));
        Assert.Equal((logon.Id, "Logon", KeyAlgorithm.EcdsaP384, KeyUsage.Signing | KeyUsage.Authentication, 365, false),
            (stored[1].Id, stored[1].Name, stored[1].KeyAlgorithm, stored[1].KeyUsage, stored[1].ValidityDays, stored[1].ArchiveKeys));
    }

    private static (Role Requesters, Role Validators, Role Collectors, Role Receivers) Roles() => (
        TestData.Role("Requesters", Operation.RecoverCertificates),
        TestData.Role("Validators", Operation.ValidateRequest),
        TestData.Role("Collectors", Operation.CollectSoftCertificate),
        TestData.Role("Receivers", Operation.CollectMySoftCertificate));
}

[Collection(OnSqlite.Name)]
public sealed class SqliteProfileStorageTests(SqliteDatabases databases) : ProfileStorageTests(databases);

[Collection(OnPostgres.Name)]
public sealed class PostgresProfileStorageTests(PostgresServer server) : ProfileStorageTests(server);
