using Keyward.ApiClients;
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
/// The demo organisation of SPEC §9, seeded by <c>keyward server --demo</c> on an empty database. Refuses a
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

    private readonly IKeywardStore _store;
    private readonly AuditTrail _audit;
    private readonly IOpenIddictApplicationManager _applications;
    private readonly TimeProvider _clock;

    public DemoOrganisation(IKeywardStore store, AuditTrail audit, IOpenIddictApplicationManager applications, TimeProvider clock)
    {
        _store = store;
        _audit = audit;
        _applications = applications;
        _clock = clock;
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
            seeded = true;
        }

        // Clients live in OpenIddict's application store; make sure each exists (idempotent across restarts).
        var people = await _store.ToListAsync(_store.People, cancellationToken).ConfigureAwait(false);
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
            new Role(Ids.New(), "Administrator", "Every operation.", Operations.All),
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
            var person = new Person(Ids.New(), account.LogonName, Capitalise(account.LogonName), $"{account.LogonName}@acme.example", groups[account.Group].Id, account.Enabled);
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

        if (settings is null)
        {
            settings = new SystemSettings();
            _store.Add(settings);
        }

        settings.AllowSelfRequests = true;
        settings.IsDemo = true;
    }

    private static string Capitalise(string logonName) => char.ToUpperInvariant(logonName[0]) + logonName[1..];
}
