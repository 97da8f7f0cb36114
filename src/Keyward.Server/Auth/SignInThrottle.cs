using System.Globalization;
using System.Threading.RateLimiting;
using Keyward.ApiClients;
using Microsoft.AspNetCore.RateLimiting;

namespace Keyward.Server.Auth;

/// <summary>
/// The sign-in limit of <c>POST /connect/token</c>, a policy of ASP.NET Core's rate limiter: at most
/// <see cref="SignInOptions.FailuresPerClient"/> refused token requests per client id and
/// <see cref="SignInOptions.FailuresPerAddress"/> per remote address in a <see cref="SignInOptions.Window"/>. A request
/// over either limit is answered 429 with <c>Retry-After</c> (<c>auth.rate_limited</c>) before its secret is checked, and
/// is audited against the client id or the address whose limit refused it.
/// </summary>
/// <remarks>
/// Only refusals use up a limit: the policy's gate asks the fixed-window limiters for zero permits (is there room
/// left?), and <see cref="CountFailure"/> takes a permit once a request has been refused. So a client signing in with
/// its secret is never held back by its own successes; but a client whose id someone else is guessing at is refused
/// too until the window ends. Requests checked at the same moment may each pass before any of them is counted, so a
/// burst can go over a limit by the number of requests in flight. Thread-safe; one per process: several server
/// processes each keep their own counts. The windows run on the system's monotonic clock, not the injected
/// <see cref="TimeProvider"/>: System.Threading.RateLimiting takes no clock.
/// </remarks>
internal sealed class SignInThrottle : IRateLimiterPolicy<SignInAttempt>, IDisposable
{
    public const string PolicyName = "sign-in";

    private readonly PartitionedRateLimiter<string> _clients;
    private readonly PartitionedRateLimiter<string> _addresses;
    private readonly TimeSpan _window;

    /// <exception cref="InvalidOperationException">A limit is below 1 or the window is not positive.</exception>
    public SignInThrottle(SignInOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.FailuresPerClient < 1 || options.FailuresPerAddress < 1 || options.Window <= TimeSpan.Zero)
        {
            throw new InvalidOperationException("Keyward:SignIn: FailuresPerClient and FailuresPerAddress must be at least 1, and Window longer than zero.");
        }

        _window = options.Window;
        _clients = Limits(options.FailuresPerClient, options.Window);
        _addresses = Limits(options.FailuresPerAddress, options.Window);
    }

    public Func<OnRejectedContext, CancellationToken, ValueTask>? OnRejected => RejectAsync;

    public RateLimitPartition<SignInAttempt> GetPartition(HttpContext httpContext) =>
        RateLimitPartition.Get(SignInAttempt.Of(httpContext), attempt => new Gate(this, attempt));

    /// <summary>Counts a refused token request against its client id and its address.</summary>
    public void CountFailure(SignInAttempt attempt)
    {
        ArgumentNullException.ThrowIfNull(attempt);
        _clients.AttemptAcquire(attempt.ClientId).Dispose();
        _addresses.AttemptAcquire(attempt.Origin.Address).Dispose();
    }

    /// <summary>Whether both limits of <paramref name="attempt"/> have room left (the Operator Client asks before it checks a password).</summary>
    public bool HasRoom(SignInAttempt attempt)
    {
        ArgumentNullException.ThrowIfNull(attempt);
        using var lease = Room(attempt);
        return lease.IsAcquired;
    }

    public void Dispose()
    {
        _clients.Dispose();
        _addresses.Dispose();
    }

    private static PartitionedRateLimiter<string> Limits(int failures, TimeSpan window) =>
        PartitionedRateLimiter.Create<string, string>(
            key => RateLimitPartition.GetFixedWindowLimiter(key, _ => new FixedWindowRateLimiterOptions
            {
                PermitLimit = failures,
                Window = window,
                QueueLimit = 0,

                // The partitioned limiter replenishes its partitions on its own timer: no timer per partition.
                AutoReplenishment = false,
            }),
            StringComparer.Ordinal);

    /// <summary>A lease that is acquired when both limits have room left; takes nothing from either.</summary>
    private RateLimitLease Room(SignInAttempt attempt)
    {
        var client = _clients.AttemptAcquire(attempt.ClientId, permitCount: 0);
        if (!client.IsAcquired)
        {
            return client;
        }

        client.Dispose();
        return _addresses.AttemptAcquire(attempt.Origin.Address, permitCount: 0);
    }

    private bool ClientHasRoom(SignInAttempt attempt)
    {
        using var lease = _clients.AttemptAcquire(attempt.ClientId, permitCount: 0);
        return lease.IsAcquired;
    }

    private async ValueTask RejectAsync(OnRejectedContext context, CancellationToken cancellationToken)
    {
        var http = context.HttpContext;
        var attempt = SignInAttempt.Of(http);

        // A fixed-window limiter tells the window's length: an upper bound of the wait.
        var wait = context.Lease.TryGetMetadata(MetadataName.RetryAfter, out var retryAfter) ? retryAfter : _window;
        var seconds = Math.Max(1, (int)Math.Ceiling(wait.TotalSeconds));
        http.Response.Headers.RetryAfter = seconds.ToString(CultureInfo.InvariantCulture);

        // Counted against the address when its limit refused: a client id is the caller's free choice there.
        var failure = new SignInFailure(attempt.ClientId, null, SignInErrors.RateLimited, attempt.Origin, ByAddress: ClientHasRoom(attempt));
        await http.RequestServices.GetRequiredService<ClientSignIn>().RecordFailureAsync(failure, cancellationToken).ConfigureAwait(false);
        await Problems.Problems.From(SignInErrors.RateLimited.WithDetail($"Too many sign-ins were refused for this client id or from this address lately; try again in {seconds} seconds."))
            .ExecuteAsync(http).ConfigureAwait(false);
    }

    /// <summary>
    /// The rate limiter's view of one partition: room in both limits. It keeps no count (the counts live in the
    /// throttle), so the partitioned limiter may drop it as soon as it likes.
    /// </summary>
    private sealed class Gate(SignInThrottle throttle, SignInAttempt attempt) : RateLimiter
    {
        public override TimeSpan? IdleDuration => TimeSpan.MaxValue;

        public override RateLimiterStatistics? GetStatistics() => null;

        protected override RateLimitLease AttemptAcquireCore(int permitCount) => throttle.Room(attempt);

        protected override ValueTask<RateLimitLease> AcquireAsyncCore(int permitCount, CancellationToken cancellationToken) =>
            ValueTask.FromResult(throttle.Room(attempt));
    }
}
