namespace Keyward.Notifications;

/// <summary>
/// One e-mail message to a person, in the transactional outbox: a use case stages it in the same unit of work
/// as the change it reports, so it is saved exactly when the change is, and a dispatcher delivers it later.
/// Never holds a secret: no password, PIN or key material goes into <see cref="Subject"/> or <see cref="Body"/>.
/// </summary>
/// <remarks>
/// Delivery is at least once. A dispatcher first <see cref="Claim">claims</see> a due message (which pushes
/// <see cref="NextAttemptAt"/> out by a lease and changes <see cref="ConcurrencyStamp"/>, so of two dispatchers
/// only one saves the claim), then sends it and records the outcome. A failed attempt is retried with
/// exponential back-off (<see cref="RetryDelay"/>) until <see cref="MaxAttempts"/>; then the message stays on
/// record, unsent, with its last error.
/// </remarks>
public sealed class Notification
{
    /// <summary>Attempts after which a message is no longer retried.</summary>
    public const int MaxAttempts = 10;

    /// <summary>The longest <see cref="LastError"/> kept.</summary>
    public const int MaxErrorLength = 2000;

    /// <summary>The delay after the first failed attempt; each further failure doubles it up to <see cref="MaxRetryDelay"/>.</summary>
    public static readonly TimeSpan FirstRetryDelay = TimeSpan.FromMinutes(1);

    public static readonly TimeSpan MaxRetryDelay = TimeSpan.FromHours(1);

    private Notification()
    {
        Id = PersonId = To = Subject = Body = string.Empty;
    }

    /// <summary>A message due for delivery at once.</summary>
    public Notification(string id, string personId, string to, string subject, string body, DateTime createdAt)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(id);
        ArgumentException.ThrowIfNullOrWhiteSpace(personId);
        ArgumentException.ThrowIfNullOrWhiteSpace(to);
        ArgumentException.ThrowIfNullOrWhiteSpace(subject);
        ArgumentNullException.ThrowIfNull(body);
        Id = id;
        PersonId = personId;
        To = to.Trim();
        Subject = subject;
        Body = body;
        CreatedAt = createdAt;
        NextAttemptAt = createdAt;
        ConcurrencyStamp = Guid.NewGuid();
    }

    public string Id { get; private set; }

    /// <summary>The recipient.</summary>
    public string PersonId { get; private set; }

    /// <summary>The recipient's e-mail address when the message was staged.</summary>
    public string To { get; private set; }

    public string Subject { get; private set; }

    /// <summary>Plain text.</summary>
    public string Body { get; private set; }

    /// <summary>UTC.</summary>
    public DateTime CreatedAt { get; private set; }

    /// <summary>UTC; null until delivered.</summary>
    public DateTime? SentAt { get; private set; }

    /// <summary>Failed delivery attempts so far.</summary>
    public int Attempts { get; private set; }

    /// <summary>UTC: when a dispatcher may next try (or take over) the message.</summary>
    public DateTime NextAttemptAt { get; private set; }

    /// <summary>Why the last attempt failed; null when none has.</summary>
    public string? LastError { get; private set; }

    public Guid ConcurrencyStamp { get; private set; }

    /// <summary>Whether the message failed <see cref="MaxAttempts"/> times and is no longer retried.</summary>
    public bool GaveUp => SentAt is null && Attempts >= MaxAttempts;

    /// <summary>Whether a dispatcher should try the message now.</summary>
    public bool IsDue(DateTime now) => SentAt is null && Attempts < MaxAttempts && NextAttemptAt <= now;

    /// <summary>The wait after <paramref name="failedAttempts"/> failures: 1 min, 2, 4, … doubling, at most 1 h.</summary>
    public static TimeSpan RetryDelay(int failedAttempts)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(failedAttempts, 1);
        var doublings = Math.Min(failedAttempts - 1, 16);
        var delay = FirstRetryDelay * Math.Pow(2, doublings);
        return delay < MaxRetryDelay ? delay : MaxRetryDelay;
    }

    /// <summary>
    /// Takes the message for one delivery attempt: no other dispatcher finds it due before <paramref name="lease"/>
    /// has passed, and a dispatcher that read it before this change conflicts when it saves its own claim.
    /// </summary>
    /// <returns>False when the message is not due (sent, given up, or claimed by someone else).</returns>
    public bool Claim(DateTime now, TimeSpan lease)
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(lease, TimeSpan.Zero);
        if (!IsDue(now))
        {
            return false;
        }

        NextAttemptAt = now + lease;
        Touch();
        return true;
    }

    /// <summary>Gives a claim back unused: the message is due again at once, and no attempt is counted.</summary>
    public void Release(DateTime now)
    {
        if (SentAt is not null)
        {
            throw new InvalidOperationException($"Notification {Id} was already sent.");
        }

        NextAttemptAt = now;
        Touch();
    }

    /// <summary>The message was handed to the mail system.</summary>
    public void MarkSent(DateTime now)
    {
        if (SentAt is not null)
        {
            throw new InvalidOperationException($"Notification {Id} was already sent.");
        }

        SentAt = now;
        Touch();
    }

    /// <summary>Records a failed attempt and schedules the next one with back-off, unless this was the last.</summary>
    public void RecordFailure(string error, DateTime now)
    {
        ArgumentNullException.ThrowIfNull(error);
        if (SentAt is not null)
        {
            throw new InvalidOperationException($"Notification {Id} was already sent.");
        }

        Attempts++;
        LastError = error.Length <= MaxErrorLength ? error : error[..MaxErrorLength];
        NextAttemptAt = now + RetryDelay(Attempts);
        Touch();
    }

    private void Touch() => ConcurrencyStamp = Guid.NewGuid();
}
