namespace Keyward.Server.Problems;

/// <summary><c>GET /errors/{code}</c>: the page a problem's <c>type</c> points to.</summary>
internal static class ErrorPages
{
    public static void MapErrorPages(this IEndpointRouteBuilder app)
    {
        app.MapGet("/errors", () => Results.Ok(ErrorCatalog.All.Values.OrderBy(e => e.Code).Select(e => new { e.Code, e.Title, e.Detail, status = Problems.StatusFor(e.Kind) })))
            .AllowAnonymous().ExcludeFromDescription();
        app.MapGet("/errors/{code}", (string code) => ErrorCatalog.All.TryGetValue(code, out var e)
                ? Results.Ok(new { e.Code, e.Title, e.Detail, status = Problems.StatusFor(e.Kind) })
                : Problems.From(ProtocolErrors.RouteNotFound.WithDetail($"There is no error code '{code}'.")))
            .AllowAnonymous().ExcludeFromDescription();
    }
}
