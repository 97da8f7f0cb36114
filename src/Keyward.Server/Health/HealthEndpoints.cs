using System.Security.Cryptography;
using Keyward.Crypto.Protection;
using Keyward.Storage;
using Microsoft.EntityFrameworkCore;

namespace Keyward.Server.Health;

/// <summary><c>GET /health</c>: liveness and readiness of the database and the key protector.</summary>
internal static class HealthEndpoints
{
    public static void MapHealthEndpoints(this IEndpointRouteBuilder app) =>
        app.MapGet("/health", async (KeywardDbContext db, IKeyProtector protector, CancellationToken ct) =>
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

                var keys = KeyProtectorWorks(protector);
                var healthy = database && keys;
                var body = new HealthReport(healthy ? "Healthy" : "Unhealthy", new Dictionary<string, string>
                {
                    ["database"] = database ? "Healthy" : "Unhealthy",
                    ["keyProtector"] = keys ? "Healthy" : "Unhealthy",
                });
                return healthy ? Results.Ok(body) : Results.Json(body, statusCode: StatusCodes.Status503ServiceUnavailable);
            })
            .AllowAnonymous()

            // Answered as soon as routing finds it: a probe carries no token, so authentication, rate limiting and
            // the caller's resolution have nothing to do.
            .ShortCircuit()
            .WithName("Health")
            .WithTags("Health");

    /// <summary>Wraps and unwraps a throwaway data key under the active storage key: proves the protector (or HSM) answers.</summary>
    private static bool KeyProtectorWorks(IKeyProtector protector)
    {
        Span<byte> probe = stackalloc byte[32];
        RandomNumberGenerator.Fill(probe);
        try
        {
            var wrapped = protector.WrapDataKey(probe, out var storageKeyId);
            var unwrapped = protector.UnwrapDataKey(storageKeyId, wrapped);
            var same = unwrapped.AsSpan().SequenceEqual(probe);
            CryptographicOperations.ZeroMemory(unwrapped);
            return same;
        }
        catch (CryptographicException)
        {
            return false;
        }
    }

    internal sealed record HealthReport(string Status, IReadOnlyDictionary<string, string> Checks);
}
