namespace Keyward.Common;

/// <summary>Makes the opaque string ids that every record carries.</summary>
public static class Ids
{
    /// <summary>A new id: time-ordered (so indexes stay compact) and unguessable enough not to enumerate.</summary>
    public static string New() => Guid.CreateVersion7().ToString("N");
}
