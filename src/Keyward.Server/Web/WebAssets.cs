using System.Reflection;

namespace Keyward.Server.Web;

/// <summary>
/// The Operator Client's two static files, compiled into the server (Web/Assets) and served from <c>/web/</c>:
/// no CDN, no folder on disk to deploy.
/// </summary>
internal static class WebAssets
{
    private static readonly (string Name, string ContentType)[] Files = [("keyward.css", "text/css; charset=utf-8"), ("keyward.js", "text/javascript; charset=utf-8")];

    public static void MapWebAssets(this IEndpointRouteBuilder app)
    {
        foreach (var (name, contentType) in Files)
        {
            var bytes = Read(name);
            app.MapGet("/web/" + name, (HttpResponse response) =>
                {
                    response.Headers.CacheControl = "public, max-age=3600";
                    return Results.Bytes(bytes, contentType);
                })
                .AllowAnonymous().ExcludeFromDescription();
        }
    }

    private static byte[] Read(string name)
    {
        using var stream = Assembly.GetExecutingAssembly().GetManifestResourceStream("Keyward.Server.Web.Assets." + name)
                           ?? throw new InvalidOperationException($"The web asset {name} is not embedded in the server.");
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        return copy.ToArray();
    }
}
