namespace Keyward.Recovery;

/// <summary>
/// A running server process's lease on the database: renewed by a heartbeat while the process lives. A
/// collection held by a process (<see cref="RecoveryRequest.CollectionHolder"/>) whose lease has lapsed was
/// interrupted — the process was killed or lost the database — and is returned to AwaitingIssue; a lease that is
/// still renewed is never touched, so servers sharing one database never release each other's collections.
/// </summary>
public sealed class ServerLease
{
    private ServerLease()
    {
        Id = Host = string.Empty;
    }

    public ServerLease(string id, string host, DateTime now, TimeSpan duration)
    {
        Id = id;
        Host = host.Length > 200 ? host[..200] : host;
        StartedAt = now;
        ExpiresAt = now + duration;
    }

    public string Id { get; private set; }

    /// <summary>The machine and process, for an administrator reading the table.</summary>
    public string Host { get; private set; }

    /// <summary>UTC.</summary>
    public DateTime StartedAt { get; private set; }

    /// <summary>UTC: past it, the process is taken to be gone.</summary>
    public DateTime ExpiresAt { get; private set; }

    /// <summary>Extends the lease from <paramref name="now"/>.</summary>
    public void Renew(DateTime now, TimeSpan duration) => ExpiresAt = now + duration;
}
