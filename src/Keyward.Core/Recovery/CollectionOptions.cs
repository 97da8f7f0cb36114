namespace Keyward.Recovery;

/// <summary>
/// How long collections may take and linger (docs/recovery.md, "Releases" and "Interrupted collections"). One
/// instance per server process.
/// </summary>
public sealed record CollectionOptions
{
    /// <summary>How long after a File Store release its collector may collect once more, should the answer have been lost.</summary>
    public TimeSpan RecollectWindow { get; init; } = TimeSpan.FromMinutes(10);

    /// <summary>How long a server process's lease lasts without a heartbeat; past it, its collections are taken to be interrupted.</summary>
    public TimeSpan LeaseDuration { get; init; } = TimeSpan.FromSeconds(15);

    /// <summary>How often a server process renews its lease and looks for interrupted collections.</summary>
    public TimeSpan LeaseHeartbeat { get; init; } = TimeSpan.FromSeconds(5);
}
