using Keyward.Common;

namespace Keyward.Notifications;

/// <summary>
/// The dispatcher's side of the outbox: claim the messages due now (so that of several server processes sharing one
/// database exactly one sends each), and record how their delivery went. A round of the dispatcher is two saves
/// however many messages it carries: the claims, then the outcomes. The transport (SMTP, a pickup folder) belongs
/// to the caller.
/// </summary>
public sealed class NotificationOutbox
{
    /// <summary>How long a claim keeps other dispatchers away; a dispatcher that dies mid-send is replaced after it.</summary>
    public static readonly TimeSpan ClaimLease = TimeSpan.FromMinutes(5);

    private readonly IKeywardStore _store;
    private readonly TimeProvider _clock;

    public NotificationOutbox(IKeywardStore store, TimeProvider clock)
    {
        _store = store;
        _clock = clock;
    }

    /// <summary>The ids of up to <paramref name="batchSize"/> messages due now, longest waiting first.</summary>
    public async Task<IReadOnlyList<string>> DueAsync(int batchSize, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(batchSize, 1);
        return await _store.ToListAsync(Due(batchSize).Select(n => n.Id), cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Claims up to <paramref name="batchSize"/> messages due now, longest waiting first, in one save. When another
    /// dispatcher claimed or finished one of them between the read and the save, that save changes nothing and the
    /// messages are claimed one at a time instead, so each still goes to exactly one dispatcher.
    /// </summary>
    /// <returns>The messages this dispatcher now holds, each until <see cref="ClaimLease"/> has passed.</returns>
    public async Task<IReadOnlyList<Notification>> ClaimDueAsync(int batchSize, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(batchSize, 1);
        var due = await _store.ToListAsync(Due(batchSize), cancellationToken).ConfigureAwait(false);
        var now = _clock.GetUtcNow().UtcDateTime;
        var claimed = due.Where(n => n.Claim(now, ClaimLease)).ToList();
        if (claimed.Count == 0)
        {
            return [];
        }

        try
        {
            await _store.SaveChangesAsync(cancellationToken).ConfigureAwait(false);
            return claimed;
        }
        catch (ConcurrencyConflictException)
        {
            // The store has forgotten this attempt; the rows are read again, one claim each.
            var one = new List<Notification>(claimed.Count);
            foreach (var id in claimed.Select(n => n.Id))
            {
                if (await ClaimAsync(id, cancellationToken).ConfigureAwait(false) is { } notification)
                {
                    one.Add(notification);
                }
            }

            return one;
        }
    }

    /// <summary>
    /// Claims one message for a delivery attempt and saves the claim.
    /// </summary>
    /// <returns>The claimed message, or null when it is no longer due or another dispatcher claimed it first.</returns>
    public async Task<Notification?> ClaimAsync(string id, CancellationToken cancellationToken)
    {
        var notification = await _store.FirstOrDefaultAsync(_store.Notifications.Where(n => n.Id == id), cancellationToken).ConfigureAwait(false);
        if (notification is null || !notification.Claim(_clock.GetUtcNow().UtcDateTime, ClaimLease))
        {
            return null;
        }

        try
        {
            await _store.SaveChangesAsync(cancellationToken).ConfigureAwait(false);
            return notification;
        }
        catch (ConcurrencyConflictException)
        {
            // Another dispatcher saved its claim (or a result) since we read the row: it is theirs.
            return null;
        }
    }

    /// <summary>
    /// Records how the attempts on messages this dispatcher claimed went, in one save: sent, failed (an attempt
    /// counted, the next one scheduled with back-off) or not tried (the claim given back, due again at once).
    /// When a claim has lapsed and another dispatcher has taken its message over, that save changes nothing and
    /// each outcome is recorded on its own, where the claim still holds.
    /// </summary>
    /// <returns>The ids of the messages whose claim had lapsed: another dispatcher owns them, and nothing was recorded for them.</returns>
    public async Task<IReadOnlySet<string>> RecordAsync(IReadOnlyList<DeliveryOutcome> outcomes, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(outcomes);
        var claims = outcomes.ToDictionary(o => o.Notification.Id, o => o.Notification.ConcurrencyStamp, StringComparer.Ordinal);
        var now = _clock.GetUtcNow().UtcDateTime;
        foreach (var outcome in outcomes)
        {
            outcome.ApplyTo(outcome.Notification, now);
        }

        try
        {
            await _store.SaveChangesAsync(cancellationToken).ConfigureAwait(false);
            return new HashSet<string>(StringComparer.Ordinal);
        }
        catch (ConcurrencyConflictException)
        {
            // The store has forgotten this attempt: each message is read again and its outcome saved while our claim holds.
            var lapsed = new HashSet<string>(StringComparer.Ordinal);
            foreach (var outcome in outcomes)
            {
                var id = outcome.Notification.Id;
                var current = await _store.FirstOrDefaultAsync(_store.Notifications.Where(n => n.Id == id), cancellationToken).ConfigureAwait(false);
                if (current is null || current.ConcurrencyStamp != claims[id])
                {
                    lapsed.Add(id);
                    continue;
                }

                outcome.ApplyTo(current, now);
                try
                {
                    await _store.SaveChangesAsync(cancellationToken).ConfigureAwait(false);
                }
                catch (ConcurrencyConflictException)
                {
                    lapsed.Add(id);
                }
            }

            return lapsed;
        }
    }

    private IQueryable<Notification> Due(int batchSize)
    {
        var now = _clock.GetUtcNow().UtcDateTime;
        return _store.Notifications
            .Where(n => n.SentAt == null && n.Attempts < Notification.MaxAttempts && n.NextAttemptAt <= now)
            .OrderBy(n => n.NextAttemptAt)
            .ThenBy(n => n.Id)
            .Take(batchSize);
    }
}
