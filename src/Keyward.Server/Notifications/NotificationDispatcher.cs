using Keyward.Common;
using Keyward.Notifications;
using Keyward.Storage;

namespace Keyward.Server.Notifications;

/// <summary>
/// Delivers the outbox: wakes every <see cref="MailOptions.DispatchInterval"/> (a timer on the injected
/// <see cref="TimeProvider"/>) and, <see cref="MailOptions.GatherDelay"/> after this process saves a new message
/// (<see cref="NotificationSignal"/>), claims the due messages of a round in one save, sends each (pickup folder or
/// SMTP) and records the outcomes in one more. Several server processes on one database each run one; a message's
/// claim makes exactly one of them send it. Never stops the host: a failure is logged and the next round tries again.
/// Logs a message's recipient and subject, never its body.
/// </summary>
internal sealed partial class NotificationDispatcher : BackgroundService
{
    // Rounds of one wake-up: a large backlog is worked off in batches, then the dispatcher waits again.
    private const int MaxBatchesPerWake = 20;

    private readonly IServiceScopeFactory _scopes;
    private readonly NotificationSignal _signal;
    private readonly MailOptions _options;
    private readonly MailSenderFactory _senders;
    private readonly TimeProvider _clock;
    private readonly ILogger<NotificationDispatcher> _logger;

    public NotificationDispatcher(IServiceScopeFactory scopes, NotificationSignal signal, MailOptions options, MailSenderFactory senders, TimeProvider clock, ILogger<NotificationDispatcher> logger)
    {
        _scopes = scopes;
        _signal = signal;
        _options = options;
        _senders = senders;
        _clock = clock;
        _logger = logger;
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!_options.IsConfigured)
        {
            LogNotConfigured(_logger);
            return;
        }

        using var timer = new PeriodicTimer(_options.DispatchInterval, _clock);

        // One wait on each source stays pending across rounds: a poke or a tick is never missed, only coalesced.
        var tick = timer.WaitForNextTickAsync(stoppingToken).AsTask();
        var poke = _signal.WaitAsync(stoppingToken);
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                await DeliverDueAsync(stoppingToken).ConfigureAwait(false);
                var woke = await Task.WhenAny(tick, poke).ConfigureAwait(false);
                if (woke == tick)
                {
                    if (!await tick.ConfigureAwait(false))
                    {
                        return;
                    }

                    tick = timer.WaitForNextTickAsync(stoppingToken).AsTask();
                }
                else
                {
                    await poke.ConfigureAwait(false);
                    poke = _signal.WaitAsync(stoppingToken);

                    // Messages saved close together go out in one round: two saves for all of them, not two each.
                    // The pause is wall-clock time on purpose: it paces work, it is no deadline of the product.
                    if (_options.GatherDelay > TimeSpan.Zero)
                    {
                        await Task.Delay(_options.GatherDelay, TimeProvider.System, stoppingToken).ConfigureAwait(false);
                    }
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Shutting down.
        }
    }

    /// <summary>Works off what is due now; returns how many messages were sent.</summary>
    internal async Task<int> DeliverDueAsync(CancellationToken cancellationToken)
    {
        var sent = 0;
        try
        {
            for (var batch = 0; batch < MaxBatchesPerWake; batch++)
            {
                // A scope per batch: a fresh unit of work, so tracked rows do not pile up over a backlog.
                await using var scope = _scopes.CreateAsyncScope();
                var outbox = scope.ServiceProvider.GetRequiredService<NotificationOutbox>();
                var claimed = await outbox.ClaimDueAsync(_options.BatchSize, cancellationToken).ConfigureAwait(false);
                if (claimed.Count == 0)
                {
                    break;
                }

                var attempts = await SendAsync(claimed, cancellationToken).ConfigureAwait(false);

                // Recorded even when the host is stopping, so that what went out is not sent again after the lease.
                var lapsed = await outbox.RecordAsync(attempts.ConvertAll(a => a.Outcome), CancellationToken.None).ConfigureAwait(false);
                sent += Report(attempts, lapsed);
                cancellationToken.ThrowIfCancellationRequested();
                if (claimed.Count < _options.BatchSize)
                {
                    break;
                }
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw;
        }
        catch (Exception ex) when (StorageFaults.Classify(ex) != StorageFault.None)
        {
            // The database is away for now: one line, no stack trace (it is not Keyward's fault); the next round tries again.
            LogRoundUnavailable(_logger, ex.GetType().Name, ex.GetBaseException().Message);
        }
        catch (Exception ex)
        {
            // Something else is wrong for the whole round: try again next time.
            LogRoundFailed(_logger, ex);
        }

        return sent;
    }

    /// <summary>
    /// Sends the claimed messages in order. It stops trying once half the claim's lease is gone (a slow or failing
    /// mail server) or the host is stopping: the messages not tried are given back, due again at once.
    /// </summary>
    private async Task<List<(DeliveryOutcome Outcome, Exception? Exception)>> SendAsync(IReadOnlyList<Notification> claimed, CancellationToken cancellationToken)
    {
        var outcomes = new List<(DeliveryOutcome, Exception?)>(claimed.Count);
        var stopAt = _clock.GetUtcNow() + (NotificationOutbox.ClaimLease / 2);
        await using var sender = _senders.Open();
        foreach (var notification in claimed)
        {
            if (cancellationToken.IsCancellationRequested || _clock.GetUtcNow() >= stopAt)
            {
                outcomes.Add((DeliveryOutcome.NotTried(notification), null));
                continue;
            }

            try
            {
                await sender.SendAsync(notification.Id, MailMessages.Build(notification, _options), cancellationToken).ConfigureAwait(false);
                outcomes.Add((DeliveryOutcome.Sent(notification), null));
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                // Whether the mail system took it is unknown: tried again later, at least once as promised.
                outcomes.Add((DeliveryOutcome.NotTried(notification), null));
            }
            catch (Exception ex)
            {
                outcomes.Add((DeliveryOutcome.Failed(notification, Describe(ex)), ex));
            }
        }

        return outcomes;
    }

    /// <summary>Logs each outcome; returns how many messages were sent.</summary>
    private int Report(IReadOnlyList<(DeliveryOutcome Outcome, Exception? Exception)> attempts, IReadOnlySet<string> lapsed)
    {
        var sent = 0;
        foreach (var ((notification, tried, error), exception) in attempts)
        {
            if (!tried)
            {
                continue;
            }

            if (error is null)
            {
                sent++;
                if (lapsed.Contains(notification.Id))
                {
                    // Our claim lapsed while sending and another process took the message over: it may arrive twice.
                    LogClaimLapsed(_logger, notification.Id, notification.To, notification.Subject);
                }
                else
                {
                    LogSent(_logger, notification.Id, notification.To, notification.Subject);
                }
            }
            else if (lapsed.Contains(notification.Id))
            {
                // Our claim lapsed and another process has the message now; its attempt counts, not ours.
            }
            else if (notification.GaveUp)
            {
                LogGaveUp(_logger, notification.Id, notification.To, notification.Subject, notification.Attempts, exception);
            }
            else
            {
                LogFailed(_logger, notification.Id, notification.To, notification.Subject, notification.Attempts, notification.NextAttemptAt, exception);
            }
        }

        return sent;
    }

    private static string Describe(Exception ex) => $"{ex.GetType().Name}: {ex.Message}";

    [LoggerMessage(EventId = 2000, Level = LogLevel.Warning, Message = "E-mail is not configured (Keyward:Mail:PickupDirectory or Keyward:Mail:Host): owner notifications stay queued in the database until it is")]
    private static partial void LogNotConfigured(ILogger logger);

    [LoggerMessage(EventId = 2001, Level = LogLevel.Information, Message = "Sent notification {NotificationId} to {Recipient}: {Subject}")]
    private static partial void LogSent(ILogger logger, string notificationId, string recipient, string subject);

    [LoggerMessage(EventId = 2002, Level = LogLevel.Warning, Message = "Could not send notification {NotificationId} to {Recipient} ({Subject}), attempt {Attempts}; next attempt at {NextAttemptAt:u}")]
    private static partial void LogFailed(ILogger logger, string notificationId, string recipient, string subject, int attempts, DateTime nextAttemptAt, Exception? exception);

    [LoggerMessage(EventId = 2003, Level = LogLevel.Error, Message = "Gave up on notification {NotificationId} to {Recipient} ({Subject}) after {Attempts} attempts; it stays on record unsent")]
    private static partial void LogGaveUp(ILogger logger, string notificationId, string recipient, string subject, int attempts, Exception? exception);

    [LoggerMessage(EventId = 2004, Level = LogLevel.Warning, Message = "Sent notification {NotificationId} to {Recipient} ({Subject}) after its claim lapsed; another server process may send it again")]
    private static partial void LogClaimLapsed(ILogger logger, string notificationId, string recipient, string subject);

    [LoggerMessage(EventId = 2005, Level = LogLevel.Error, Message = "Notification delivery round failed; the next round tries again")]
    private static partial void LogRoundFailed(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 2006, Level = LogLevel.Warning, Message = "Notification delivery round stopped: the database is unavailable ({ExceptionType}: {Reason}); the next round tries again")]
    private static partial void LogRoundUnavailable(ILogger logger, string exceptionType, string reason);
}
