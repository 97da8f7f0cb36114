using Keyward.Recovery;

namespace Keyward.Server.Recovery;

/// <summary>
/// Keeps this process's lease (<see cref="ServerLeases"/>): takes it before the server serves, renews it every
/// <see cref="CollectionOptions.LeaseHeartbeat"/> on the injected <see cref="TimeProvider"/>, and each time returns the
/// collections of processes whose lease lapsed — at start, those of a predecessor that was killed. Each round runs in
/// its own DI scope; a failed round (the database away) is logged and the next one tries again. Never stops the host.
/// </summary>
internal sealed partial class ServerLeaseService : BackgroundService
{
    private const int BatchSize = 100;

    private readonly IServiceScopeFactory _scopes;
    private readonly CollectionOptions _options;
    private readonly TimeProvider _clock;
    private readonly ILogger<ServerLeaseService> _logger;

    public ServerLeaseService(IServiceScopeFactory scopes, CollectionOptions options, TimeProvider clock, ILogger<ServerLeaseService> logger)
    {
        _scopes = scopes;
        _options = options;
        _clock = clock;
        _logger = logger;
    }

    public override async Task StartAsync(CancellationToken cancellationToken)
    {
        // The lease exists before the first collection can name it.
        await RunOnceAsync(cancellationToken).ConfigureAwait(false);
        await base.StartAsync(cancellationToken).ConfigureAwait(false);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(_options.LeaseHeartbeat, _clock);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false))
            {
                await RunOnceAsync(stoppingToken).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Shutting down.
        }
    }

    /// <summary>One round: renew the lease, then return interrupted collections. Returns how many were returned (0 when the round failed).</summary>
    internal async Task<int> RunOnceAsync(CancellationToken cancellationToken)
    {
        try
        {
            await using var scope = _scopes.CreateAsyncScope();
            var leases = scope.ServiceProvider.GetRequiredService<ServerLeases>();
            await leases.RenewAsync(cancellationToken).ConfigureAwait(false);
            var released = await leases.ReleaseInterruptedAsync(BatchSize, cancellationToken).ConfigureAwait(false);
            if (released > 0)
            {
                LogReleased(_logger, released);
            }

            return released;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw;
        }
        catch (Exception ex)
        {
            LogRoundFailed(_logger, ex.GetType().Name, ex.Message);
            return 0;
        }
    }

    [LoggerMessage(EventId = 2110, Level = LogLevel.Warning, Message = "Returned {Count} interrupted collection(s) to AwaitingIssue: the server process working on them stopped")]
    private static partial void LogReleased(ILogger logger, int count);

    [LoggerMessage(EventId = 2111, Level = LogLevel.Warning, Message = "Renewing the server lease failed ({Kind}: {Reason}); trying again at the next heartbeat")]
    private static partial void LogRoundFailed(ILogger logger, string kind, string reason);
}
