using Keyward.Server.Auth;

namespace Keyward.Server.Web;

/// <summary>
/// The web sign-in limits: a <see cref="SignInThrottle"/> of its own, counting refused passwords per logon name and
/// per address (<see cref="WebOptions.SignIn"/>). One per process, like the token endpoint's.
/// </summary>
internal sealed class WebSignInLimits(SignInThrottle throttle) : IDisposable
{
    public SignInThrottle Throttle { get; } = throttle;

    public void Dispose() => Throttle.Dispose();
}
