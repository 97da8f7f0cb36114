using System.Collections.Concurrent;
using Keyward.Common;

namespace Keyward.Scopes;

/// <summary>
/// What every use case starts from: who is calling, and the engine that decides what they may do.
/// </summary>
public sealed record AccessContext(Caller Caller, AccessPolicy Policy)
{
    public Reach ReachFor(Operation operation) => Policy.ReachFor(Caller, operation);

    /// <summary>
    /// The logon name of another person this process already holds under the access epoch the caller was resolved in
    /// (a recent caller, from <see cref="AccessCache"/>), or null: a view that names them need not read it. A change
    /// to a logon name raises the epoch, so a name given here is as fresh as the caller.
    /// </summary>
    public Func<string, string?> KnownLogonName { get; init; } = static _ => null;

    /// <summary>
    /// The credential profiles by id as of the access epoch the caller was resolved in, when <see cref="AccessCache"/>
    /// holds them (a change to a profile raises the epoch); null when a use case must read the profile it needs. The
    /// objects are shared by every call of the epoch: read them, never change them.
    /// </summary>
    public IReadOnlyDictionary<string, Profiles.CredentialProfile>? Profiles { get; init; }
}

/// <summary>Resolves the caller and the group tree for one call, from <see cref="AccessCache"/> when one is given.</summary>
public sealed class CallerResolver
{
    private readonly IKeywardStore _store;
    private readonly AccessCache? _cache;

    /// <summary>Resolves from the database on every call (batch work, tests of storage).</summary>
    public CallerResolver(IKeywardStore store)
        : this(store, null)
    {
    }

    public CallerResolver(IKeywardStore store, AccessCache? cache)
    {
        _store = store;
        _cache = cache;
    }

    /// <summary>The access context for a person id, or null when no such person exists.</summary>
    /// <remarks>A disabled person still resolves (so refusals can be audited under their name); the engine refuses everything they ask.</remarks>
    public async Task<AccessContext?> ResolveAsync(string personId, CancellationToken cancellationToken)
    {
        if (_cache is null)
        {
            return await LoadAsync(_store, personId, cancellationToken).ConfigureAwait(false);
        }

        // The epoch is read before anything it guards, so what is cached under it is at least as new as it.
        var epoch = await _store.AccessEpochAsync(cancellationToken).ConfigureAwait(false);
        return await _cache.GetAsync(personId, epoch, cancellationToken).ConfigureAwait(false);
    }

    internal static async Task<AccessContext?> LoadAsync(IKeywardStore store, string personId, CancellationToken cancellationToken)
    {
        var person = await store.FirstOrDefaultAsync(store.People.Where(p => p.Id == personId), cancellationToken).ConfigureAwait(false);
        if (person is null)
        {
            return null;
        }

        var policy = new AccessPolicy(new GroupTree(await store.ToListAsync(store.Groups, cancellationToken).ConfigureAwait(false)));
        return await LoadCallerAsync(store, person, policy, cancellationToken).ConfigureAwait(false);
    }

    internal static async Task<AccessContext> LoadCallerAsync(IKeywardStore store, People.Person person, AccessPolicy policy, CancellationToken cancellationToken)
    {
        var roleIds = person.Assignments.Select(a => a.RoleId).ToList();
        var roles = await store.ToListAsync(store.Roles.Where(r => roleIds.Contains(r.Id)), cancellationToken).ConfigureAwait(false);
        return new AccessContext(Caller.From(person, roles.ToDictionary(r => r.Id)), policy);
    }
}

/// <summary>
/// The resolved callers, the group tree and the credential profiles of the process, valid for one access epoch
/// (docs/architecture.md, "Resolving the caller"). The database bumps the epoch in the transaction that changes a
/// person, a group, a role, a role assignment or a credential profile, whoever writes it (a trigger, so raw SQL, bulk loads and other server processes count too). A call
/// reads the epoch first and uses what was cached under the same epoch; anything older is loaded again. Disabling a
/// person therefore cuts off their tokens on the next call, in every process.
/// </summary>
/// <remarks>
/// Entries are loaded through a unit of work of their own (<see cref="IKeywardStoreFactory"/>), so the roles and
/// groups they hold are never the instances a call's own unit of work tracks and might change.
/// </remarks>
public sealed class AccessCache : IDisposable
{
    /// <summary>Callers held at most; beyond it the cache starts again (callers are operators and self-service users, not everyone).</summary>
    public const int MaxCallers = 10_000;

    private readonly IKeywardStoreFactory _stores;
    private readonly ConcurrentDictionary<string, Entry> _callers = new(StringComparer.Ordinal);
    private readonly SemaphoreSlim _treeLoad = new(1, 1);
    private volatile PolicyEntry? _policy;

    public AccessCache(IKeywardStoreFactory stores) => _stores = stores;

    /// <summary>The caller's access context as of <paramref name="epoch"/>, or null when no such person exists.</summary>
    public async Task<AccessContext?> GetAsync(string personId, long epoch, CancellationToken cancellationToken)
    {
        if (_callers.TryGetValue(personId, out var cached) && cached.Epoch == epoch)
        {
            return cached.Access;
        }

        var (policy, profiles) = await PolicyAsync(epoch, cancellationToken).ConfigureAwait(false);
        var owned = _stores.Create();
        await using (owned.ConfigureAwait(false))
        {
            var store = owned.Store;
            var person = await store.FirstOrDefaultAsync(store.People.Where(p => p.Id == personId), cancellationToken).ConfigureAwait(false);
            if (person is null)
            {
                _callers.TryRemove(personId, out _);
                return null;
            }

            var access = await CallerResolver.LoadCallerAsync(store, person, policy, cancellationToken).ConfigureAwait(false);
            access = access with { KnownLogonName = id => LogonName(id, epoch), Profiles = profiles };
            if (_callers.Count >= MaxCallers)
            {
                _callers.Clear();
            }

            _callers[personId] = new Entry(epoch, access);
            return access;
        }
    }

    /// <summary>The logon name of a caller resolved under <paramref name="epoch"/>, or null.</summary>
    private string? LogonName(string personId, long epoch) =>
        _callers.TryGetValue(personId, out var cached) && cached.Epoch == epoch ? cached.Access.Caller.LogonName : null;

    /// <summary>The group tree's policy and the credential profiles as of <paramref name="epoch"/>.</summary>
    private async Task<(AccessPolicy Policy, IReadOnlyDictionary<string, Profiles.CredentialProfile> Profiles)> PolicyAsync(long epoch, CancellationToken cancellationToken)
    {
        var current = _policy;
        if (current is not null && current.Epoch == epoch)
        {
            return (current.Policy, current.Profiles);
        }

        // One load of the tree and the profiles per epoch, however many calls miss at once.
        await _treeLoad.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            current = _policy;
            if (current is not null && current.Epoch == epoch)
            {
                return (current.Policy, current.Profiles);
            }

            var owned = _stores.Create();
            await using (owned.ConfigureAwait(false))
            {
                var groups = await owned.Store.ToListAsync(owned.Store.Groups, cancellationToken).ConfigureAwait(false);
                var profiles = (await owned.Store.ToListAsync(owned.Store.CredentialProfiles, cancellationToken).ConfigureAwait(false))
                    .ToDictionary(p => p.Id, StringComparer.Ordinal);
                var policy = new AccessPolicy(new GroupTree(groups));
                if (current is null || epoch > current.Epoch)
                {
                    _policy = new PolicyEntry(epoch, policy, profiles);
                }

                return (policy, profiles);
            }
        }
        finally
        {
            _treeLoad.Release();
        }
    }

    public void Dispose() => _treeLoad.Dispose();

    private sealed record Entry(long Epoch, AccessContext Access);

    private sealed record PolicyEntry(long Epoch, AccessPolicy Policy, IReadOnlyDictionary<string, Profiles.CredentialProfile> Profiles);
}
