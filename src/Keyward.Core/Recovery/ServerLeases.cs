using System.Globalization;
using Keyward.Audit;
using Keyward.Common;

namespace Keyward.Recovery;

/// <summary>
/// Interrupted collections (docs/recovery.md, "Interrupted collections"): each server process holds a lease that it
/// renews by a heartbeat; a collection that a process took and had not yet released when it died keeps that
/// process's lease id. Once the lease has lapsed, any server returns such a collection to AwaitingIssue — no key was
/// released, so nothing is lost — and a live process's collections are never touched by another. A live process
/// returns its own collections that none of its calls works on any more (<see cref="ServerInstance.WorkOn"/>): a call
/// whose failure could not be saved leaves one behind, which would otherwise stay InProgress for as long as the
/// process lives.
/// </summary>
public sealed class ServerLeases
{
    /// <summary>Lapsed leases are deleted once nothing refers to them and they are this old.</summary>
    private static readonly TimeSpan KeepLapsed = TimeSpan.FromHours(1);

    private readonly IKeywardStore _store;
    private readonly AuditTrail _audit;
    private readonly TimeProvider _clock;
    private readonly ServerInstance _instance;
    private readonly CollectionOptions _options;

    public ServerLeases(IKeywardStore store, AuditTrail audit, TimeProvider clock, ServerInstance instance, CollectionOptions options)
    {
        _store = store;
        _audit = audit;
        _clock = clock;
        _instance = instance;
        _options = options;
    }

    private DateTime Now => _clock.GetUtcNow().UtcDateTime;

    /// <summary>Takes or renews this process's lease for another <see cref="CollectionOptions.LeaseDuration"/>.</summary>
    public async Task RenewAsync(CancellationToken cancellationToken)
    {
        var id = _instance.Id;
        var lease = await _store.FirstOrDefaultAsync(_store.ServerLeases.Where(l => l.Id == id), cancellationToken).ConfigureAwait(false);
        if (lease is null)
        {
            _store.Add(new ServerLease(id, _instance.Host, Now, _options.LeaseDuration));
        }
        else
        {
            lease.Renew(Now, _options.LeaseDuration);
        }

        await _store.SaveChangesAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Returns to AwaitingIssue every collection held by a process whose lease has lapsed (or that never took one and
    /// began longer than a lease ago), and every collection held by this process that no call of it works on any more
    /// (its failure could not be saved — the database was full or away), each in its own unit of work with its audit
    /// entry; then forgets old lapsed leases.
    /// </summary>
    /// <returns>How many collections were returned.</returns>
    public async Task<int> ReleaseInterruptedAsync(int batchSize, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(batchSize, 1);
        var now = Now;
        var startedBefore = now - _options.LeaseDuration;
        var live = _store.ServerLeases.Where(l => l.ExpiresAt > now).Select(l => l.Id);
        var interrupted = await _store.ToListAsync(
            _store.Requests
                .Where(r => r.Status == RequestStatus.InProgress && r.CollectionHolder != null && r.CollectionStartedAt <= startedBefore && !live.Contains(r.CollectionHolder))
                .OrderBy(r => r.CollectionStartedAt)
                .Select(r => new Held(r.Id, r.CollectionId!))
                .Take(batchSize),
            cancellationToken).ConfigureAwait(false);
        var mine = _instance.Id;
        var held = await _store.ToListAsync(
            _store.Requests
                .Where(r => r.Status == RequestStatus.InProgress && r.CollectionHolder == mine)
                .OrderBy(r => r.CollectionStartedAt)
                .Select(r => new Held(r.Id, r.CollectionId!))
                .Take(batchSize),
            cancellationToken).ConfigureAwait(false);

        // A collection id is never reused, so one that no call works on now will never be worked on again.
        var leftBehind = held.Where(h => !_instance.IsWorkingOn(h.CollectionId)).ToList();
        var released = 0;
        foreach (var (id, collectionId) in interrupted)
        {
            if (await ReleaseOneAsync(id, collectionId, now, lapsed: true, cancellationToken).ConfigureAwait(false))
            {
                released++;
            }
        }

        foreach (var (id, collectionId) in leftBehind.Where(h => !interrupted.Contains(h)))
        {
            if (await ReleaseOneAsync(id, collectionId, now, lapsed: false, cancellationToken).ConfigureAwait(false))
            {
                released++;
            }
        }

        await ForgetLapsedAsync(now, cancellationToken).ConfigureAwait(false);
        return released;
    }

    /// <summary>
    /// Returns collection <paramref name="collectionId"/> of request <paramref name="id"/>, if the request is still in it:
    /// its holder's lease <paramref name="lapsed"/>, or this process left it behind.
    /// </summary>
    private async Task<bool> ReleaseOneAsync(string id, string collectionId, DateTime now, bool lapsed, CancellationToken cancellationToken)
    {
        var request = await _store.FirstOrDefaultAsync(_store.Requests.Where(r => r.Id == id), cancellationToken).ConfigureAwait(false);
        if (request is not { Status: RequestStatus.InProgress, CollectionHolder: { } holder } || request.CollectionId != collectionId)
        {
            // Finished meanwhile, or returned and taken again by a new collection: that one is not ours to end.
            return false;
        }

        var why = lapsed
            ? "Collection interrupted: the server process working on it stopped before any key was released."
            : "Collection interrupted: the server process working on it could not record its failure at the time; no key was released.";
        request.Fail(null, why, now, Channel.System);
        await _audit.AppendAsync(
            new AuditEntry(null, RequestExpiry.ActorName, "recovery.collect", AuditOutcome.Failed, Channel.System,
                string.Create(CultureInfo.InvariantCulture, $"Request {request.Id}: {why} (lease {holder}{(lapsed ? " lapsed" : string.Empty)}). The request can be collected again."),
                SubjectId: request.TargetId, TargetId: request.Id),
            cancellationToken).ConfigureAwait(false);
        try
        {
            await _store.SaveChangesAsync(cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (ConcurrencyConflictException)
        {
            // Another server released it, or its holder finished at the last moment: theirs stands.
            _store.DiscardChanges();
            return false;
        }
    }

    /// <summary>A request and the collection that holds it.</summary>
    private sealed record Held(string RequestId, string CollectionId);

    private async Task ForgetLapsedAsync(DateTime now, CancellationToken cancellationToken)
    {
        var before = now - KeepLapsed;
        var held = _store.Requests.Where(r => r.CollectionHolder != null).Select(r => r.CollectionHolder);
        var lapsed = await _store.ToListAsync(_store.ServerLeases.Where(l => l.ExpiresAt < before && !held.Contains(l.Id)).Take(100), cancellationToken).ConfigureAwait(false);
        if (lapsed.Count == 0)
        {
            return;
        }

        lapsed.ForEach(_store.Remove);
        try
        {
            await _store.SaveChangesAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (ConcurrencyConflictException)
        {
            // Another server deleted them first.
            _store.DiscardChanges();
        }
    }
}
