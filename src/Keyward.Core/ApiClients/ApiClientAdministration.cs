using System.Text.RegularExpressions;
using Keyward.Audit;
using Keyward.Common;
using Keyward.People;
using Keyward.Recovery;
using Keyward.Scopes;

namespace Keyward.ApiClients;

/// <summary>An API client as the Core API lists it (never its secret).</summary>
public sealed record ApiClientView(string ClientId, string PersonId, string DisplayName, DateTime CreatedAt);

/// <summary>A client's new secret: in this one answer only; Keyward keeps its hash.</summary>
public sealed record IssuedClientSecret(string ClientId, string PersonId, string ClientSecret);

/// <summary>A client to register: for a person (id or logon name), with an optional client id and display name.</summary>
public sealed record NewApiClient(string? Person, string? ClientId, string? DisplayName);

/// <summary>
/// Registers API clients and rotates their secrets (ManageClients, the person in scope), audited. A client acts as
/// its person with all their roles, so one may be made for someone else only if the caller's own powers cover theirs
/// (<see cref="AccessPolicy.FirstPowerNotCovered"/>): nobody mints a credential that can do more than they can. The secret is generated, shown once, and stored only hashed by the token server.
/// </summary>
public sealed partial class ApiClientAdministration
{
    private readonly IKeywardStore _store;
    private readonly AuditedChange _steps;
    private readonly IClientRegistrations _registrations;
    private readonly TimeProvider _clock;

    public ApiClientAdministration(IKeywardStore store, AuditedChange steps, IClientRegistrations registrations, TimeProvider clock)
    {
        _store = store;
        _steps = steps;
        _registrations = registrations;
        _clock = clock;
    }

    public async Task<Result<IReadOnlyList<ApiClientView>>> ListAsync(AccessContext access, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(access);
        if (!access.Caller.Holds(Operation.ManageClients))
        {
            return ClientErrors.Forbidden;
        }

        var reach = access.ReachFor(Operation.ManageClients);
        var clients = await _store.ToListAsync(_store.ApiClients.OrderBy(c => c.ClientId), cancellationToken).ConfigureAwait(false);
        var people = (await _store.ToListAsync(_store.People, cancellationToken).ConfigureAwait(false)).ToDictionary(p => p.Id);
        return clients
            .Where(c => people.TryGetValue(c.PersonId, out var p) && reach.Covers(p.Id, p.GroupId))
            .Select(c => new ApiClientView(c.ClientId, c.PersonId, c.DisplayName, c.CreatedAt))
            .ToList();
    }

    public async Task<Result<IssuedClientSecret>> CreateAsync(AccessContext access, NewApiClient request, Channel channel, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(access);
        string? registered = null;
        var result = await _steps.RunAsync<IssuedClientSecret>(access, "clients.create", channel, ClientErrors.IdTaken, async () =>
        {
            var reference = request?.Person?.Trim() ?? string.Empty;
            var lowered = reference.ToLowerInvariant();
            var person = await _store.FirstOrDefaultAsync(_store.People.Where(p => p.Id == reference || p.LogonName == lowered), cancellationToken).ConfigureAwait(false);
            if (await RefusalAsync(access, person, cancellationToken).ConfigureAwait(false) is { } refused)
            {
                return refused;
            }

            var clientId = request!.ClientId?.Trim() ?? $"{person!.LogonName}-{ClientSecret.New()[..6].ToLowerInvariant()}";
            var displayName = request.DisplayName?.Trim() ?? $"{person!.LogonName} ({clientId})";
            if (!ClientIdPattern().IsMatch(clientId) || displayName.Length > 200 || displayName.Any(char.IsControl))
            {
                return ClientErrors.Invalid;
            }

            if (await _store.AnyAsync(_store.ApiClients.Where(c => c.ClientId == clientId), cancellationToken).ConfigureAwait(false)
                || await _registrations.ExistsAsync(clientId, cancellationToken).ConfigureAwait(false))
            {
                return ClientErrors.IdTaken.WithDetail($"The client id '{clientId}' is taken.");
            }

            var secret = ClientSecret.New();
            await _registrations.CreateAsync(clientId, secret, displayName, cancellationToken).ConfigureAwait(false);
            registered = clientId;
            _store.Add(new ApiClient(clientId, person!.Id, displayName, _clock.GetUtcNow().UtcDateTime));
            return new AuditedOutcome<IssuedClientSecret>(new IssuedClientSecret(clientId, person.Id, secret), clientId,
                $"Registered API client '{clientId}' acting as {person.LogonName}; its secret was shown once.", person.Id);
        }, cancellationToken).ConfigureAwait(false);

        if (!result.IsSuccess && registered is { } orphan)
        {
            // The binding was not saved: without it the registration gets no token, and it goes too.
            await _registrations.DeleteAsync(orphan, CancellationToken.None).ConfigureAwait(false);
        }

        return result;
    }

    /// <summary>Gives the client a new secret; the old one stops working at once.</summary>
    public Task<Result<IssuedClientSecret>> RotateSecretAsync(AccessContext access, string clientId, Channel channel, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(access);
        return _steps.RunAsync<IssuedClientSecret>(access, "clients.rotate_secret", channel, ClientErrors.IdTaken, async () =>
        {
            var client = await _store.FirstOrDefaultAsync(_store.ApiClients.Where(c => c.ClientId == clientId), cancellationToken).ConfigureAwait(false);
            var person = client is null ? null : await _store.FirstOrDefaultAsync(_store.People.Where(p => p.Id == client.PersonId), cancellationToken).ConfigureAwait(false);
            if (client is null || person is null)
            {
                return ClientErrors.NotFound;
            }

            if (await RefusalAsync(access, person, cancellationToken).ConfigureAwait(false) is { } refused)
            {
                return refused == PeopleErrors.NotFound ? ClientErrors.NotFound : refused;
            }

            var secret = ClientSecret.New();
            await _registrations.SetSecretAsync(client.ClientId, secret, cancellationToken).ConfigureAwait(false);
            return new AuditedOutcome<IssuedClientSecret>(new IssuedClientSecret(client.ClientId, person.Id, secret), client.ClientId,
                $"Rotated the secret of API client '{client.ClientId}' acting as {person.LogonName}; the old secret no longer works, the new one was shown once.", person.Id);
        }, cancellationToken);
    }

    /// <summary>Why the caller may not hold a client for <paramref name="person"/>, or null when they may.</summary>
    private async Task<Error?> RefusalAsync(AccessContext access, Person? person, CancellationToken cancellationToken)
    {
        if (person is null || !access.Policy.Sees(access.Caller, PersonRef.From(person), Operation.ViewPerson, Operation.ManageClients))
        {
            return PeopleErrors.NotFound;
        }

        var target = PersonRef.From(person);
        if (access.Policy.Decide(access.Caller, Operation.ManageClients, target) is not (AccessDecision.Allowed or AccessDecision.TargetDisabled))
        {
            return ClientErrors.Forbidden;
        }

        if (person.Id == access.Caller.PersonId)
        {
            return null;
        }

        var roleIds = person.Assignments.Select(a => a.RoleId).ToList();
        var roles = (await _store.ToListAsync(_store.Roles.Where(r => roleIds.Contains(r.Id)), cancellationToken).ConfigureAwait(false)).ToDictionary(r => r.Id);
        var beyond = access.Policy.FirstPowerNotCovered(access.Caller, Caller.From(person, roles));
        return beyond is { } operation
            ? ClientErrors.PowersNotHeld.WithDetail($"{person.LogonName} may perform {operation} on people you may not; a client acting as them would give you more than you hold.")
            : null;
    }

    [GeneratedRegex("^[A-Za-z0-9._-]{3,100}$", RegexOptions.CultureInvariant)]
    private static partial Regex ClientIdPattern();
}
