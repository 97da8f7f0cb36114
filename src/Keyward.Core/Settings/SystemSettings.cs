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
}
