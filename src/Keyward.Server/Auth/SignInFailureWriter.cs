using Keyward.ApiClients;

namespace Keyward.Server.Auth;

/// <summary>
/// Writes the counts of refused sign-ins (<see cref="SignInFailureTally"/>) to the audit trail once their minute has
/// closed: looks every <see cref="Period"/> (a timer of the injected <see cref="TimeProvider"/>), and once more after
/// the server has stopped taking requests, when it writes every count still open, so that shutting down loses none.
/// Each round runs in a DI scope of its own. Never stops the host: the entries of a round that fails to write are
/// logged instead (they hold no secret), so their counts are not lost without a trace.
/// </summary>
internal sealed partial class SignInFailureWriter : BackgroundService, IHostedLifecycleService
{
    /// <summary>How often closed minutes are looked for: a count is written at most this long after its minute closes.</summary>
    internal static readonly TimeSpan Period = TimeSpan.FromSeconds(10);

    private readonly IServiceScopeFactory _scopes;
    private readonly SignInFailureTally _tally;
    private readonly TimeProvider _clock;
    private readonly ILogger<SignInFailureWriter> _logger;

    public SignInFailureWriter(IServiceScopeFactory scopes, SignInFailureTally tally, TimeProvider clock, ILogger<SignInFailureWriter> logger)
    {
        _scopes = scopes;
        _tally = tally;
        _clock = clock;
        _logger = logger;
    }

    public Task StartingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StartedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>Runs after every hosted service has stopped, the web server included: no request counts after this.</summary>
    public Task StoppedAsync(CancellationToken cancellationToken) => WriteAsync(all: true, cancellationToken);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(Period, _clock);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false))
            {
                await WriteAsync(all: false, stoppingToken).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Shutting down; StoppedAsync writes what is left.
        }
    }

    /// <summary>One round; returns how many entries were written.</summary>
    internal async Task<int> WriteAsync(bool all, CancellationToken cancellationToken)
    {
        var entries = all ? _tally.TakeAll() : _tally.TakeClosed();
        if (entries.Count == 0)
        {
            return 0;
        }

        try
        {
            await using var scope = _scopes.CreateAsyncScope();
            await scope.ServiceProvider.GetRequiredService<ClientSignIn>().AppendCountedFailuresAsync(entries, cancellationToken).ConfigureAwait(false);
            return entries.Count;
        }
        catch (Exception ex)
        {
            foreach (var entry in entries)
            {
                LogNotWritten(_logger, entry.ActorName, entry.Code, entry.Details, ex);
            }

            return 0;
        }
    }

    [LoggerMessage(EventId = 2200, Level = LogLevel.Error, Message = "An audit entry of refused sign-ins could not be written: {Source} {Code}: {Details}")]
    private static partial void LogNotWritten(ILogger logger, string source, string? code, string details, Exception exception);
}
