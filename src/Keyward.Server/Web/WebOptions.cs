using Keyward.Server.Auth;

namespace Keyward.Server.Web;

/// <summary>Configuration section <c>Keyward:Web</c>: the Operator Client's session and sign-in limits (docs/web.md).</summary>
public sealed class WebOptions
{
    /// <summary>
    /// How long a session lasts without a request: each request within it extends it (sliding), a session idle
    /// longer signs its person out.
    /// </summary>
    public TimeSpan SessionTimeout { get; set; } = TimeSpan.FromMinutes(15);

    /// <summary>
    /// Refused password sign-ins before the form locks: <see cref="SignInOptions.FailuresPerClient"/> counts per logon
    /// name, <see cref="SignInOptions.FailuresPerAddress"/> per remote address, in fixed windows of
    /// <see cref="SignInOptions.Window"/>. While a limit holds, even the right password is refused.
    /// </summary>
    public SignInOptions SignIn { get; set; } = new() { FailuresPerClient = 5, FailuresPerAddress = 60, Window = TimeSpan.FromMinutes(15) };

    /// <summary>Single sign-on through an external OpenID Connect provider; off while its authority is empty.</summary>
    public WebOidcOptions Oidc { get; set; } = new();
}
