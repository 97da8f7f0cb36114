using Keyward.Storage;

namespace Keyward.Server.Hosting;

/// <summary>
/// Keeps SQLite's planner statistics current while the server runs: at start and then every <see cref="Interval"/>
/// (a timer on the injected <see cref="TimeProvider"/>) it runs <c>PRAGMA optimize</c>, which analyses only the tables
/// that were never analysed or whose size changed by a large factor — an import or a directory sync of thousands of
/// people — and otherwise costs a look at each table (docs/operations.md, "Database statistics"). Registered on SQLite
/// only; a failed run is logged and the next one tries again.
/// </summary>
internal sealed partial class DatabaseStatisticsService : BackgroundService
{
    /// <summary>How often the statistics are checked.</summary>
    internal static readonly TimeSpan Interval = TimeSpan.FromHours(1);

    private readonly IServiceProvider _services;
    private readonly TimeProvider _clock;
    private readonly ILogger<DatabaseStatisticsService> _logger;

    public DatabaseStatisticsService(IServiceProvider services, TimeProvider clock, ILogger<DatabaseStatisticsService> logger)
    {
        _services = services;
        _clock = clock;
        _logger = logger;
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(Interval, _clock);
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

    /// <summary>One run; false when it failed.</summary>
    internal async Task<bool> RunOnceAsync(CancellationToken cancellationToken)
    {
        try
        {
            await _services.OptimizeKeywardDatabaseAsync(cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw;
        }
        catch (Exception ex)
        {
            LogRunFailed(_logger, ex.GetType().Name, ex.GetBaseException().Message);
            return false;
        }
    }

    [LoggerMessage(EventId = 2120, Level = LogLevel.Warning, Message = "Refreshing the database's planner statistics failed ({ExceptionType}: {Reason}); the next run tries again")]
    private static partial void LogRunFailed(ILogger logger, string exceptionType, string reason);
}
