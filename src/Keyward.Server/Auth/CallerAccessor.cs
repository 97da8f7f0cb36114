using System.Security.Claims;
using Keyward.ApiClients;
using Keyward.Scopes;
using OpenIddict.Abstractions;

namespace Keyward.Server.Auth;

/// <summary>Resolves the authenticated principal of a call to the core's <see cref="AccessContext"/>.</summary>
internal sealed class CallerAccessor
{
    private readonly CallerResolver _resolver;

    public CallerAccessor(CallerResolver resolver) => _resolver = resolver;

    /// <summary>
    /// The caller's access context, or an error when the token's person no longer exists or is disabled:
    /// disabling a person cuts off their clients at once, not when their tokens expire.
    /// </summary>
    public async Task<Common.Result<AccessContext>> ResolveAsync(ClaimsPrincipal principal, CancellationToken cancellationToken)
    {
        var personId = principal.GetClaim(OpenIddictConstants.Claims.Subject);
        if (string.IsNullOrEmpty(personId))
        {
            return SignInErrors.InvalidToken;
        }

        var access = await _resolver.ResolveAsync(personId, cancellationToken).ConfigureAwait(false);
        if (access is null)
        {
            return SignInErrors.InvalidToken;
        }

        return access.Caller.Enabled ? access : SignInErrors.PersonDisabled;
    }
}
