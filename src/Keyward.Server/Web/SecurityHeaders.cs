namespace Keyward.Server.Web;

/// <summary>
/// Security headers on every answer outside <c>/api</c> and the token endpoint (the Operator Client's pages and
/// assets): a content security policy that allows only Keyward's own scripts, styles and images (no inline script,
/// no framing, forms posting only to Keyward), no MIME sniffing, no referrer. Pages are never cached.
/// </summary>
internal sealed class SecurityHeadersMiddleware(RequestDelegate next)
{
    public const string ContentSecurityPolicy =
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

    public Task InvokeAsync(HttpContext context)
    {
        var path = context.Request.Path;
        if (!path.StartsWithSegments("/api", StringComparison.OrdinalIgnoreCase) && !path.StartsWithSegments("/connect", StringComparison.OrdinalIgnoreCase))
        {
            var headers = context.Response.Headers;
            headers.ContentSecurityPolicy = ContentSecurityPolicy;
            headers.XContentTypeOptions = "nosniff";
            headers.XFrameOptions = "DENY";
            headers["Referrer-Policy"] = "no-referrer";
            headers["Cross-Origin-Opener-Policy"] = "same-origin";
            if (!path.StartsWithSegments("/web", StringComparison.OrdinalIgnoreCase))
            {
                headers.CacheControl = "no-store";
            }
        }

        return next(context);
    }
}
