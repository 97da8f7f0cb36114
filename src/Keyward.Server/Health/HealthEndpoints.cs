using Keyward.Storage;
using Microsoft.EntityFrameworkCore;

namespace Keyward.Server.Health;

/// <summary><c>GET /health</c>: liveness and readiness of the database and the key protector.</summary>
internal static class HealthEndpoints
{
    public static void MapHealthEndpoints(this IEndpointRouteBuilder app) =>
        app.MapGet("/health", async (KeywardDbContext db, KeyProtectorHealth keys, CancellationToken ct) =>
            {
                bool database;
                try
                {
                    database = await db.Database.CanConnectAsync(ct);
                }
                catch (InvalidOperationException)
                {
                    database = false;
                }

                var healthy = database && keys.Ready;
                var body = new HealthReport(healthy ? "Healthy" : "Unhealthy", new Dictionary<string, string>
                {
                    ["database"] = database ? "Healthy" : "Unhealthy",
                    ["keyProtector"] = keys.Ready ? "Healthy" : "Unhealthy",
                });
                return healthy ? Results.Ok(body) : Results.Json(body, statusCode: StatusCodes.Status503ServiceUnavailable);
            })
            .AllowAnonymous()
            .WithName("Health")
            .WithTags("Health");

    internal sealed record HealthReport(string Status, IReadOnlyDictionary<string, string> Checks);
}

/// <summary>Whether the server's keys are loaded. The key-archive protector reports here too once it exists.</summary>
internal sealed class KeyProtectorHealth
{
    public bool Ready { get; set; }
}
