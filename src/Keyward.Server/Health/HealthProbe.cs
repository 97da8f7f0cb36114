using System.Diagnostics;
using System.Security.Cryptography;
using Keyward.Crypto.Protection;
using Keyward.Storage;
using Microsoft.EntityFrameworkCore;

namespace Keyward.Server.Health;

/// <summary>
/// Checks the database and the key protector for <c>GET /health</c>, at most once per <see cref="Freshness"/>
/// (docs/operations.md#health): a report younger than that is answered as it is, and callers that arrive while a check
/// runs wait for that check instead of starting their own. A load balancer probing many times a second therefore costs
/// one database connection and one key wrap a second, not one per probe. Freshness is measured on the machine's
/// monotonic clock, not the server's <see cref="TimeProvider"/> (which tests stop): it is about the probe, not the
/// business calendar.
/// </summary>
internal sealed class HealthProbe : IDisposable
{
    /// <summary>How long a report is answered before the next caller checks again.</summary>
    public static readonly TimeSpan Freshness = TimeSpan.FromSeconds(1);

    private readonly IServiceScopeFactory _scopes;
    private readonly IKeyProtector _protector;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private volatile Checked? _last;

    public HealthProbe(IServiceScopeFactory scopes, IKeyProtector protector)
    {
        _scopes = scopes;
        _protector = protector;
    }

    /// <summary>The newest report, checked now unless one younger than <see cref="Freshness"/> exists.</summary>
    public async Task<HealthReport> CheckAsync(CancellationToken cancellationToken)
    {
        if (Fresh(_last) is { } report)
        {
            return report;
        }

        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            // Another caller may have checked while this one waited for the gate.
            if (Fresh(_last) is { } checkedMeanwhile)
            {
                return checkedMeanwhile;
            }

            var database = await DatabaseAnswersAsync(cancellationToken).ConfigureAwait(false);
            var fresh = HealthReport.Of(database, KeyProtectorWorks(_protector));
            _last = new Checked(fresh, Stopwatch.GetTimestamp());
            return fresh;
        }
        finally
        {
            _gate.Release();
        }
    }

    public void Dispose() => _gate.Dispose();

    private static HealthReport? Fresh(Checked? last) =>
        last is not null && Stopwatch.GetElapsedTime(last.At) < Freshness ? last.Report : null;

    private async Task<bool> DatabaseAnswersAsync(CancellationToken cancellationToken)
    {
        await using var scope = _scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<KeywardDbContext>();
        try
        {
            return await db.Database.CanConnectAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (InvalidOperationException)
        {
            return false;
        }
    }

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

    private sealed record Checked(HealthReport Report, long At);
}

/// <summary>The body of <c>GET /health</c>: the overall status and each check's.</summary>
internal sealed record HealthReport(string Status, IReadOnlyDictionary<string, string> Checks)
{
    public const string Healthy = "Healthy";
    public const string Unhealthy = "Unhealthy";

    public static HealthReport Of(bool database, bool keyProtector) => new(
        database && keyProtector ? Healthy : Unhealthy,
        new Dictionary<string, string>
        {
            ["database"] = database ? Healthy : Unhealthy,
            ["keyProtector"] = keyProtector ? Healthy : Unhealthy,
        });
}
