using System.Net;
using Keyward.Server.Auth;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.OpenIdConnect;
using Microsoft.IdentityModel.Protocols.OpenIdConnect;

namespace Keyward.Server.Web;

/// <summary>
/// The Operator Client's single sign-on (docs/web.md#single-sign-on): ASP.NET Core's OpenID Connect handler runs the
/// authorization code flow with PKCE against <see cref="WebOidcOptions.Authority"/>; when the provider's ID token is
/// valid, <see cref="OidcSignIn"/> decides who that is, and the handler signs in the same <see cref="WebSessions"/>
/// cookie principal a password sign-in makes. A refusal ends on the sign-in page with a message, and no session.
/// </summary>
internal static class WebOidc
{
    public const string Scheme = "KeywardWebOidc";

    public const string StartPath = "/signin/oidc";

    public const string CallbackPath = "/signin/oidc/callback";

    public static AuthenticationBuilder AddKeywardWebOidc(this AuthenticationBuilder authentication, WebOidcOptions oidc) =>
        authentication.AddOpenIdConnect(Scheme, oidc.DisplayName, o =>
        {
            o.Authority = oidc.Authority;
            o.ClientId = oidc.ClientId;
            o.ClientSecret = string.IsNullOrEmpty(oidc.ClientSecret) ? null : oidc.ClientSecret;
            o.ResponseType = OpenIdConnectResponseType.Code;
            o.ResponseMode = oidc.ResponseMode;
            o.UsePkce = true;
            o.RequireHttpsMetadata = !IsLoopback(new Uri(oidc.Authority));
            o.CallbackPath = CallbackPath;
            o.SignInScheme = WebSessions.Scheme;
            o.MapInboundClaims = false;
            o.SaveTokens = false;
            o.Scope.Clear();
            o.Scope.Add("openid");
            foreach (var scope in oidc.Scopes.Split(' ', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            {
                o.Scope.Add(scope);
            }

            // With response_mode=query the provider comes back by a top-level redirect, which carries Lax cookies;
            // form_post comes back by a cross-site POST, which carries only SameSite=None cookies (and those need HTTPS).
            var sameSite = oidc.ResponseMode == "form_post" ? SameSiteMode.None : SameSiteMode.Lax;
            o.CorrelationCookie.SameSite = o.NonceCookie.SameSite = sameSite;
            o.CorrelationCookie.SecurePolicy = o.NonceCookie.SecurePolicy = sameSite == SameSiteMode.None ? CookieSecurePolicy.Always : CookieSecurePolicy.SameAsRequest;

            o.Events.OnTokenValidated = async context =>
            {
                var http = context.HttpContext;
                var signIn = http.RequestServices.GetRequiredService<OidcSignIn>();
                var person = await signIn.SignInAsync(context.Principal?.FindFirst(oidc.MatchClaim)?.Value, SignInAttempt.AddressOf(http.Connection.RemoteIpAddress), http.RequestAborted).ConfigureAwait(false);
                if (!person.IsSuccess)
                {
                    context.HandleResponse();
                    context.Response.Redirect("/signin?refused=" + OidcSignIn.RefusalKey(person.Error));
                    return;
                }

                context.Principal = WebSessions.PrincipalFor(person.Value.Id, person.Value.LogonName);
            };
            o.Events.OnRemoteFailure = context =>
            {
                // The provider refused, or the answer failed its checks (state, nonce, signature): no session.
                context.HandleResponse();
                context.Response.Redirect("/signin?refused=provider");
                return Task.CompletedTask;
            };
        });

    /// <summary><c>GET /signin/oidc?returnUrl=…</c>: sends the browser to the provider, and back to the local <c>returnUrl</c> once signed in.</summary>
    public static void MapKeywardWebOidc(this WebApplication app) =>
        app.MapGet(StartPath, (string? returnUrl) =>
            Results.Challenge(new AuthenticationProperties { RedirectUri = WebSessions.SafeReturnUrl(returnUrl) }, [Scheme]));

    private static bool IsLoopback(Uri authority) =>
        authority.IsLoopback || (IPAddress.TryParse(authority.Host.Trim('[', ']'), out var address) && IPAddress.IsLoopback(address));
}
