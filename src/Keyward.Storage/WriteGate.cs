namespace Keyward.Storage;

/// <summary>
/// Lets one unit of work at a time write to an embedded SQLite database. SQLite has one writer; without a gate,
/// concurrent writers find the database locked and Microsoft.Data.Sqlite retries them after fixed sleeps, so
/// under load commits queue behind sleeps rather than behind each other. The embedded database serves one
/// process, so an in-process gate orders its writers exactly; PostgreSQL needs none (its locks are the server's).
/// </summary>
internal sealed class WriteGate : IDisposable
{
    private readonly SemaphoreSlim? _gate;

    private WriteGate(bool enabled) => _gate = enabled ? new SemaphoreSlim(1, 1) : null;

    public static WriteGate ForSqlite() => new(enabled: true);

    public static WriteGate None() => new(enabled: false);

    /// <summary>Waits for the gate; dispose the answer to leave it.</summary>
    public async ValueTask<Passage> EnterAsync(CancellationToken cancellationToken)
    {
        if (_gate is not null)
        {
            await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        }

        return new Passage(_gate);
    }

    public void Dispose() => _gate?.Dispose();

    /// <summary>Holding the gate.</summary>
    internal readonly struct Passage(SemaphoreSlim? gate) : IDisposable
    {
        public void Dispose() => gate?.Release();
    }
}
