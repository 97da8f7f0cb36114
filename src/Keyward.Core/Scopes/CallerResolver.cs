using Keyward.Common;

namespace Keyward.Scopes;

/// <summary>
/// What every use case starts from: who is calling, and the engine that decides what they may do.
/// </summary>
public sealed record AccessContext(Caller Caller, AccessPolicy Policy)
{
    public Reach ReachFor(Operation operation) => Policy.ReachFor(Caller, operation);
}

/// <summary>Loads the caller and the group tree for one call.</summary>
public sealed class CallerResolver
{
    private readonly IKeywardStore _store;

    public CallerResolver(IKeywardStore store) => _store = store;

    /// <summary>The access context for a person id, or null when no such person exists.</summary>
    /// <remarks>A disabled person still resolves (so refusals can be audited under their name); the engine refuses everything they ask.</remarks>
    public async Task<AccessContext?> ResolveAsync(string personId, CancellationToken cancellationToken)
    {
        var person = await _store.FirstOrDefaultAsync(_store.People.Where(p => p.Id == personId), cancellationToken).ConfigureAwait(false);
        if (person is null)
        {
            return null;
        }

        var roleIds = person.Assignments.Select(a => a.RoleId).ToList();
        var roles = await _store.ToListAsync(_store.Roles.Where(r => roleIds.Contains(r.Id)), cancellationToken).ConfigureAwait(false);
        var groups = await _store.ToListAsync(_store.Groups, cancellationToken).ConfigureAwait(false);
        return new AccessContext(Caller.From(person, roles.ToDictionary(r => r.Id)), new AccessPolicy(new GroupTree(groups)));
    }
}
