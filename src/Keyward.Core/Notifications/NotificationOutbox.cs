using Keyward.Common;

namespace Keyward.Notifications;

/// <summary>
/// The dispatcher's side of the outbox: find due messages, claim one at a time (so that of several server
/// processes sharing one database exactly one sends it), and record how delivery went. Each step saves its own
/// unit of work; the transport (SMTP, a pickup folder) belongs to the caller.
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
        var now = _clock.GetUtcNow().UtcDateTime;
        return await _store.ToListAsync(
            _store.Notifications
                .Where(n => n.SentAt == null && n.Attempts < Notification.MaxAttempts && n.NextAttemptAt <= now)
                .OrderBy(n => n.NextAttemptAt)
                .ThenBy(n => n.Id)
                .Select(n => n.Id)
                .Take(batchSize),
            cancellationToken).ConfigureAwait(false);
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

    /// <summary>Records that a claimed message was delivered.</summary>
    /// <exception cref="ConcurrencyConflictException">The claim lapsed and another dispatcher took the message over.</exception>
    public async Task MarkSentAsync(Notification notification, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(notification);
        notification.MarkSent(_clock.GetUtcNow().UtcDateTime);
        await _store.SaveChangesAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Records a failed attempt on a claimed message and schedules the next one with back-off.</summary>
    /// <exception cref="ConcurrencyConflictException">The claim lapsed and another dispatcher took the message over.</exception>
    public async Task RecordFailureAsync(Notification notification, string error, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(notification);
        notification.RecordFailure(error, _clock.GetUtcNow().UtcDateTime);
        await _store.SaveChangesAsync(cancellationToken).ConfigureAwait(false);
    }
}
