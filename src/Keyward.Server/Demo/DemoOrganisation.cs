using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using Keyward.ApiClients;
using Keyward.Certificates;
using Keyward.Devices;
using Keyward.Audit;
using Keyward.Common;
using Keyward.People;
using Keyward.Profiles;
using Keyward.Recovery;
using Keyward.Scopes;
using Keyward.Settings;
using Microsoft.AspNetCore.Identity;
using OpenIddict.Abstractions;

namespace Keyward.Server.Demo;

/// <summary>One demo account as the start-up banner prints it.</summary>
public sealed record DemoAccount(string LogonName, string Group, string Role, Scope Scope, string ClientId, string ClientSecret, bool Enabled);

/// <summary>
/// The demo organisation of docs/demo.md, seeded by <c>keyward server --demo</c> on an empty database. Refuses a
/// database that holds anything else, so a demo start can never mix demo credentials into real data.
/// </summary>
public sealed class DemoOrganisation
{
    /// <summary>The demo's web password for every account. Demo only.</summary>
    public const string Password = "Demo-Pass-1!";

    public static readonly IReadOnlyList<DemoAccount> Accounts =
    [
        new("admin", "Acme", "Administrator", Scope.All, "admin-cli", "admin-secret", true),
        new("olivia", "Acme/Finance", "Recovery Operator", Scope.Division, "olivia-cli", "olivia-secret", true),
        new("victor", "Acme/Finance", "Recovery Validator", Scope.Division, "victor-cli", "victor-secret", true),
        new("vera", "Acme/Engineering", "Recovery Validator", Scope.Department, "vera-cli", "vera-secret", true),
        new("carol", "Acme/Finance/Payroll", "Cardholder", Scope.Self, "carol-cli", "carol-secret", true),
        new("dave", "Acme/Engineering", "Cardholder", Scope.Self, "dave-cli", "dave-secret", true),
        new("erin", "Acme/Finance", "Cardholder", Scope.Self, "erin-cli", "erin-secret", false),
    ];

    private static readonly Operation[] ViewAll = [Operation.ViewPerson, Operation.ViewCertificate, Operation.ViewDevice, Operation.ViewRequest];

    /// <summary>The demo's certificate policies.</summary>
    public const string EncryptionPolicy = "Encryption RSA-2048 (archived)";

    public const string SigningPolicy = "Signing RSA-2048";

    private readonly IKeywardStore _store;
    private readonly AuditTrail _audit;
    private readonly IOpenIddictApplicationManager _applications;
    private readonly TimeProvider _clock;
    private readonly CertificateService _certificates;
    private readonly CallerResolver _callers;

    public DemoOrganisation(IKeywardStore store, AuditTrail audit, IOpenIddictApplicationManager applications, TimeProvider clock, CertificateService certificates, CallerResolver callers)
    {
        _store = store;
        _audit = audit;
        _applications = applications;
        _clock = clock;
        _certificates = certificates;
        _callers = callers;
    }

    /// <summary>Seeds the organisation, or confirms it is already there.</summary>
    /// <returns>Whether anything was seeded now.</returns>
    /// <exception cref="InvalidOperationException">The database holds data that is not the demo's.</exception>
    public async Task<bool> EnsureSeededAsync(CancellationToken cancellationToken)
    {
        var settings = await _store.FirstOrDefaultAsync(_store.Settings.Where(s => s.Id == SystemSettings.SingletonId), cancellationToken).ConfigureAwait(false);
        var hasPeople = await _store.AnyAsync(_store.People, cancellationToken).ConfigureAwait(false);
        var seeded = false;
        if (settings is not { IsDemo: true })
        {
            if (hasPeople)
            {
                throw new InvalidOperationException("--demo refused: this database holds non-demo data. Use an empty data folder (--data DIR) for the demo.");
            }

            Seed(settings);
            await _audit.AppendAsync(new AuditEntry(null, "keyward", "demo.seed", AuditOutcome.Succeeded, Channel.System, "Seeded the demo organisation."), cancellationToken).ConfigureAwait(false);
            await _store.SaveChangesAsync(cancellationToken).ConfigureAwait(false);
            await IssueCredentialsAsync(cancellationToken).ConfigureAwait(false);
            seeded = true;
        }

        // Clients live in OpenIddict's application store; make sure each exists (idempotent across restarts).
        // Only the demo's own accounts: the database may have grown large since the demo was seeded.
        var logons = Accounts.Select(a => a.LogonName).ToList();
        var people = await _store.ToListAsync(_store.People.Where(p => logons.Contains(p.LogonName)), cancellationToken).ConfigureAwait(false);
        foreach (var account in Accounts)
        {
            if (await _applications.FindByClientIdAsync(account.ClientId, cancellationToken).ConfigureAwait(false) is not null)
            {
                continue;
            }

            await _applications.CreateAsync(
                new OpenIddictApplicationDescriptor
                {
                    ClientId = account.ClientId,
                    ClientSecret = account.ClientSecret,
                    ClientType = OpenIddictConstants.ClientTypes.Confidential,
                    DisplayName = $"{account.LogonName} (demo)",
                    Permissions = { OpenIddictConstants.Permissions.Endpoints.Token, OpenIddictConstants.Permissions.GrantTypes.ClientCredentials },
                },
                cancellationToken).ConfigureAwait(false);
            if (!await _store.AnyAsync(_store.ApiClients.Where(c => c.ClientId == account.ClientId), cancellationToken).ConfigureAwait(false))
            {
                var person = people.Single(p => p.LogonName == account.LogonName);
                _store.Add(new ApiClient(account.ClientId, person.Id, $"{account.LogonName} (demo)", _clock.GetUtcNow().UtcDateTime));
            }
        }

        await _store.SaveChangesAsync(cancellationToken).ConfigureAwait(false);
        return seeded;
    }

    private void Seed(SystemSettings? settings)
    {
        var acme = new Group(Ids.New(), "Acme", null);
        var finance = new Group(Ids.New(), "Finance", acme);
        var payroll = new Group(Ids.New(), "Payroll", finance);
        var engineering = new Group(Ids.New(), "Engineering", acme);
        var groups = new[] { acme, finance, payroll, engineering }.ToDictionary(g => g.Path);
        foreach (var group in groups.Values)
        {
            _store.Add(group);
        }

        var roles = new[]
        {
            BuiltInRoles.Administrator(Ids.New()),
            new Role(Ids.New(), "Recovery Operator", "Requests key recovery and collects it for people in scope.",
            [
                .. ViewAll, Operation.SearchRequests, Operation.RecoverCertificatesToNewDevice, Operation.RecoverCertificates,
                Operation.CancelRequest, Operation.CollectCard, Operation.CollectSoftCertificate, Operation.CollectUpdates,
            ]),
            new Role(Ids.New(), "Recovery Validator", "Approves or rejects key recovery requests for people in scope.",
                [.. ViewAll, Operation.SearchRequests, Operation.ValidateRequest]),
            new Role(Ids.New(), "Cardholder", "Self-service: requests and collects recovery of one's own keys.",
            [
                .. ViewAll, Operation.CollectMyCard, Operation.CollectMySoftCertificate, Operation.CollectMyUpdates, Operation.RequestMyRecovery,
            ]),
        }.ToDictionary(r => r.Name);
        foreach (var role in roles.Values)
        {
            _store.Add(role);
        }

        var hasher = new PasswordHasher<Person>();
        foreach (var account in Accounts)
        {
            // Everyone starts enabled so the demo can issue their certificates; erin is disabled afterwards.
            var person = new Person(Ids.New(), account.LogonName, Capitalise(account.LogonName), $"{account.LogonName}@acme.example", groups[account.Group].Id, true);
            person.SetPasswordHash(hasher.HashPassword(person, Password));
            person.Assign(roles[account.Role], account.Scope);
            _store.Add(person);
        }

        string[] operators = [roles["Administrator"].Id, roles["Recovery Operator"].Id];
        string[] requesters = [.. operators, roles["Cardholder"].Id];
        string[] validators = [roles["Administrator"].Id, roles["Recovery Validator"].Id];
        string[] everyone = [.. roles.Values.Select(r => r.Id)];
        foreach (var (name, encoding, approvals, location, description) in new (string, CardEncoding, int, SoftCertificateLocation?, string)[]
                 {
                     ("Key Recovery - Smart Card", CardEncoding.SmartCard, 1, null, "Recover archived keys onto a new smart card or an issued one."),
                     ("Key Recovery - Soft Certificate", CardEncoding.SoftwareCertificates, 1, SoftCertificateLocation.FileStore, "Recover archived keys as a password-protected PFX file."),
                     ("Key Recovery - System Store", CardEncoding.SoftwareCertificates, 1, SoftCertificateLocation.SystemStore, "Recover archived keys into the owner's personal certificate store."),
                     ("Key Recovery - Dual Control", CardEncoding.SoftwareCertificates, 2, SoftCertificateLocation.FileStore, "Recover archived keys as a PFX file after two distinct approvals."),
                 })
        {
            var profile = CredentialProfile.Create(Ids.New(), new CredentialProfileSettings
            {
                Name = name,
                Description = description,
                CardEncoding = encoding,
                KeyRecoveryOnly = true,
                ValidateIssuance = true,
                ApprovalsRequired = approvals,
                SoftCertificateLocation = location,
                CanRequest = requesters,
                CanValidate = validators,
                CanCollect = requesters,
                CanReceive = everyone,
                RequestExpiryDays = 14,
            });
            _store.Add(profile.Value);
        }

        _store.Add(CertificatePolicy.Create(Ids.New(), EncryptionPolicy, KeyAlgorithm.Rsa2048, KeyUsage.Encryption, 365, archiveKeys: true).Value);
        _store.Add(CertificatePolicy.Create(Ids.New(), SigningPolicy, KeyAlgorithm.Rsa2048, KeyUsage.Signing, 365, archiveKeys: false).Value);

        if (settings is null)
        {
            settings = new SystemSettings();
            _store.Add(settings);
        }

        settings.AllowSelfRequests = true;
        settings.IsDemo = true;
    }

    /// <summary>
    /// docs/demo.md#certificates-and-cards: every cardholder has a current, an expired and a revoked archived
    /// encryption certificate and a current signing certificate (from a CSR, never archived); carol and dave hold a
    /// smart card carrying their current certificates. Issued through the same use case as the API, as admin.
    /// </summary>
    private async Task IssueCredentialsAsync(CancellationToken cancellationToken)
    {
        // Only the demo's own accounts: the database may have grown large since the demo was seeded.
        var logons = Accounts.Select(a => a.LogonName).ToList();
        var people = await _store.ToListAsync(_store.People.Where(p => logons.Contains(p.LogonName)), cancellationToken).ConfigureAwait(false);
        var admin = await _callers.ResolveAsync(people.Single(p => p.LogonName == "admin").Id, cancellationToken).ConfigureAwait(false);
        var smartCard = await _store.FirstOrDefaultAsync(_store.CredentialProfiles.Where(p => p.Name == "Key Recovery - Smart Card"), cancellationToken).ConfigureAwait(false);
        var now = _clock.GetUtcNow().UtcDateTime;
        foreach (var account in Accounts.Where(a => a.Role == "Cardholder"))
        {
            var person = people.Single(p => p.LogonName == account.LogonName);
            var current = await IssueAsync(admin!, person, new IssueCertificateCommand(EncryptionPolicy, null), cancellationToken).ConfigureAwait(false);
            await IssueAsync(admin!, person, new IssueCertificateCommand(EncryptionPolicy, null, now.AddDays(-730)), cancellationToken).ConfigureAwait(false);
            var revoked = await IssueAsync(admin!, person, new IssueCertificateCommand(EncryptionPolicy, null, now.AddDays(-200)), cancellationToken).ConfigureAwait(false);
            Check(await _certificates.RevokeAsync(admin!, revoked.Id, RevocationReason.Superseded, Channel.System, cancellationToken).ConfigureAwait(false));

            // The holder makes the signing key; Keyward sees only the request. The demo throws the key away.
            using var holderKey = RSA.Create(2048);
            var csr = new CertificateRequest($"CN={person.Name}", holderKey, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1).CreateSigningRequestPem();
            var signing = await IssueAsync(admin!, person, new IssueCertificateCommand(SigningPolicy, Encoding.ASCII.GetBytes(csr)), cancellationToken).ConfigureAwait(false);

            if (account.LogonName is "carol" or "dave")
            {
                var card = new Device(Ids.New(), DeviceType.SmartCard, $"DEMO-CARD-{account.LogonName.ToUpperInvariant()}", person.Id, smartCard!.Id, now);
                _store.Add(card);
                foreach (var id in new[] { current.Id, signing.Id })
                {
                    var certificate = await _store.FirstOrDefaultAsync(_store.Certificates.Where(c => c.Id == id), cancellationToken).ConfigureAwait(false);
                    certificate!.PlaceOn(card.Id);
                }
            }

            if (!account.Enabled)
            {
                person.Update(person.Name, person.Email, person.GroupId, enabled: false);
            }
        }

        await _store.SaveChangesAsync(cancellationToken).ConfigureAwait(false);
    }

    private async Task<CertificateView> IssueAsync(AccessContext admin, Person person, IssueCertificateCommand command, CancellationToken cancellationToken) =>
        Check(await _certificates.IssueAsync(admin, person.Id, command, Channel.System, cancellationToken).ConfigureAwait(false));

    private static T Check<T>(Result<T> result) =>
        result.IsSuccess ? result.Value : throw new InvalidOperationException($"Seeding the demo failed: {result.Error.Code}: {result.Error.Detail}");

    private static string Capitalise(string logonName) => char.ToUpperInvariant(logonName[0]) + logonName[1..];
}
