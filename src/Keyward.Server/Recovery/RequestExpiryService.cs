using Keyward.Recovery;
using Keyward.Server.Hosting;
using Keyward.Storage;

namespace Keyward.Server.Recovery;

/// <summary>
/// Runs <see cref="RequestExpiry"/> at start and then every <see cref="KeywardServerOptions.RequestExpiryInterval"/>
/// (a timer on the injected <see cref="TimeProvider"/>), each run in its own DI scope. Several server processes
/// may run it at once: each request expires in its own unit of work under its concurrency token, so one process
/// wins and the others skip it. A failed run is logged; the next one tries again. Never stops the host.
/// </summary>
internal sealed partial class RequestExpiryService : BackgroundService
{
    /// <summary>Requests read per query.</summary>
    internal const int BatchSize = 100;

    private readonly IServiceScopeFactory _scopes;
    private readonly KeywardServerOptions _options;
    private readonly TimeProvider _clock;
    private readonly ILogger<RequestExpiryService> _logger;

    public RequestExpiryService(IServiceScopeFactory scopes, KeywardServerOptions options, TimeProvider clock, ILogger<RequestExpiryService> logger)
    {
        _scopes = scopes;
        _options = options;
        _clock = clock;
        _logger = logger;
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(_options.RequestExpiryInterval, _clock);
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

    /// <summary>One run; returns how many requests expired (0 when the run failed).</summary>
    internal async Task<int> RunOnceAsync(CancellationToken cancellationToken)
    {
        try
        {
            await using var scope = _scopes.CreateAsyncScope();
            var expiry = scope.ServiceProvider.GetRequiredService<RequestExpiry>();
            var expired = await expiry.ExpireDueAsync(BatchSize, cancellationToken).ConfigureAwait(false);
            if (expired > 0)
            {
                LogExpired(_logger, expired);
            }

            var released = await expiry.ReleaseAbandonedCollectionsAsync(_options.AbandonedCollectionTimeout, BatchSize, cancellationToken).ConfigureAwait(false);
            if (released > 0)
            {
                LogReleased(_logger, released);
            }

            return expired;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw;
        }
        catch (Exception ex) when (StorageFaults.Classify(ex) != StorageFault.None)
        {
            LogRunUnavailable(_logger, ex.GetType().Name, ex.GetBaseException().Message);
            return 0;
        }
        catch (Exception ex)
        {
            LogRunFailed(_logger, ex);
            return 0;
        }
    }

    [LoggerMessage(EventId = 2100, Level = LogLevel.Information, Message = "Cancelled {Count} expired recovery request(s)")]
    private static partial void LogExpired(ILogger logger, int count);

    [LoggerMessage(EventId = 2102, Level = LogLevel.Warning, Message = "Released {Count} abandoned collection(s); the requests can be collected again")]
    private static partial void LogReleased(ILogger logger, int count);

    [LoggerMessage(EventId = 2101, Level = LogLevel.Error, Message = "Request expiry run failed; the next run tries again")]
    private static partial void LogRunFailed(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 2103, Level = LogLevel.Warning, Message = "Request expiry run stopped: the database is unavailable ({ExceptionType}: {Reason}); the next run tries again")]
    private static partial void LogRunUnavailable(ILogger logger, string exceptionType, string reason);
}
