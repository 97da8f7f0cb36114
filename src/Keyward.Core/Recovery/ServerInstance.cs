using System.Collections.Concurrent;

namespace Keyward.Recovery;

/// <summary>
/// This server process: the id of its lease, which marks the collections it works on, and which of those it is
/// working on right now. One instance per process; thread-safe.
/// </summary>
public sealed class ServerInstance
{
    private readonly ConcurrentDictionary<string, byte> _working = new(StringComparer.Ordinal);

    public ServerInstance(string host)
    {
        Host = host;
    }

    /// <summary>A fresh id per process start: a restarted process never inherits its predecessor's collections.</summary>
    public string Id { get; } = Common.Ids.New();

    /// <summary>Machine and process id, for people reading the lease table.</summary>
    public string Host { get; }

    /// <summary>
    /// Marks <paramref name="collectionId"/> as worked on by this process until the answer is disposed. Taken before the
    /// collection is saved and held until the call that works on it has ended, however it ended: a collection that still
    /// names this process's lease afterwards was left behind (its outcome could not be saved), and
    /// <see cref="ServerLeases"/> returns it.
    /// </summary>
    public IDisposable WorkOn(string collectionId)
    {
        ArgumentException.ThrowIfNullOrEmpty(collectionId);
        _working[collectionId] = 0;
        return new Work(this, collectionId);
    }

    /// <summary>Whether a call of this process is working on the collection now.</summary>
    public bool IsWorkingOn(string collectionId) => _working.ContainsKey(collectionId);

    private sealed class Work(ServerInstance instance, string collectionId) : IDisposable
    {
        public void Dispose() => instance._working.TryRemove(collectionId, out _);
    }
}
