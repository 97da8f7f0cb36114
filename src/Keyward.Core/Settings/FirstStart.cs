using Keyward.ApiClients;
using Keyward.Audit;
using Keyward.Common;
using Keyward.People;
using Keyward.People.Import;
using Keyward.Recovery;
using Keyward.Scopes;

namespace Keyward.Settings;

/// <summary>The first administrator as <c>keyward server init</c> is given it.</summary>
public sealed record FirstAdministrator(string? LogonName, string? Name, string? Email, string? Group, string? ClientId);

/// <summary>What the first start made; <see cref="ClientSecret"/> is shown once and kept only hashed.</summary>
public sealed record FirstStartOutcome(string PersonId, string LogonName, string GroupPath, string RoleId, string ClientId, string ClientSecret);

/// <summary>
/// The first start of a real deployment (docs/operations.md#first-start): on a database that holds no one, creates
/// the Administrator role (every operation), the first administrator holding it with scope All, in their group, and
/// their API client. Refused on a database initialised before, seeded with the demo, or holding people — the
/// database's own fact (<see cref="SystemSettings.InitialisedAt"/>, whose single row two racing inits cannot both
/// insert) — and then nothing is written. Audited as <c>setup.init</c>.
/// </summary>
public sealed class FirstStart
{
    private readonly IKeywardStore _store;
    private readonly AuditTrail _audit;
    private readonly IClientRegistrations _registrations;
    private readonly TimeProvider _clock;

    public FirstStart(IKeywardStore store, AuditTrail audit, IClientRegistrations registrations, TimeProvider clock)
    {
        _store = store;
        _audit = audit;
        _registrations = registrations;
        _clock = clock;
    }

    public async Task<Result<FirstStartOutcome>> RunAsync(FirstAdministrator administrator, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(administrator);
        var settings = await _store.FirstOrDefaultAsync(_store.Settings.Where(s => s.Id == SystemSettings.SingletonId), cancellationToken).ConfigureAwait(false);
        if (settings is { InitialisedAt: not null } or { IsDemo: true } || await _store.AnyAsync(_store.People, cancellationToken).ConfigureAwait(false))
        {
            return SetupErrors.AlreadyInitialised;
        }

        var row = PeopleImporter.Check(new ImportRow("The administrator", administrator.LogonName, administrator.Name ?? administrator.LogonName, administrator.Email, administrator.Group, "true"));
        if (!row.IsSuccess)
        {
            return SetupErrors.Invalid.WithDetail(row.Error.Detail);
        }

        var admin = row.Value;
        var clientId = administrator.ClientId?.Trim() ?? $"{admin.LogonName}-cli";
        if (clientId.Length is < 3 or > 100 || !clientId.All(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '-'))
        {
            return SetupErrors.Invalid.WithDetail("A client id is 3 to 100 letters, digits, '.', '_' or '-'.");
        }

        var now = _clock.GetUtcNow().UtcDateTime;
        Group? group = null;
        foreach (var name in admin.GroupPath.Split(Group.PathSeparator))
        {
            var path = group is null ? name : group.Path + Group.PathSeparator + name;
            group = await _store.FirstOrDefaultAsync(_store.Groups.Where(g => g.Path == path), cancellationToken).ConfigureAwait(false)
                    ?? Added(new Group(Ids.New(), name, group));
        }

        var role = await _store.FirstOrDefaultAsync(_store.Roles.Where(r => r.Name == BuiltInRoles.AdministratorName), cancellationToken).ConfigureAwait(false)
                   ?? Added(BuiltInRoles.Administrator(Ids.New()));
        var person = Added(new Person(Ids.New(), admin.LogonName, admin.Name, admin.Email, group!.Id, enabled: true));
        person.Assign(role, Scope.All);
        if (settings is null)
        {
            settings = Added(new SystemSettings());
        }

        settings.MarkInitialised(now);

        // The token server's register saves at once; a leftover of an init that failed later is replaced.
        var secret = ClientSecret.New();
        if (await _registrations.ExistsAsync(clientId, cancellationToken).ConfigureAwait(false))
        {
            await _registrations.SetSecretAsync(clientId, secret, cancellationToken).ConfigureAwait(false);
        }
        else
        {
            await _registrations.CreateAsync(clientId, secret, $"{admin.LogonName} (administrator)", cancellationToken).ConfigureAwait(false);
        }

        _store.Add(new ApiClient(clientId, person.Id, $"{admin.LogonName} (administrator)", now));
        await _audit.AppendAsync(
            new AuditEntry(person.Id, "keyward", "setup.init", AuditOutcome.Succeeded, Channel.System,
                $"Initialised: the first administrator {admin.LogonName} ({admin.Email}) holds {role.Name} with scope All, in group {group.Path}; API client '{clientId}' (its secret was shown once).",
                person.Id, person.Id),
            cancellationToken).ConfigureAwait(false);
        try
        {
            await _store.SaveChangesAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (ConcurrencyConflictException)
        {
            // Another init saved first: its settings row (or the logon name) is taken.
            _store.DiscardChanges();
            return SetupErrors.AlreadyInitialised;
        }

        return new FirstStartOutcome(person.Id, person.LogonName, group.Path, role.Id, clientId, secret);

        T Added<T>(T entity)
            where T : class
        {
            _store.Add(entity);
            return entity;
        }
    }
}
