using Keyward.ApiClients;
using Keyward.Audit;
using Keyward.Certificates;
using Keyward.Common;
using Keyward.Devices;
using Keyward.Notifications;
using Keyward.People;
using Keyward.Profiles;
using Keyward.Recovery;
using Keyward.Scopes;
using Keyward.Settings;

namespace Keyward.Tests.Support;

/// <summary>
/// A list-backed <see cref="IKeywardStore"/> for use-case rules that do not depend on storage (storage has its
/// own tests on real databases). <see cref="Add{T}"/> stages; <see cref="SaveChangesAsync"/> makes staged
/// records visible, chaining audit entries after the trail's tail in the order they were added;
/// <see cref="DiscardChanges"/> forgets them. Changes made to loaded objects are not undone.
/// </summary>
internal sealed class InMemoryKeywardStore : IKeywardStore
{
    private readonly Dictionary<Type, object> _sets = [];
    private readonly List<Action> _staged = [];
    private readonly HashSet<object> _pending = new(ReferenceEqualityComparer.Instance);

    public int Saves { get; private set; }

    /// <summary>
    /// Runs before each save; throwing from it fails that save as a lost race would on a real database: the staged
    /// records are forgotten (changes made to loaded objects stay).
    /// </summary>
    public Action? BeforeSave { get; set; }

    public IQueryable<Group> Groups => Set<Group>().AsQueryable();

    public IQueryable<Person> People => Set<Person>().AsQueryable();

    public IQueryable<Role> Roles => Set<Role>().AsQueryable();

    public IQueryable<ApiClient> ApiClients => Set<ApiClient>().AsQueryable();

    public IQueryable<CredentialProfile> CredentialProfiles => Set<CredentialProfile>().AsQueryable();

    public IQueryable<CertificatePolicy> CertificatePolicies => Set<CertificatePolicy>().AsQueryable();

    public IQueryable<Certificate> Certificates => Set<Certificate>().AsQueryable();

    public IQueryable<Device> Devices => Set<Device>().AsQueryable();

    public IQueryable<Keyward.KeyArchive.ArchivedKey> ArchivedKeys => Set<Keyward.KeyArchive.ArchivedKey>().AsQueryable();

    public IQueryable<CertificateAuthorityRecord> CertificateAuthorities => Set<CertificateAuthorityRecord>().AsQueryable();

    public IQueryable<RecoveryRequest> Requests => Set<RecoveryRequest>().AsQueryable();

    public IQueryable<AuditEvent> AuditEvents => Set<AuditEvent>().AsQueryable();

    public IQueryable<SystemSettings> Settings => Set<SystemSettings>().AsQueryable();

    public IQueryable<Notification> Notifications => Set<Notification>().AsQueryable();

    public IQueryable<ServerLease> ServerLeases => Set<ServerLease>().AsQueryable();

    public IQueryable<Keyward.Changes.ChangeRequest> ChangeRequests => Set<Keyward.Changes.ChangeRequest>().AsQueryable();

    /// <summary>Puts records in the store as if saved earlier.</summary>
    public void Seed<T>(params IEnumerable<T> entities) => Set<T>().AddRange(entities);

    public void Add<T>(T entity)
        where T : class
    {
        _pending.Add(entity);
        if (entity is AuditEvent audit)
        {
            // Chained when saved, after whatever is the tail then, like the real store.
            _staged.Add(() =>
            {
                var trail = Set<AuditEvent>();
                audit.ChainAfter(trail.Count == 0 ? null : trail.MaxBy(e => e.Sequence));
                trail.Add(audit);
            });
            return;
        }

        _staged.Add(() => Set<T>().Add(entity));
    }

    public void Remove<T>(T entity)
        where T : class => _staged.Add(() => Set<T>().Remove(entity));

    public bool IsPendingAdd(object entity) => _pending.Contains(entity);

    public Task<IReadOnlyList<AuditEntryView>> ReadAuditEntriesAsync(long after, long through, int limit, CancellationToken cancellationToken) =>
        Task.FromResult<IReadOnlyList<AuditEntryView>>(AuditEvents.Where(e => e.Sequence > after && e.Sequence <= through).OrderBy(e => e.Sequence).Take(limit)
            .Select(e => new AuditEntryView(e.Sequence, e.At, e.ActorId, e.ActorName, e.Action, e.Outcome, e.Code, e.SubjectId, e.TargetId, e.Details, e.Channel, e.Hash, e.PreviousHash))
            .ToList());

    public Task<List<T>> ToListAsync<T>(IQueryable<T> query, CancellationToken cancellationToken) => Task.FromResult(query.ToList());

    public Task<T?> FirstOrDefaultAsync<T>(IQueryable<T> query, CancellationToken cancellationToken) => Task.FromResult(query.FirstOrDefault());

    public Task<List<T>> ReadOnlyAsync<T>(IQueryable<T> query, CancellationToken cancellationToken)
        where T : class => Task.FromResult(query.ToList());

    public Task<int> CountAsync<T>(IQueryable<T> query, CancellationToken cancellationToken) => Task.FromResult(query.Count());

    public Task<int> CountAtMostAsync<T>(IQueryable<T> query, int limit, CancellationToken cancellationToken) => Task.FromResult(query.Take(limit).Count());

    public Task<bool> AnyAsync<T>(IQueryable<T> query, CancellationToken cancellationToken) => Task.FromResult(query.Any());

    /// <summary>Every save counts as a change of access (the list store has no triggers to tell).</summary>
    public Task<long> AccessEpochAsync(CancellationToken cancellationToken) => Task.FromResult((long)Saves);

    /// <summary>Lists have no plans: the scope changes nothing.</summary>
    public Task<IAsyncDisposable> PlanOnceAsync(CancellationToken cancellationToken) => Task.FromResult<IAsyncDisposable>(NoScope.Instance);

    private sealed class NoScope : IAsyncDisposable
    {
        public static readonly NoScope Instance = new();

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }

    public Task SaveChangesAsync(CancellationToken cancellationToken)
    {
        try
        {
            BeforeSave?.Invoke();
        }
        catch
        {
            DiscardChanges();
            throw;
        }

        _staged.ForEach(apply => apply());
        _staged.Clear();
        _pending.Clear();
        Saves++;
        return Task.CompletedTask;
    }

    public void DiscardChanges()
    {
        _staged.Clear();
        _pending.Clear();
    }

    private List<T> Set<T>()
    {
        if (!_sets.TryGetValue(typeof(T), out var set))
        {
            _sets[typeof(T)] = set = new List<T>();
        }

        return (List<T>)set;
    }
}
