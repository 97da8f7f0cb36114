using Microsoft.AspNetCore.RateLimiting;

namespace Keyward.Server.Auth;

/// <summary>
/// Reads the <see cref="SignInAttempt"/> of a request to an endpoint under the sign-in limit, before the rate limiter
/// runs: the limiter partitions by the client id in the form, and a form can only be read asynchronously.
/// </summary>
internal sealed class SignInAttemptMiddleware
{
    private readonly RequestDelegate _next;

    public SignInAttemptMiddleware(RequestDelegate next) => _next = next;

    public async Task InvokeAsync(HttpContext context)
    {
        if (context.GetEndpoint()?.Metadata.GetMetadata<EnableRateLimitingAttribute>()?.PolicyName == SignInThrottle.PolicyName)
        {
            context.Features.Set(await SignInAttempt.ReadAsync(context).ConfigureAwait(false));
        }

        await _next(context).ConfigureAwait(false);
    }
}
