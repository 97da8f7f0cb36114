using Keyward.ApiClients;
using Keyward.Crypto.Tokens;
using Keyward.Server.Hosting;
using Keyward.Storage;
using Microsoft.AspNetCore.Authentication;
using Microsoft.IdentityModel.Tokens;
using OpenIddict.Server;
using OpenIddict.Validation;
using OpenIddict.Validation.AspNetCore;

namespace Keyward.Server.Auth;

internal static class AuthServiceCollectionExtensions
{
    /// <summary>
    /// OAuth 2.0 client credentials through OpenIddict: the token endpoint under the sign-in limit, client secrets
    /// held hashed in OpenIddict's application store, refused sign-ins counted and audited, and local validation of
    /// access tokens (from the <c>Authorization</c> header only) on every API call.
    /// </summary>
    public static IServiceCollection AddKeywardAuth(this IServiceCollection services, KeywardServerOptions options, TokenKeyRing keys)
    {
        services.AddOpenIddict()
            .AddCore(o => o.UseEntityFrameworkCore().UseDbContext<KeywardDbContext>())
            .AddServer(o =>
            {
                o.SetTokenEndpointUris("connect/token");
                o.AllowClientCredentialsFlow();
                o.SetIssuer(options.Issuer);
                o.SetAccessTokenLifetime(options.AccessTokenLifetime);
                o.AddSigningCredentials(new SigningCredentials(new ECDsaSecurityKey(keys.SigningKey) { KeyId = keys.KeyId }, SecurityAlgorithms.EcdsaSha256));
                o.AddEncryptionKey(new SymmetricSecurityKey(keys.EncryptionKey) { KeyId = keys.KeyId + "-enc" });
                if (!options.EncryptAccessTokens)
                {
                    // Signed only (docs/security.md, "Access tokens"): the claims are an id and a lifetime, nothing secret.
                    o.DisableAccessTokenEncryption();
                }

                // Client-credential tokens are self-contained and short-lived: nothing to store per token.
                o.DisableTokenStorage();
                o.DisableAuthorizationStorage();
                var aspNetCore = o.UseAspNetCore().EnableTokenEndpointPassthrough();
                if (options.AllowHttp)
                {
                    aspNetCore.DisableTransportSecurityRequirement();
                }

                o.AddEventHandler<OpenIddictServerEvents.ApplyTokenResponseContext>(b => b.UseScopedHandler<TokenRefusalHandler>());
            })
            .AddValidation(o =>
            {
                o.UseLocalServer();

                // A token in an address leaks into logs: /api refuses it (TokenInQueryMiddleware). A form body is no
                // place for one either; the header is the only way in.
                o.UseAspNetCore()
                    .DisableAccessTokenExtractionFromQueryString()
                    .DisableAccessTokenExtractionFromBodyForm();
            });

        // Both halves read the clock from DI, so tests can move time past a token's expiry.
        services.AddOptions<OpenIddictServerOptions>().Configure<TimeProvider>((o, clock) => o.TimeProvider = clock);
        services.AddOptions<OpenIddictValidationOptions>().Configure<TimeProvider>((o, clock) => o.TimeProvider = clock);

        // The API's scheme answers a token it has seen accepted from memory and hands everything else, challenges
        // included, to OpenIddict's validation (VerifiedTokens).
        services.AddSingleton<VerifiedTokens>();
        services.AddAuthentication(VerifiedTokenHandler.SchemeName)
            .AddScheme<AuthenticationSchemeOptions, VerifiedTokenHandler>(VerifiedTokenHandler.SchemeName, o =>
            {
                o.ForwardChallenge = OpenIddictValidationAspNetCoreDefaults.AuthenticationScheme;
                o.ForwardForbid = OpenIddictValidationAspNetCoreDefaults.AuthenticationScheme;
            });
        services.AddAuthorization();
        services.AddScoped<CallerAccessor>();

        // Registered through a factory so the container disposes it; made here so bad limits stop the start.
        var throttle = new SignInThrottle(options.SignIn);
        services.AddSingleton(_ => throttle);
        services.AddRateLimiter(o =>
        {
            o.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
            o.AddPolicy(SignInThrottle.PolicyName, throttle);
        });
        services.AddSingleton<DecoyClient>();
        services.AddSingleton<SignInFailureTally>();
        services.AddHostedService<SignInFailureWriter>();
        return services;
    }
}
