using Keyward.Server.Auth;
using Keyward.Server.Hosting;
using Keyward.Server.Problems;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.DataProtection;

namespace Keyward.Server.Web;

/// <summary>
/// The Operator Client (docs/web.md): Razor Pages under <c>Web/Pages</c>, signed in through a cookie scheme of their
/// own (<see cref="WebSessions.Scheme"/>), so that the Core API's bearer tokens stay the default scheme and the pages
/// never accept one.
/// </summary>
internal static class WebServiceCollectionExtensions
{
    public static IServiceCollection AddKeywardWeb(this IServiceCollection services, KeywardServerOptions options)
    {
        var web = options.Web;
        if (web.SessionTimeout <= TimeSpan.Zero)
        {
            throw new InvalidOperationException("Keyward:Web:SessionTimeout must be longer than zero.");
        }

        services.AddSingleton(web);
        services.AddMemoryCache();

        // Cookies and anti-forgery tokens are protected by keys kept in the data folder, so that a restart (or another
        // process given the same data folder) keeps sessions.
        services.AddDataProtection()
            .SetApplicationName("Keyward")
            .PersistKeysToFileSystem(new DirectoryInfo(Path.Combine(options.DataDirectory, "web-keys")));

        var authentication = services.AddAuthentication();
        authentication
            .AddCookie(WebSessions.Scheme, o =>
            {
                o.Cookie.Name = WebSessions.CookieName;
                o.Cookie.HttpOnly = true;
                o.Cookie.SameSite = SameSiteMode.Strict;
                o.Cookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
                o.ExpireTimeSpan = web.SessionTimeout;
                o.SlidingExpiration = true;
                o.LoginPath = "/signin";
                o.LogoutPath = "/signout";
                o.AccessDeniedPath = "/signin";
                o.ReturnUrlParameter = "returnUrl";
                o.Events.OnValidatePrincipal = context => context.HttpContext.RequestServices.GetRequiredService<WebSessions>().ValidateAsync(context);
            });
        web.Oidc.Validate();
        if (web.Oidc.Enabled)
        {
            authentication.AddKeywardWebOidc(web.Oidc);
        }

        services.AddAuthorizationBuilder()
            .AddPolicy(WebSessions.Policy, p => p.AddAuthenticationSchemes(WebSessions.Scheme).RequireAuthenticatedUser());
        services.AddAntiforgery(o =>
        {
            o.Cookie.Name = "keyward.antiforgery";
            o.Cookie.SameSite = SameSiteMode.Strict;
            o.Cookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
            o.FormFieldName = "__keyward_form";
            o.HeaderName = null;
        });

        services.AddRazorPages(o =>
            {
                o.RootDirectory = "/Web/Pages";
                o.Conventions.AuthorizeFolder("/", WebSessions.Policy);
                o.Conventions.AllowAnonymousToPage("/SignIn");
            })
            .AddApplicationPart(typeof(WebServiceCollectionExtensions).Assembly);

        var limits = new WebSignInLimits(new SignInThrottle(web.SignIn));
        services.AddSingleton(_ => limits);
        services.AddSingleton<WebSessions>();
        services.AddSingleton<PfxDownloads>();
        services.AddScoped<PasswordSignIn>();
        services.AddScoped<OidcSignIn>();
        return services;
    }

    public static void MapKeywardWeb(this WebApplication app)
    {
        app.MapWebAssets();
        if (app.Services.GetRequiredService<WebOptions>().Oidc.Enabled)
        {
            app.MapKeywardWebOidc();
        }

        // Page forms are read by TextInputMiddleware too: a field holding NUL is refused before any page sees it.
        app.MapRazorPages().WithMetadata(new ReadsForm());
    }
}
