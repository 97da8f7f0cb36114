using System.Security.Claims;
using System.Security.Cryptography;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.Extensions.Caching.Memory;
using OpenIddict.Abstractions;

namespace Keyward.Server.Web;

/// <summary>
/// The Operator Client's sessions: an encrypted, signed cookie (<see cref="Scheme"/>) holding the person's id
/// (<c>sub</c>, read by <see cref="Auth.CallerAccessor"/> exactly as a token's) and a random session id. Signing out
/// ends the session for good: its id is remembered as ended until every copy of its cookie has expired, so a cookie
/// saved before sign-out and replayed later is refused. Thread-safe; one per process (each process remembers the
/// sessions ended through it: docs/web.md#sessions).
/// </summary>
internal sealed class WebSessions(IMemoryCache ended, WebOptions options)
{
    public const string Scheme = "KeywardWeb";

    public const string Policy = "KeywardWebSession";

    public const string CookieName = "keyward.session";

    private const string SessionClaim = "sid";

    /// <summary>A new session's principal for <paramref name="personId"/>.</summary>
    public static ClaimsPrincipal PrincipalFor(string personId, string logonName)
    {
        var identity = new ClaimsIdentity(Scheme, OpenIddictConstants.Claims.Name, null);
        identity.AddClaim(new Claim(OpenIddictConstants.Claims.Subject, personId));
        identity.AddClaim(new Claim(OpenIddictConstants.Claims.Name, logonName));
        identity.AddClaim(new Claim(SessionClaim, Convert.ToHexString(RandomNumberGenerator.GetBytes(16))));
        return new ClaimsPrincipal(identity);
    }

    /// <summary>
    /// Where to go once signed in: <paramref name="returnUrl"/> when it is a local path (not the sign-out page), else
    /// the home page. Never another site, so a sign-in link cannot be used to send someone away.
    /// </summary>
    public static string SafeReturnUrl(string? returnUrl) =>
        returnUrl is { Length: > 0 } url && url[0] == '/' && !url.StartsWith("//", StringComparison.Ordinal) && !url.StartsWith("/\\", StringComparison.Ordinal)
            && !url.StartsWith("/signout", StringComparison.OrdinalIgnoreCase)
            ? url
            : "/";

    /// <summary>Remembers the session of <paramref name="principal"/> as ended, for as long as its cookie could live.</summary>
    public void End(ClaimsPrincipal principal)
    {
        if (principal.FindFirst(SessionClaim)?.Value is { } id)
        {
            // Its last cookie was issued at the latest now, and expires at most a timeout later.
            ended.Set(Key(id), true, options.SessionTimeout + TimeSpan.FromMinutes(1));
        }
    }

    /// <summary>Cookie validation: refuses a session that was signed out (or carries no session id).</summary>
    public async Task ValidateAsync(CookieValidatePrincipalContext context)
    {
        if (context.Principal?.FindFirst(SessionClaim)?.Value is not { } id || ended.TryGetValue(Key(id), out _))
        {
            context.RejectPrincipal();
            await context.HttpContext.SignOutAsync(Scheme).ConfigureAwait(false);
        }
    }

    private static string Key(string id) => "keyward.web.ended." + id;
}
