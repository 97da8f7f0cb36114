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
using System.Data;
using System.Linq.Expressions;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Storage;

namespace Keyward.Storage;

/// <summary>The core's unit of work over EF Core. Scoped: one per call.</summary>
/// <remarks>
/// Audit entries wait in a list of their own, outside the change tracker, until <see cref="SaveChangesAsync"/>
/// chains them under the trail's lock (see <see cref="AuditTrailLock"/>): until then they have no sequence
/// number, which is their key.
/// </remarks>
internal sealed class EfKeywardStore : IKeywardStore, IDisposable, IAsyncDisposable
{
    private readonly KeywardDbContext _db;
    private readonly NotificationSignal _notifications;
    private readonly List<AuditEvent> _pendingAudit = [];

    private readonly WriteGate _writes;

    // Whether this unit of work holds its connection open (HoldAsync).
    private bool _holdsConnection;

    public EfKeywardStore(KeywardDbContext db, NotificationSignal notifications, WriteGate writes)
    {
        _db = db;
        _notifications = notifications;
        _writes = writes;

    }

    /// <summary>
    /// A unit of work opens its connection at its first statement and holds it until it ends, instead of EF Core's
    /// open and close around each statement. A pooled connection is cheap to open but not free. On SQLite, EF Core's
    /// provider gives each connection a dozen functions of its own, which Microsoft.Data.Sqlite registers with SQLite
    /// at every open and removes at every close — a seventh of the server's allocations on the recovery flow
    /// (docs/performance.md). On PostgreSQL, Npgsql resets a connection that went back to its pool before its next
    /// command. A connection held open takes no lock between statements: each runs in its own transaction as before.
    /// </summary>
    private ValueTask HoldAsync(CancellationToken cancellationToken) =>
        _holdsConnection ? ValueTask.CompletedTask : OpenAsync(cancellationToken);

    private async ValueTask OpenAsync(CancellationToken cancellationToken)
    {
        await _db.Database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        _holdsConnection = true;
    }

    public void Dispose()
    {
        if (_holdsConnection)
        {
            _holdsConnection = false;
            _db.Database.CloseConnection();
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_holdsConnection)
        {
            _holdsConnection = false;
            await _db.Database.CloseConnectionAsync().ConfigureAwait(false);
        }
    }

    public IQueryable<Group> Groups => _db.Groups;

    public IQueryable<Person> People => _db.People;

    public IQueryable<Role> Roles => _db.Roles;

    public IQueryable<ApiClient> ApiClients => _db.ApiClients;

    public IQueryable<CredentialProfile> CredentialProfiles => _db.CredentialProfiles;

    public IQueryable<CertificatePolicy> CertificatePolicies => _db.CertificatePolicies;

    public IQueryable<Certificate> Certificates => _db.Certificates;

    public IQueryable<Device> Devices => _db.Devices;

    public IQueryable<KeyArchive.ArchivedKey> ArchivedKeys => _db.ArchivedKeys;

    public IQueryable<CertificateAuthorityRecord> CertificateAuthorities => _db.CertificateAuthorities;

    /// <summary>
    /// Requests with their four owned lists (certificates, claims, approvals, history), each read by a query of its own.
    /// One query joining the four returns certificates × claims × approvals × history rows — 20 certificates made 400
    /// rows per history entry, and loading one request cost more than the rest of a collection step together
    /// (docs/performance.md, "After cheaper begin and complete"). A request that changed between the queries is caught
    /// by its concurrency stamp when it is saved.
    /// </summary>
    public IQueryable<RecoveryRequest> Requests => _db.Requests.AsSplitQuery();

    public IQueryable<AuditEvent> AuditEvents => _db.AuditEvents;

    public IQueryable<SystemSettings> Settings => _db.Settings;

    public IQueryable<Notification> Notifications => _db.Notifications;

    public IQueryable<ServerLease> ServerLeases => _db.ServerLeases;

    public IQueryable<Changes.ChangeRequest> ChangeRequests => _db.ChangeRequests;

    public void Add<T>(T entity)
        where T : class
    {
        if (entity is AuditEvent audit)
        {
            _pendingAudit.Add(audit);
            return;
        }

        _db.Add(entity);
    }

    public void Remove<T>(T entity)
        where T : class => _db.Remove(entity);

    public async Task<List<T>> ToListAsync<T>(IQueryable<T> query, CancellationToken cancellationToken)
    {
        await HoldAsync(cancellationToken).ConfigureAwait(false);
        return await EntityFrameworkQueryableExtensions.ToListAsync(query, cancellationToken).ConfigureAwait(false);
    }

    public async Task<T?> FirstOrDefaultAsync<T>(IQueryable<T> query, CancellationToken cancellationToken)
    {
        await HoldAsync(cancellationToken).ConfigureAwait(false);
        return await EntityFrameworkQueryableExtensions.FirstOrDefaultAsync(query, cancellationToken).ConfigureAwait(false);
    }

    public async Task<List<T>> ReadOnlyAsync<T>(IQueryable<T> query, CancellationToken cancellationToken)
        where T : class
    {
        await HoldAsync(cancellationToken).ConfigureAwait(false);
        return await EntityFrameworkQueryableExtensions.ToListAsync(RelationalQueryableExtensions.AsSplitQuery(EntityFrameworkQueryableExtensions.AsNoTracking(query)), cancellationToken).ConfigureAwait(false);
    }

    public async Task<int> CountAsync<T>(IQueryable<T> query, CancellationToken cancellationToken)
    {
        await HoldAsync(cancellationToken).ConfigureAwait(false);
        return await EntityFrameworkQueryableExtensions.CountAsync(query, cancellationToken).ConfigureAwait(false);
    }

    public async Task<int> CountAtMostAsync<T>(IQueryable<T> query, int limit, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(query);
        await HoldAsync(cancellationToken).ConfigureAwait(false);

        // query.Take(EF.Constant(limit)), built as a tree: EF Core makes the count of a Take written in C# a parameter,
        // since C# evaluates EF.Constant before the query sees it; inside the tree, EF.Constant keeps it a constant.
        var limited = query.Provider.CreateQuery<T>(Expression.Call(
            null,
            new Func<IQueryable<T>, int, IQueryable<T>>(Queryable.Take).Method,
            query.Expression,
            Expression.Call(new Func<int, int>(EF.Constant).Method, Expression.Constant(limit))));
        return await EntityFrameworkQueryableExtensions.CountAsync(limited, cancellationToken).ConfigureAwait(false);
    }

    public async Task<bool> AnyAsync<T>(IQueryable<T> query, CancellationToken cancellationToken)
    {
        await HoldAsync(cancellationToken).ConfigureAwait(false);
        return await EntityFrameworkQueryableExtensions.AnyAsync(query, cancellationToken).ConfigureAwait(false);
    }

    public async Task<IReadOnlyList<AuditEntryView>> ReadAuditEntriesAsync(long after, long through, int limit, CancellationToken cancellationToken)
    {
        await HoldAsync(cancellationToken).ConfigureAwait(false);
        return await AuditEntryReader.ReadAsync(_db, after, through, limit, cancellationToken).ConfigureAwait(false);
    }

    /// <remarks>
    /// Read on every authenticated call (docs/architecture.md, "Resolving the caller"), so as one command of EF Core's
    /// (logged and intercepted like any other) rather than a LINQ query: a query's executor, compiled or not, makes
    /// its shaper's delegates again on every run, and for this one-column, one-row read that was most of the read's
    /// cost and a quarter of an authenticated read's (docs/performance.md, "Accepted tokens remembered, the access epoch as one command, and a reach's filters kept").
    /// </remarks>
    public async Task<long> AccessEpochAsync(CancellationToken cancellationToken)
    {
        await HoldAsync(cancellationToken).ConfigureAwait(false);
        var command = _db.GetService<IRawSqlCommandBuilder>().Build(AccessEpoch.Select(_db));
        var value = await command.ExecuteScalarAsync(
            new RelationalCommandParameterObject(_db.GetService<IRelationalConnection>(), null, null, _db, _db.GetService<IRelationalCommandDiagnosticsLogger>()),
            cancellationToken).ConfigureAwait(false);
        return Convert.ToInt64(value, System.Globalization.CultureInfo.InvariantCulture);
    }

    /// <remarks>
    /// PostgreSQL plans a prepared statement anew for each call's values while it expects that plan to be cheaper than one
    /// made for any values, and counts nothing for the planning itself. A wide reach's search planned per call spent
    /// 2.3 ms planning each of its two statements — the selectivity of each of a Division's 782 groups, twice — for an
    /// index walk that the plan made once chooses too (docs/performance.md, "A search planned once"). The setting
    /// lasts as long as the transaction, so a connection goes back to its pool as it came.
    /// </remarks>
    public async Task<IAsyncDisposable> PlanOnceAsync(CancellationToken cancellationToken)
    {
        if (!_db.Database.IsNpgsql() || _db.Database.CurrentTransaction is not null)
        {
            return NoPlanScope.Instance;
        }

        await HoldAsync(cancellationToken).ConfigureAwait(false);
        var transaction = await _db.Database.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await _db.Database.ExecuteSqlRawAsync("SET TRANSACTION READ ONLY; SET LOCAL plan_cache_mode = force_generic_plan", cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            await transaction.DisposeAsync().ConfigureAwait(false);
            throw;
        }

        return new PlanScope(transaction);
    }

    /// <summary>Ends the read-only transaction of <see cref="PlanOnceAsync"/>: rolled back, as it wrote nothing.</summary>
    private sealed class PlanScope(IDbContextTransaction transaction) : IAsyncDisposable
    {
        public ValueTask DisposeAsync() => transaction.DisposeAsync();
    }

    private sealed class NoPlanScope : IAsyncDisposable
    {
        public static readonly NoPlanScope Instance = new();

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }

    public async Task SaveChangesAsync(CancellationToken cancellationToken)
    {
        // One scan of the tracked entities per save: each ChangeTracker.Entries call below and SaveChanges itself
        // would scan them all again otherwise.
        var detecting = _db.ChangeTracker.AutoDetectChangesEnabled;
        if (detecting)
        {
            _db.ChangeTracker.DetectChanges();
        }

        _db.ChangeTracker.AutoDetectChangesEnabled = false;
        try
        {
            await SaveDetectedAsync(cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _db.ChangeTracker.AutoDetectChangesEnabled = detecting;
        }
    }

    private async Task SaveDetectedAsync(CancellationToken cancellationToken)
    {
        // A saved notification wakes this process's dispatcher at once; it reads the row the commit made.
        var notifies = _db.ChangeTracker.Entries<Notification>().Any(e => e.State == EntityState.Added);
        var steps = RecoverySteps();
        await HoldAsync(cancellationToken).ConfigureAwait(false);
        using var writing = await _writes.EnterAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_pendingAudit.Count == 0)
            {
                await _db.SaveChangesAsync(cancellationToken).ConfigureAwait(false);
            }
            else
            {
                await SaveWithAuditAsync(cancellationToken).ConfigureAwait(false);
            }
        }
        catch (DbUpdateConcurrencyException ex)
        {
            Forget();
            throw new ConcurrencyConflictException("The record was changed by someone else; read it again.", ex);
        }
        catch (DbUpdateException ex) when (IsUniqueViolation(ex))
        {
            Forget();
            throw new ConcurrencyConflictException("A record with the same key was saved by someone else.", ex);
        }

        if (notifies)
        {
            _notifications.Poke();
        }

        KeywardMetrics.RecordCommitted(steps);
    }

    public bool IsPendingAdd(object entity) =>
        entity is AuditEvent audit ? _pendingAudit.Contains(audit) : _db.Entry(entity).State == EntityState.Added;

    public void DiscardChanges()
    {
        _pendingAudit.Clear();
        foreach (var entry in _db.ChangeTracker.Entries().Where(e => e.State != EntityState.Unchanged).ToList())
        {
            entry.State = entry.State == EntityState.Added ? EntityState.Detached : EntityState.Unchanged;
            if (entry.State == EntityState.Unchanged)
            {
                entry.Reload();
            }
        }
    }

    /// <summary>
    /// Saves the unit of work with its audit entries in one transaction that holds the trail's lock from before
    /// the tail is read until the commit, so the entries are chained after what is really the last entry.
    /// </summary>
    private async Task SaveWithAuditAsync(CancellationToken cancellationToken)
    {
        var transaction = _db.Database.CurrentTransaction is null
            ? await AuditTrailLock.BeginAsync(_db, cancellationToken).ConfigureAwait(false)
            : null;
        try
        {
            // The lock first, then the tail as of after it (in one round trip on PostgreSQL); inside a transaction someone
            // else began as well.
            var (sequence, hash) = await AuditTrailLock.LockAndReadTailAsync(_db, cancellationToken).ConfigureAwait(false) ?? (0, AuditEvent.GenesisHash);
            foreach (var entry in _pendingAudit)
            {
                entry.ChainAfter(sequence, hash);
                (sequence, hash) = (entry.Sequence, entry.Hash);
            }

            _db.AuditEvents.AddRange(_pendingAudit);

            // Changes are accepted only once committed: a failed commit leaves the unit of work as it was.
            await _db.SaveChangesAsync(acceptAllChangesOnSuccess: false, cancellationToken).ConfigureAwait(false);
            if (transaction is not null)
            {
                await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
            }

            _db.ChangeTracker.AcceptAllChanges();
            _pendingAudit.Clear();
        }
        catch
        {
            // Nothing of this attempt is stored: the entries wait again, to be chained anew by the next save.
            foreach (var entry in _pendingAudit)
            {
                _db.Entry(entry).State = EntityState.Detached;
            }

            throw;
        }
        finally
        {
            if (transaction is not null)
            {
                await transaction.DisposeAsync().ConfigureAwait(false);
            }
        }
    }

    /// <summary>The recovery history entries this save adds, each with its request, to count once they are committed.</summary>
    private List<(RecoveryRequest Request, RequestHistoryEntry Entry)> RecoverySteps()
    {
        var added = _db.ChangeTracker.Entries<RequestHistoryEntry>().Where(e => e.State == EntityState.Added).Select(e => e.Entity).ToList();
        if (added.Count == 0)
        {
            return [];
        }

        var requests = _db.ChangeTracker.Entries<RecoveryRequest>().Select(e => e.Entity).ToDictionary(r => r.Id, StringComparer.Ordinal);
        return added.Where(h => requests.ContainsKey(h.RequestId)).Select(h => (requests[h.RequestId], h)).ToList();
    }

    private void Forget()
    {
        _db.ChangeTracker.Clear();
        _pendingAudit.Clear();
    }

    private static bool IsUniqueViolation(DbUpdateException ex) => ex.InnerException switch
    {
        // SQLITE_CONSTRAINT_PRIMARYKEY (1555) and SQLITE_CONSTRAINT_UNIQUE (2067).
        Microsoft.Data.Sqlite.SqliteException sqlite => sqlite.SqliteExtendedErrorCode is 1555 or 2067,
        Npgsql.PostgresException postgres => postgres.SqlState == Npgsql.PostgresErrorCodes.UniqueViolation,
        _ => false,
    };
}

/// <summary>Units of work in their own DI scope, for batch work outside a request.</summary>
internal sealed class KeywardStoreFactory(Microsoft.Extensions.DependencyInjection.IServiceScopeFactory scopes) : IKeywardStoreFactory
{
    public OwnedStore Create()
    {
        var scope = Microsoft.Extensions.DependencyInjection.ServiceProviderServiceExtensions.CreateAsyncScope(scopes);
        return new OwnedStore(Microsoft.Extensions.DependencyInjection.ServiceProviderServiceExtensions.GetRequiredService<IKeywardStore>(scope.ServiceProvider), scope);
    }
}
