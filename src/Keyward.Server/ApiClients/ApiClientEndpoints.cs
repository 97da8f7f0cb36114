using Keyward.ApiClients;
using Keyward.Server.Auth;
using Keyward.Server.Problems;

namespace Keyward.Server.ApiClients;

/// <summary><c>/api/apiClients</c>: register clients and rotate their secrets (<see cref="ApiClientAdministration"/>).</summary>
internal static class ApiClientEndpoints
{
    public static void MapApiClientEndpoints(this RouteGroupBuilder api)
    {
        var clients = api.MapGroup("/apiClients").WithTags("API clients");
        clients.MapGet("/", async (Authenticated caller, ApiClientAdministration admin, CancellationToken ct) =>
                Problems.Problems.Ok(await admin.ListAsync(caller.Access, ct)))
            .WithName("ListApiClients");
        clients.MapPost("/", async (Authenticated caller, ApiClientAdministration admin, NewApiClient body, CancellationToken ct) =>
                NoStore(await admin.CreateAsync(caller.Access, body, caller.ClaimedChannel, ct), created: true))
            .WithName("CreateApiClient");
        clients.MapPost("/{clientId}/secret", async (Authenticated caller, ApiClientAdministration admin, string clientId, CancellationToken ct) =>
                NoStore(await admin.RotateSecretAsync(caller.Access, clientId, caller.ClaimedChannel, ct), created: false))
            .WithName("RotateApiClientSecret");
    }

    /// <summary>A secret is in this one answer: no cache may keep it.</summary>
    private static IResult NoStore(Common.Result<IssuedClientSecret> result, bool created) => !result.IsSuccess
        ? Problems.Problems.From(result.Error)
        : new NoStoreResult(created ? Results.Created($"/api/apiClients/{result.Value.ClientId}", result.Value) : Results.Ok(result.Value));

    private sealed class NoStoreResult(IResult inner) : IResult
    {
        public Task ExecuteAsync(HttpContext httpContext)
        {
            httpContext.Response.Headers.CacheControl = "no-store";
            return inner.ExecuteAsync(httpContext);
        }
    }
}
