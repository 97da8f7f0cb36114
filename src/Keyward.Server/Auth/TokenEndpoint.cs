using Microsoft.AspNetCore;
using System.Security.Claims;
using Keyward.ApiClients;
using Microsoft.AspNetCore.Authentication;
using OpenIddict.Abstractions;
using OpenIddict.Server.AspNetCore;

namespace Keyward.Server.Auth;

/// <summary>
/// <c>POST /connect/token</c>. OpenIddict has already checked the grant type and the client's secret when this
/// runs; Keyward decides as whom the client acts and whether that person may have a token at all.
/// </summary>
internal static class TokenEndpoint
{
    /// <summary>
    /// HTTP context item: the <see cref="Common.Error"/> for which Keyward refused this token request (and which
    /// <see cref="ClientSignIn"/> has audited).
    /// </summary>
    public const string RefusalItem = "keyward.sign-in-refusal";

    public static void MapTokenEndpoint(this IEndpointRouteBuilder app) =>
        app.MapPost("/connect/token", IssueAsync).RequireRateLimiting(SignInThrottle.PolicyName).WithMetadata(new Problems.ReadsForm()).ExcludeFromDescription();

    private static async Task<IResult> IssueAsync(HttpContext http, ClientSignIn signIn, CancellationToken cancellationToken)
    {
        var request = http.GetOpenIddictServerRequest() ?? throw new InvalidOperationException("The OpenIddict request is missing.");
        if (!request.IsClientCredentialsGrantType() || string.IsNullOrEmpty(request.ClientId))
        {
            return Refuse(OpenIddictConstants.Errors.UnsupportedGrantType, "Only the client_credentials grant is supported.");
        }

        var person = await signIn.ResolveAsync(request.ClientId, SignInAttempt.Of(http).Origin, cancellationToken).ConfigureAwait(false);
        if (!person.IsSuccess)
        {
            http.Items[RefusalItem] = person.Error;
            return Refuse(OpenIddictConstants.Errors.InvalidClient, person.Error.Detail);
        }

        var identity = new ClaimsIdentity(OpenIddictServerAspNetCoreDefaults.AuthenticationScheme, OpenIddictConstants.Claims.Name, OpenIddictConstants.Claims.Role);
        identity.SetClaim(OpenIddictConstants.Claims.Subject, person.Value.Id);
        identity.SetClaim(OpenIddictConstants.Claims.Name, person.Value.LogonName);
        identity.SetClaim(OpenIddictConstants.Claims.ClientId, request.ClientId);
        identity.SetDestinations(_ => [OpenIddictConstants.Destinations.AccessToken]);
        return Results.SignIn(new ClaimsPrincipal(identity), authenticationScheme: OpenIddictServerAspNetCoreDefaults.AuthenticationScheme);
    }

    private static IResult Refuse(string error, string description) => Results.Forbid(
        new AuthenticationProperties(new Dictionary<string, string?>
        {
            [OpenIddictServerAspNetCoreConstants.Properties.Error] = error,
            [OpenIddictServerAspNetCoreConstants.Properties.ErrorDescription] = description,
        }),
        [OpenIddictServerAspNetCoreDefaults.AuthenticationScheme]);
}
