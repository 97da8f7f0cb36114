using Microsoft.AspNetCore.Http.Features;

namespace Keyward.Server.Problems;

/// <summary>Endpoint metadata: the largest request body the endpoint accepts, overriding the server default.</summary>
public sealed record BodySizeLimit(long MaxBytes);

/// <summary>
/// Enforces the body size limit of the matched endpoint (or the server default): a declared
/// <c>Content-Length</c> over the limit is refused before the body is read; a chunked body over the limit
/// fails while it is read and is answered the same way by the exception handler.
/// </summary>
internal sealed class BodySizeLimitMiddleware
{
    private readonly RequestDelegate _next;
    private readonly long _defaultMax;

    public BodySizeLimitMiddleware(RequestDelegate next, long defaultMax)
    {
        _next = next;
        _defaultMax = defaultMax;
    }

    public async Task InvokeAsync(HttpContext context)
    {
        var max = context.GetEndpoint()?.Metadata.GetMetadata<BodySizeLimit>()?.MaxBytes ?? _defaultMax;
        if (context.Request.ContentLength > max)
        {
            await Problems.From(ProtocolErrors.BodyTooLarge.WithDetail($"The request body is {context.Request.ContentLength} bytes; this endpoint accepts at most {max}."))
                .ExecuteAsync(context).ConfigureAwait(false);
            return;
        }

        var feature = context.Features.Get<IHttpMaxRequestBodySizeFeature>();
        if (feature is { IsReadOnly: false })
        {
            feature.MaxRequestBodySize = max;
        }

        await _next(context).ConfigureAwait(false);
    }
}
