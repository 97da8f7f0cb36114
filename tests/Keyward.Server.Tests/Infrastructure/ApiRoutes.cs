using System.Reflection;
using System.Text.RegularExpressions;
using Keyward.Server.Auth;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Metadata;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.Routing.Patterns;
using Microsoft.Extensions.DependencyInjection;

namespace Keyward.Server.Tests.Infrastructure;

/// <summary>
/// The routes of the Core API (<c>/api/…</c>) as a running server maps them, read from its
/// <see cref="EndpointDataSource"/>: a route added tomorrow is in the list without anyone editing a test.
/// </summary>
public static partial class ApiRoutes
{
    /// <summary>One method of one route and what its handler binds: route values, query parameters, a JSON body.</summary>
    /// <param name="Method">GET or POST.</param>
    /// <param name="Pattern">The route as mapped, e.g. <c>/api/requests/{id}/approve</c>.</param>
    /// <param name="RouteParameters">The names in braces, in order.</param>
    /// <param name="Query">Query parameters by name, with the type the handler binds them to.</param>
    /// <param name="Body">The type of the JSON body, or null (no body, or a body the handler reads itself).</param>
    /// <param name="ContentTypes">The content types the route declares it accepts (empty: JSON when it has a body).</param>
    public sealed record Route(string Method, string Pattern, IReadOnlyList<string> RouteParameters, IReadOnlyDictionary<string, Type> Query, Type? Body, IReadOnlyList<string> ContentTypes)
    {
        /// <summary>The address with each route parameter replaced by <paramref name="valueFor"/> (escaped).</summary>
        public string Address(Func<string, string> valueFor)
        {
            ArgumentNullException.ThrowIfNull(valueFor);
            return ParameterPattern().Replace(Pattern, m => Uri.EscapeDataString(valueFor(m.Groups[1].Value)));
        }

        public override string ToString() => $"{Method} {Pattern}";
    }

    /// <summary>Every GET and POST route under <c>/api</c>, in a stable order.</summary>
    public static IReadOnlyList<Route> Of(IServiceProvider services)
    {
        ArgumentNullException.ThrowIfNull(services);
        var isService = services.GetRequiredService<IServiceProviderIsService>();
        var routes = new List<Route>();
        foreach (var endpoint in services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>())
        {
            var pattern = "/" + (endpoint.RoutePattern.RawText ?? string.Empty).TrimStart('/');
            if (!pattern.StartsWith("/api/", StringComparison.Ordinal) || endpoint.Metadata.GetMetadata<MethodInfo>() is not { } handler)
            {
                continue;
            }

            var routeNames = endpoint.RoutePattern.Parameters.Select(p => p.Name).ToList();
            var query = new Dictionary<string, Type>(StringComparer.Ordinal);
            Type? body = null;
            foreach (var parameter in handler.GetParameters())
            {
                var type = Nullable.GetUnderlyingType(parameter.ParameterType) ?? parameter.ParameterType;
                if (parameter.Name is null || routeNames.Contains(parameter.Name) || IsFramework(type) || isService.IsService(parameter.ParameterType))
                {
                    continue;
                }

                if (type == typeof(string) || type.IsPrimitive || type.IsEnum || type == typeof(DateTimeOffset))
                {
                    query[parameter.Name] = type;
                }
                else
                {
                    body = parameter.ParameterType;
                }
            }

            var accepts = endpoint.Metadata.GetMetadata<IAcceptsMetadata>()?.ContentTypes ?? [];
            foreach (var method in endpoint.Metadata.GetMetadata<IHttpMethodMetadata>()?.HttpMethods ?? [])
            {
                routes.Add(new Route(method, pattern, routeNames, query, body, accepts.ToList()));
            }
        }

        return routes.OrderBy(r => r.Pattern, StringComparer.Ordinal).ThenBy(r => r.Method, StringComparer.Ordinal).ToList();
    }

    private static bool IsFramework(Type type) =>
        type == typeof(CancellationToken) || type == typeof(HttpContext) || type == typeof(HttpRequest) || type == typeof(HttpResponse)
        || type == typeof(Authenticated) || type.GetMethod("BindAsync", BindingFlags.Public | BindingFlags.Static) is not null;

    [GeneratedRegex(@"\{([^}:?]+)[^}]*\}")]
    private static partial Regex ParameterPattern();
}
