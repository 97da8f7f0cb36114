using System.Security.Claims;
using Microsoft.AspNetCore;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using OpenIddict.Abstractions;
using OpenIddict.Server.AspNetCore;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace Keyward.Web.Tests.Infrastructure;

/// <summary>
/// A small OpenID Connect provider on loopback for the single sign-on tests: OpenIddict's server with an in-memory
/// SQLite store, the authorization code flow with PKCE, ephemeral keys, and an authorization endpoint that asks
/// nothing and signs in <see cref="User"/> at once (its logon name as <c>preferred_username</c>, and an e-mail).
/// </summary>
public sealed class IdentityProvider : IAsyncDisposable
{
    public const string ClientId = "keyward-operator-client";

    public const string ClientSecret = "identity-provider-test-secret";

    private readonly WebApplication _app;
    private readonly SqliteConnection _database;

    private IdentityProvider(WebApplication app, SqliteConnection database, Uri address)
    {
        _app = app;
        _database = database;
        Address = address;
    }

    /// <summary>The issuer, e.g. <c>http://127.0.0.1:41235/</c>.</summary>
    public Uri Address { get; }

    /// <summary>The logon name the next sign-in vouches for.</summary>
    public string User { get; set; } = "olivia";

    public static async Task<IdentityProvider> StartAsync()
    {
        var database = new SqliteConnection("Data Source=:memory:");
        await database.OpenAsync();
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Services.AddDbContext<ProviderStore>(o => o.UseSqlite(database).UseOpenIddict());
        builder.Services.AddOpenIddict()
            .AddCore(o => o.UseEntityFrameworkCore().UseDbContext<ProviderStore>())
            .AddServer(o =>
            {
                o.SetAuthorizationEndpointUris("connect/authorize").SetTokenEndpointUris("connect/token");
                o.AllowAuthorizationCodeFlow().RequireProofKeyForCodeExchange();
                o.AddEphemeralEncryptionKey().AddEphemeralSigningKey();
                o.RegisterScopes(OpenIddictConstants.Scopes.OpenId, OpenIddictConstants.Scopes.Profile, OpenIddictConstants.Scopes.Email);
                o.UseAspNetCore().EnableAuthorizationEndpointPassthrough().DisableTransportSecurityRequirement();
            });
        builder.Services.AddAuthentication();
        var app = builder.Build();
        var address = default(Uri);
        IdentityProvider? provider = null;
        app.MapMethods("connect/authorize", [HttpMethods.Get, HttpMethods.Post], (HttpContext context) =>
        {
            var request = context.GetOpenIddictServerRequest() ?? throw new InvalidOperationException("Not an OpenID Connect request.");
            var user = provider!.User;
            var identity = new ClaimsIdentity(OpenIddictServerAspNetCoreDefaults.AuthenticationScheme, Claims.Name, Claims.Role);
            identity.SetClaim(Claims.Subject, "idp-" + user)
                .SetClaim(Claims.PreferredUsername, user)
                .SetClaim(Claims.Email, user + "@idp.example")
                .SetClaim(Claims.Name, user);
            identity.SetScopes(request.GetScopes());
            identity.SetDestinations(_ => [Destinations.AccessToken, Destinations.IdentityToken]);
            return Results.SignIn(new ClaimsPrincipal(identity), null, OpenIddictServerAspNetCoreDefaults.AuthenticationScheme);
        });

        await using (var scope = app.Services.CreateAsyncScope())
        {
            await scope.ServiceProvider.GetRequiredService<ProviderStore>().Database.EnsureCreatedAsync();
        }

        await app.StartAsync();
        address = new Uri(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First() + "/");
        provider = new IdentityProvider(app, database, address);
        return provider;
    }

    /// <summary>Registers Keyward as a confidential client whose redirect address is on <paramref name="keyward"/>.</summary>
    public async Task RegisterClientAsync(Uri keyward)
    {
        await using var scope = _app.Services.CreateAsyncScope();
        var applications = scope.ServiceProvider.GetRequiredService<IOpenIddictApplicationManager>();
        await applications.CreateAsync(new OpenIddictApplicationDescriptor
        {
            ClientId = ClientId,
            ClientSecret = ClientSecret,
            ClientType = ClientTypes.Confidential,
            RedirectUris = { new Uri(keyward, "signin/oidc/callback") },
            Permissions =
            {
                Permissions.Endpoints.Authorization, Permissions.Endpoints.Token, Permissions.GrantTypes.AuthorizationCode,
                Permissions.ResponseTypes.Code, Permissions.Scopes.Profile, Permissions.Scopes.Email,
            },
            Requirements = { Requirements.Features.ProofKeyForCodeExchange },
        });
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
        await _database.DisposeAsync();
    }

    private sealed class ProviderStore(DbContextOptions<ProviderStore> options) : DbContext(options);
}
