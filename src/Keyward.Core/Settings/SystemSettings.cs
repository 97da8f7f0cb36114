namespace Keyward.Settings;

/// <summary>System-wide options. One row.</summary>
public sealed class SystemSettings
{
    public const int SingletonId = 1;

    public int Id { get; private set; } = SingletonId;

    /// <summary>Self-service recovery requests to a new device or as soft certificates are allowed (docs/recovery.md#requesting, check 2). Off by default.</summary>
    public bool AllowSelfRequests { get; set; }

    /// <summary>The database was seeded with the demo organisation (and holds nothing else).</summary>
    public bool IsDemo { get; set; }

    /// <summary>
    /// When <c>keyward server init</c> created the first administrator (UTC); null before. The database's own record
    /// that it is initialised: a second init is refused by it, whatever the data folder holds.
    /// </summary>
    public DateTime? InitialisedAt { get; private set; }

    /// <summary>
    /// The newest change mark (modifyTimestamp, uSNChanged) of the people the last directory sync read: the next
    /// incremental sync reads entries changed at or after it. Null before the first sync.
    /// </summary>
    public string? DirectoryHighWaterMark { get; private set; }

    /// <summary>When the last full directory sync finished (UTC); the scheduled sync runs a full one when this is old.</summary>
    public DateTime? DirectoryFullSyncAt { get; private set; }

    /// <summary>Records a finished directory sync: its mark (kept when the run read no change) and, for a full one, its time.</summary>
    public void RecordDirectorySync(string? highWaterMark, DateTime? fullSyncAt)
    {
        DirectoryHighWaterMark = highWaterMark ?? DirectoryHighWaterMark;
        DirectoryFullSyncAt = fullSyncAt ?? DirectoryFullSyncAt;
    }

    /// <summary>Records the first start.</summary>
    public void MarkInitialised(DateTime now) => InitialisedAt = now;
}
