namespace Keyward.People.Sync;

/// <summary>
/// What one directory sync run did. Each person read counts once: created, moved (their group changed, perhaps
/// their name too), updated (name, e-mail, logon name, or enabled again), unchanged or refused; people who left the
/// directory count as disabled. <see cref="Refusals"/> holds the first <see cref="DirectorySync.MaxRefusalsReported"/>.
/// </summary>
public sealed record DirectorySyncReport(
    bool Full,
    DateTime StartedAt,
    DateTime FinishedAt,
    int Read,
    int Created,
    int Updated,
    int Moved,
    int Disabled,
    int Unchanged,
    int Refused,
    int GroupsCreated,
    IReadOnlyList<DirectoryRefusal> Refusals);

/// <summary>A directory entry the run left alone, and why; nothing of it was applied.</summary>
public sealed record DirectoryRefusal(string Entry, string? LogonName, string Reason);
