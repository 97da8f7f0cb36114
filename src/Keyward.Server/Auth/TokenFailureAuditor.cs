using Microsoft.AspNetCore;
using Keyward.ApiClients;
using OpenIddict.Abstractions;
using OpenIddict.Server;
using OpenIddict.Server.AspNetCore;

namespace Keyward.Server.Auth;

/// <summary>
/// Audits client authentication failures that OpenIddict answers before Keyward's token endpoint runs
/// (unknown client, wrong secret). Refusals decided by Keyward itself are audited by <see cref="ClientSignIn"/>.
/// </summary>
internal sealed class TokenFailureAuditor : IOpenIddictServerHandler<OpenIddictServerEvents.ApplyTokenResponseContext>
{
    private readonly ClientSignIn _signIn;

    public TokenFailureAuditor(ClientSignIn signIn) => _signIn = signIn;

    public async ValueTask HandleAsync(OpenIddictServerEvents.ApplyTokenResponseContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (context.Response.Error is not OpenIddictConstants.Errors.InvalidClient
            || context.Transaction.GetHttpRequest()?.HttpContext.Items.ContainsKey(TokenEndpoint.AuditedMarker) == true)
        {
            return;
        }

        var clientId = context.Request?.ClientId ?? "(none)";
        await _signIn.RecordFailureAsync(clientId[..Math.Min(clientId.Length, 100)], null, SignInErrors.UnknownClient, context.CancellationToken).ConfigureAwait(false);
    }
}
