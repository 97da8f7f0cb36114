using System.Globalization;
using Keyward.Audit;
using Keyward.Common;
using Keyward.Notifications;

namespace Keyward.Recovery;

/// <summary>
/// An uncollected request past its expiry becomes Cancelled (reason: expired; docs/notifications.md#request-expiry).
/// Keyward itself acts: history and audit name no person, the channel is <see cref="Channel.System"/>, and the owner
/// is told by e-mail. Each request is saved in its own unit of work with its audit entry and notice, so a request that
/// someone collected, approved or cancelled meanwhile (a concurrency conflict) is skipped without touching the
/// others; the next run looks at it again.
/// </summary>
public sealed class RequestExpiry
{
    /// <summary>The actor name that audit entries of expiry carry.</summary>
    public const string ActorName = "keyward";

    /// <summary>The audit action of an expiry.</summary>
    public const string Action = "recovery.expire";

    private readonly IKeywardStore _store;
    private readonly AuditTrail _audit;
    private readonly TimeProvider _clock;

    public RequestExpiry(IKeywardStore store, AuditTrail audit, TimeProvider clock)
    {
        _store = store;
        _audit = audit;
        _clock = clock;
    }

    /// <summary>Cancels every outstanding request whose expiry has passed, reading <paramref name="batchSize"/> at a time.</summary>
    /// <returns>How many requests expired.</returns>
    public async Task<int> ExpireDueAsync(int batchSize, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(batchSize, 1);
        var now = _clock.GetUtcNow().UtcDateTime;
        var expired = 0;

        // Requests looked at and left alone in this run (lost a race, or no longer due): never read twice, so the run ends.
        var passed = new HashSet<string>(StringComparer.Ordinal);
        while (true)
        {
            var exclude = passed.ToList();
            var due = await _store.ToListAsync(
                _store.Requests
                    .Where(r => (r.Status == RequestStatus.AwaitingValidation || r.Status == RequestStatus.AwaitingIssue)
                                && r.ExpiresAt != null && r.ExpiresAt <= now && !exclude.Contains(r.Id))
                    .OrderBy(r => r.ExpiresAt)
                    .ThenBy(r => r.Id)
                    .Select(r => r.Id)
                    .Take(batchSize),
                cancellationToken).ConfigureAwait(false);
            if (due.Count == 0)
            {
                return expired;
            }

            foreach (var id in due)
            {
                if (await ExpireOneAsync(id, now, cancellationToken).ConfigureAwait(false))
                {
                    expired++;
                }
                else
                {
                    passed.Add(id);
                }
            }
        }
    }

    /// <summary>
    /// Returns to AwaitingIssue every collection begun more than <paramref name="after"/> ago whose collecting client
    /// never reported back (it crashed, or lost its connection): the request is collectable again, the abandonment
    /// is in its history and the audit trail. A client that reports later finds its collection gone.
    /// </summary>
    /// <returns>How many collections were released.</returns>
    public async Task<int> ReleaseAbandonedCollectionsAsync(TimeSpan after, int batchSize, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(batchSize, 1);
        var now = _clock.GetUtcNow().UtcDateTime;
        var cutoff = now - after;
        var stale = await _store.ToListAsync(
            _store.Requests
                .Where(r => r.Status == RequestStatus.InProgress && r.CollectionHolder == null && r.CollectionStartedAt != null && r.CollectionStartedAt <= cutoff)
                .OrderBy(r => r.CollectionStartedAt)
                .Select(r => r.Id)
                .Take(batchSize),
            cancellationToken).ConfigureAwait(false);
        var released = 0;
        foreach (var id in stale)
        {
            var request = await _store.FirstOrDefaultAsync(_store.Requests.Where(r => r.Id == id), cancellationToken).ConfigureAwait(false);
            if (request is not { Status: RequestStatus.InProgress } || request.CollectionStartedAt > cutoff)
            {
                continue;
            }

            var why = string.Create(CultureInfo.InvariantCulture, $"Collection abandoned: the collecting client did not report back within {after.TotalMinutes:0} minutes.");
            var releases = request.Releases;
            var reapprove = request.Fail(null, why, now, Channel.System).Value;
            var next = reapprove ? "Its releases are used up: the request needs a new approval." : "The request can be collected again.";
            await _audit.AppendAsync(
                new AuditEntry(null, ActorName, "recovery.collect", AuditOutcome.Failed, Channel.System, $"Request {request.Id}: keys released (release {releases} of {request.ReleasesAllowed}), then {why} {next}", SubjectId: request.TargetId, TargetId: request.Id),
                cancellationToken).ConfigureAwait(false);
            try
            {
                await _store.SaveChangesAsync(cancellationToken).ConfigureAwait(false);
                released++;
            }
            catch (ConcurrencyConflictException)
            {
                // The client reported back at the same moment: its report stands.
                _store.DiscardChanges();
            }
        }

        return released;
    }

    private async Task<bool> ExpireOneAsync(string id, DateTime now, CancellationToken cancellationToken)
    {
        var request = await _store.FirstOrDefaultAsync(_store.Requests.Where(r => r.Id == id), cancellationToken).ConfigureAwait(false);
        if (request is null || !request.ExpireIfDue(now))
        {
            return false;
        }

        var expiredAt = request.ExpiresAt!.Value;
        await _audit.AppendAsync(
            new AuditEntry(null, ActorName, Action, AuditOutcome.Succeeded, Channel.System,
                string.Create(CultureInfo.InvariantCulture, $"Cancelled request {request.Id}: not collected before it expired at {expiredAt:yyyy-MM-dd HH:mm:ss} UTC."),
                SubjectId: request.TargetId, TargetId: request.Id),
            cancellationToken).ConfigureAwait(false);

        var owner = await _store.FirstOrDefaultAsync(_store.People.Where(p => p.Id == request.TargetId), cancellationToken).ConfigureAwait(false);
        if (owner is not null && OwnerNotices.For(owner, "Your key recovery request was cancelled", Body(owner.Name, request, expiredAt), now) is { } notice)
        {
            _store.Add(notice);
        }

        try
        {
            await _store.SaveChangesAsync(cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (ConcurrencyConflictException)
        {
            // Collected, approved or cancelled by someone else since we read it (or another process appended to the
            // audit trail at the same moment): nothing of ours was saved. The next run reads it again.
            _store.DiscardChanges();
            return false;
        }
    }

    private static string Body(string name, RecoveryRequest request, DateTime expiredAt)
    {
        var what = request.Kind switch
        {
            RequestKind.NewDevice => "onto a new smart card",
            RequestKind.SoftCertificate => "as soft certificates",
            RequestKind.DeviceUpdate => "onto your existing card",
            _ => "of your keys",
        };
        return string.Create(CultureInfo.InvariantCulture, $"""
            Hello {name},

            Your key recovery request {request.Id} (recovery {what}, opened on {request.CreatedAt:yyyy-MM-dd HH:mm} UTC) was cancelled: not collected before it expired on {expiredAt:yyyy-MM-dd HH:mm} UTC.

            Nothing was recovered. If you still need your keys, ask your recovery operator for a new request.

            Keyward
            """);
    }
}
