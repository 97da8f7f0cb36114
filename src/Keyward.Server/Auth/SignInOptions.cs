namespace Keyward.Server.Auth;

/// <summary>
/// Configuration section <c>Keyward:SignIn</c>: how many refused token requests <c>POST /connect/token</c> takes
/// before it answers 429 (<c>auth.rate_limited</c>). Only refusals count, so a client that signs in with its
/// secret is never held back by its own successes. The limits are per server process.
/// </summary>
public sealed class SignInOptions
{
    /// <summary>
    /// Refusals per client id and <see cref="Window"/>: guessing one client's secret goes no faster than this,
    /// from however many addresses.
    /// </summary>
    public int FailuresPerClient { get; set; } = 10;

    /// <summary>
    /// Refusals per remote address and <see cref="Window"/>, whatever client ids they name: trying many client
    /// ids from one place goes no faster than this. Generous, because clients behind one proxy or NAT share it.
    /// </summary>
    public int FailuresPerAddress { get; set; } = 60;

    /// <summary>How long a limit counts refusals before it starts again from zero (fixed windows).</summary>
    public TimeSpan Window { get; set; } = TimeSpan.FromMinutes(1);
}
