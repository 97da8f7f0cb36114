using Keyward.ApiClients;
using Keyward.Common;
using Microsoft.AspNetCore;
using OpenIddict.Abstractions;
using OpenIddict.Server;

namespace Keyward.Server.Auth;

/// <summary>
/// Runs on every error answer of <c>POST /connect/token</c>, before it is written:
/// <list type="number">
/// <item>An <c>invalid_client</c> answer reads the same for an unknown client id, a wrong secret and a client bound to
/// no person (<c>error_description</c> of <c>auth.invalid_client</c>, no <c>error_uri</c>): OpenIddict tells the first
/// two apart, which would tell a caller which client ids exist. A disabled person's answer, given only after the right
/// secret, keeps its own description.</item>
/// <item>For an unknown client id the secret presented is checked against <see cref="DecoyClient"/>, so the answer takes
/// about as long as a wrong secret's: OpenIddict refuses an unknown id without hashing anything.</item>
/// <item>The refusal is counted against the sign-in limits (<see cref="SignInThrottle"/>) and, unless Keyward's token
/// endpoint refused it (and <see cref="ClientSignIn"/> audited it there), audited.</item>
/// </list>
/// </summary>
internal sealed class TokenRefusalHandler : IOpenIddictServerHandler<OpenIddictServerEvents.ApplyTokenResponseContext>
{
    private readonly ClientSignIn _signIn;
    private readonly SignInThrottle _throttle;
    private readonly IOpenIddictApplicationManager _applications;
    private readonly DecoyClient _decoy;

    public TokenRefusalHandler(ClientSignIn signIn, SignInThrottle throttle, IOpenIddictApplicationManager applications, DecoyClient decoy)
    {
        _signIn = signIn;
        _throttle = throttle;
        _applications = applications;
        _decoy = decoy;
    }

    public async ValueTask HandleAsync(OpenIddictServerEvents.ApplyTokenResponseContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (context.Response.Error is null || context.Transaction.GetHttpRequest()?.HttpContext is not { } http)
        {
            return;
        }

        var attempt = SignInAttempt.Of(http);
        _throttle.CountFailure(attempt);
        if (context.Response.Error is not OpenIddictConstants.Errors.InvalidClient)
        {
            return;
        }

        var decided = http.Items[TokenEndpoint.RefusalItem] as Error;
        context.Response.ErrorDescription = (decided ?? SignInErrors.UnknownClient).Detail;
        context.Response.ErrorUri = null;
        if (decided is not null)
        {
            return;
        }

        var known = context.Request?.ClientId is { Length: > 0 } clientId
                    && await _applications.FindByClientIdAsync(clientId, context.CancellationToken).ConfigureAwait(false) is not null;
        if (!known && context.Request?.ClientSecret is { Length: > 0 } secret)
        {
            await _decoy.VerifyAsync(_applications, secret, context.CancellationToken).ConfigureAwait(false);
        }

        await _signIn.RecordFailureAsync(new SignInFailure(attempt.ClientId, null, SignInErrors.UnknownClient, attempt.Origin, ByAddress: !known), context.CancellationToken)
            .ConfigureAwait(false);
    }
}
