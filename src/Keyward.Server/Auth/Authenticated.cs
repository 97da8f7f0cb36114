using System.Reflection;
using Keyward.Recovery;
using Keyward.Scopes;

namespace Keyward.Server.Auth;

/// <summary>
/// The resolved caller of an API endpoint, bound as a handler parameter. <see cref="CallerResolutionMiddleware"/>
/// resolves it once per call, after authorization and before parameter binding.
/// </summary>
public sealed class Authenticated
{
    internal const string ItemKey = "keyward.access";

    private Authenticated(AccessContext access, Channel claimedChannel)
    {
        Access = access;
        ClaimedChannel = claimedChannel;
    }

    public AccessContext Access { get; }

    /// <summary>
    /// The channel the client names in its <c>Keyward-Channel</c> header (<see cref="ChannelHeader"/>), for history and
    /// audit: what the client says it is, not something Keyward has checked. Never decide anything by it.
    /// </summary>
    public Channel ClaimedChannel { get; }

    public static ValueTask<Authenticated?> BindAsync(HttpContext context, ParameterInfo parameter)
    {
        ArgumentNullException.ThrowIfNull(context);
        return ValueTask.FromResult(context.Items[ItemKey] is AccessContext access ? new Authenticated(access, ChannelHeader.Read(context.Request)) : null);
    }
}

/// <summary>Endpoint metadata: the endpoint acts for a resolved caller.</summary>
internal sealed class RequiresCaller;

/// <summary>
/// For endpoints marked <see cref="RequiresCaller"/> with an authenticated principal: resolves the person
/// behind the token and answers 401 when they are gone or disabled (disabling a person cuts off their clients
/// at once, not when their tokens expire).
/// </summary>
internal sealed class CallerResolutionMiddleware
{
    private readonly RequestDelegate _next;

    public CallerResolutionMiddleware(RequestDelegate next) => _next = next;

    public async Task InvokeAsync(HttpContext context, CallerAccessor callers)
    {
        if (context.GetEndpoint()?.Metadata.GetMetadata<RequiresCaller>() is not null && context.User.Identity?.IsAuthenticated == true)
        {
            var resolved = await callers.ResolveAsync(context.User, context.RequestAborted).ConfigureAwait(false);
            if (!resolved.IsSuccess)
            {
                await Problems.Problems.From(resolved.Error).ExecuteAsync(context).ConfigureAwait(false);
                return;
            }

            context.Items[Authenticated.ItemKey] = resolved.Value;
        }

        await _next(context).ConfigureAwait(false);
    }
}
