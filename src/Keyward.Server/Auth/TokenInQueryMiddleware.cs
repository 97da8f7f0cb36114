using Keyward.ApiClients;

namespace Keyward.Server.Auth;

/// <summary>
/// Refuses every <c>/api</c> call whose query string carries an <c>access_token</c> (400, <c>auth.token_in_query</c>),
/// even when it also has a valid <c>Authorization</c> header: an address ends up in proxy and server logs and in browser
/// history, so a token sent in one must be treated as leaked, and a client that does it must find out at once.
/// OpenIddict is told not to read tokens from the query string at all (<see cref="AuthServiceCollectionExtensions"/>);
/// this answer is what makes the mistake visible.
/// </summary>
internal sealed class TokenInQueryMiddleware
{
    private const string Parameter = "access_token";

    private readonly RequestDelegate _next;

    public TokenInQueryMiddleware(RequestDelegate next) => _next = next;

    public async Task InvokeAsync(HttpContext context)
    {
        if (context.Request.Path.StartsWithSegments("/api", StringComparison.OrdinalIgnoreCase) && context.Request.Query.ContainsKey(Parameter))
        {
            await Problems.Problems.From(SignInErrors.TokenInQuery).ExecuteAsync(context).ConfigureAwait(false);
            return;
        }

        await _next(context).ConfigureAwait(false);
    }
}
