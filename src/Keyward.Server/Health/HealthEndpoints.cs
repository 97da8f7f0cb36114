namespace Keyward.Server.Health;

/// <summary><c>GET /health</c>: liveness and readiness of the database and the key protector (docs/operations.md#health).</summary>
internal static class HealthEndpoints
{
    public static void MapHealthEndpoints(this IEndpointRouteBuilder app) =>
        app.MapGet("/health", async (HealthProbe probe, CancellationToken ct) =>
            {
                var report = await probe.CheckAsync(ct);
                return report.Status == HealthReport.Healthy ? Results.Ok(report) : Results.Json(report, statusCode: StatusCodes.Status503ServiceUnavailable);
            })
            .AllowAnonymous()

            // Answered as soon as routing finds it: a probe carries no token, so authentication, rate limiting and
            // the caller's resolution have nothing to do.
            .ShortCircuit()
            .WithName("Health")
            .WithTags("Health");
}
