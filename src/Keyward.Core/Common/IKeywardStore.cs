using Keyward.ApiClients;
using Keyward.Audit;
using Keyward.Certificates;
using Keyward.Devices;
using Keyward.Notifications;
using Keyward.People;
using Keyward.Profiles;
using Keyward.Recovery;
using Keyward.Scopes;
using Keyward.Settings;

namespace Keyward.Common;

/// <summary>
/// The unit of work through which use cases read and change Keyward's records. One instance per call;
/// not thread-safe. Queries are composed with LINQ and executed by the methods below, so the core stays
/// free of any data-access framework. Child collections (a person's assignments, a request's approvals
/// and history) are always loaded with their parent.
/// </summary>
public interface IKeywardStore
{
    IQueryable<Group> Groups { get; }

    IQueryable<Person> People { get; }

    IQueryable<Role> Roles { get; }

    IQueryable<ApiClient> ApiClients { get; }

    IQueryable<CredentialProfile> CredentialProfiles { get; }

    IQueryable<CertificatePolicy> CertificatePolicies { get; }

    IQueryable<Certificate> Certificates { get; }

    IQueryable<Device> Devices { get; }

    IQueryable<KeyArchive.ArchivedKey> ArchivedKeys { get; }

    IQueryable<CertificateAuthorityRecord> CertificateAuthorities { get; }

    IQueryable<RecoveryRequest> Requests { get; }

    IQueryable<AuditEvent> AuditEvents { get; }

    IQueryable<SystemSettings> Settings { get; }

    /// <summary>The e-mail outbox: messages staged by use cases, delivered by the dispatcher.</summary>
    IQueryable<Notification> Notifications { get; }

    /// <summary>Pending and decided changes that weaken recovery controls (<see cref="Changes.ChangeRequest"/>).</summary>
    IQueryable<Changes.ChangeRequest> ChangeRequests { get; }

    /// <summary>The leases of running server processes (<see cref="ServerLease"/>).</summary>
    IQueryable<ServerLease> ServerLeases { get; }

    /// <summary>
    /// Stages a new record. An <see cref="AuditEvent"/> is not chained yet: the save assigns its sequence number
    /// and hashes (see <see cref="SaveChangesAsync"/>).
    /// </summary>
    void Add<T>(T entity)
        where T : class;

    /// <summary>Stages the deletion of a record read through this unit of work.</summary>
    void Remove<T>(T entity)
        where T : class;

    Task<List<T>> ToListAsync<T>(IQueryable<T> query, CancellationToken cancellationToken);

    Task<T?> FirstOrDefaultAsync<T>(IQueryable<T> query, CancellationToken cancellationToken);

    /// <summary>
    /// Reads records to show them, not to change them: this unit of work does not track them (a change made to one is
    /// never saved, and saving costs nothing for them), and their child collections come in one narrow query each
    /// instead of one join that repeats the parent for every child. For pages of records with collections.
    /// </summary>
    Task<List<T>> ReadOnlyAsync<T>(IQueryable<T> query, CancellationToken cancellationToken)
        where T : class;

    Task<int> CountAsync<T>(IQueryable<T> query, CancellationToken cancellationToken);

    /// <summary>
    /// How many rows <paramref name="query"/> has, counting at most <paramref name="limit"/>: the capped counts of large
    /// lists (<see cref="Paging.CountCappedAsync{T}"/>). The limit is written into the statement as a constant, not sent
    /// as a parameter, so a database that keeps one plan for a prepared statement (PostgreSQL) plans a walk that stops
    /// after that many rows instead of guessing at an unknown limit (docs/performance.md, "A capped count's limit in
    /// its statement").
    /// </summary>
    Task<int> CountAtMostAsync<T>(IQueryable<T> query, int limit, CancellationToken cancellationToken);

    Task<bool> AnyAsync<T>(IQueryable<T> query, CancellationToken cancellationToken);

    /// <summary>
    /// The stored audit entries numbered above <paramref name="after"/> and at most <paramref name="through"/>, in
    /// sequence order, at most <paramref name="limit"/> of them, with every field as the database gives it back: the
    /// chain walk of <see cref="AuditLog"/>'s verification, which reads millions of them. Read-only; the entries are
    /// not tracked, and nothing staged in this unit of work is seen.
    /// </summary>
    Task<IReadOnlyList<AuditEntryView>> ReadAuditEntriesAsync(long after, long through, int limit, CancellationToken cancellationToken);

    /// <summary>
    /// Until the returned scope is disposed, this unit of work's reads run on plans the database makes once for any values
    /// of their parameters, instead of a plan made for each call's values: for reads whose statements cost more to plan
    /// than to run and whose best plan does not depend on those values — a search by prefix, whose statements carry a wide
    /// reach's hundreds of groups (docs/scopes.md#finding-people). On PostgreSQL the reads run in one read-only transaction
    /// with <c>plan_cache_mode</c> set for that transaction alone, which the scope ends; on SQLite, and inside a
    /// transaction already begun, nothing changes. Nothing may be saved within the scope.
    /// </summary>
    Task<IAsyncDisposable> PlanOnceAsync(CancellationToken cancellationToken);

    /// <summary>
    /// The access epoch: a number the database raises in every transaction that changes a person, a group, a role
    /// or a role assignment (<see cref="Scopes.AccessCache"/>). Read outside any staged change; cheap.
    /// </summary>
    Task<long> AccessEpochAsync(CancellationToken cancellationToken);

    /// <summary>
    /// Saves every staged change in one transaction. When audit entries are staged, the transaction first takes
    /// the trail's database-wide lock, reads the trail's tail and chains the entries after it in the order they
    /// were added (<see cref="AuditEvent.ChainAfter(long, string)"/>): concurrent units of work, in one process or several,
    /// append one after the other and never collide on a sequence number.
    /// </summary>
    /// <exception cref="ConcurrencyConflictException">
    /// A guarded row changed since it was read, or a unique key collided. Nothing of the unit of work is saved,
    /// its audit entries included.
    /// </exception>
    Task SaveChangesAsync(CancellationToken cancellationToken);

    /// <summary>Whether <paramref name="entity"/> was added in this unit of work and is not yet saved or discarded.</summary>
    bool IsPendingAdd(object entity);

    /// <summary>Forgets staged changes (after a refused step, so nothing half-made is saved later).</summary>
    void DiscardChanges();
}

/// <summary>Makes units of work outside a call's own (background jobs, batch work such as rotation).</summary>
public interface IKeywardStoreFactory
{
    OwnedStore Create();
}

/// <summary>A unit of work that its creator disposes.</summary>
public sealed class OwnedStore(IKeywardStore store, IAsyncDisposable owner) : IAsyncDisposable
{
    public IKeywardStore Store { get; } = store;

    public ValueTask DisposeAsync() => owner.DisposeAsync();
}
