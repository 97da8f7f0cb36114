using Keyward.People.Sync;
using Keyward.Storage;

namespace Keyward.Server.People;

/// <summary>
/// Runs <see cref="DirectorySync"/> every <see cref="DirectoryOptions.Interval"/> (a timer on the injected
/// <see cref="TimeProvider"/>), first at start; does nothing when no interval is set. A run is incremental unless the
/// last full run is older than <see cref="DirectoryOptions.FullInterval"/>. A refused or failed run is logged and the
/// next one tries again; it never stops the host. With several server processes, set the interval on one of them.
/// </summary>
internal sealed partial class DirectorySyncService : BackgroundService
{
    private readonly DirectorySync _sync;
    private readonly DirectoryOptions _options;
    private readonly TimeProvider _clock;
    private readonly ILogger<DirectorySyncService> _logger;

    public DirectorySyncService(DirectorySync sync, DirectoryOptions options, TimeProvider clock, ILogger<DirectorySyncService> logger)
    {
        _sync = sync;
        _options = options;
        _clock = clock;
        _logger = logger;
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (_options.Interval is not { } interval || interval <= TimeSpan.Zero || !_options.IsConfigured)
        {
            return;
        }

        using var timer = new PeriodicTimer(interval, _clock);
        try
        {
            do
            {
                await RunOnceAsync(stoppingToken).ConfigureAwait(false);
            }
            while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false));
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Shutting down.
        }
    }

    internal async Task RunOnceAsync(CancellationToken cancellationToken)
    {
        try
        {
            var run = await _sync.RunScheduledAsync(_options.FullInterval, cancellationToken).ConfigureAwait(false);
            if (run.IsSuccess)
            {
                var r = run.Value;
                LogRun(_logger, r.Full, r.Read, r.Created, r.Updated, r.Moved, r.Disabled, r.Unchanged, r.Refused);
            }
            else
            {
                LogRefused(_logger, run.Error.Code, run.Error.Detail);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw;
        }
        catch (Exception ex) when (StorageFaults.Classify(ex) != StorageFault.None)
        {
            LogUnavailable(_logger, ex.GetType().Name, ex.GetBaseException().Message);
        }
        catch (Exception ex)
        {
            LogFailed(_logger, ex);
        }
    }

    [LoggerMessage(EventId = 2310, Level = LogLevel.Information, Message = "Directory sync (full: {Full}): {Read} read, {Created} created, {Updated} updated, {Moved} moved, {Disabled} disabled, {Unchanged} unchanged, {Refused} refused")]
    private static partial void LogRun(ILogger logger, bool full, int read, int created, int updated, int moved, int disabled, int unchanged, int refused);

    [LoggerMessage(EventId = 2311, Level = LogLevel.Warning, Message = "Directory sync refused ({Code}): {Detail}")]
    private static partial void LogRefused(ILogger logger, string code, string detail);

    [LoggerMessage(EventId = 2312, Level = LogLevel.Warning, Message = "Directory sync stopped: the database is unavailable ({ExceptionType}: {Reason}); the next run tries again")]
    private static partial void LogUnavailable(ILogger logger, string exceptionType, string reason);

    [LoggerMessage(EventId = 2313, Level = LogLevel.Error, Message = "Directory sync failed; the next run tries again")]
    private static partial void LogFailed(ILogger logger, Exception exception);
}
