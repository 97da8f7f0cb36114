namespace Keyward.People.Sync;

/// <summary>
/// One person as the directory holds them, mapped through the attribute map but not yet checked: every value is
/// untrusted and is checked by the same rules as an imported row (<see cref="Import.PeopleImporter"/>).
/// </summary>
/// <param name="DirectoryId">The entry's stable id (entryUUID, objectGUID); never reused for another person.</param>
/// <param name="Location">Where the entry is (its DN), for refusal reasons.</param>
/// <param name="LogonName">The logon-name attribute (uid, sAMAccountName).</param>
/// <param name="Name">The name attribute (cn, displayName).</param>
/// <param name="Email">The e-mail attribute (mail).</param>
/// <param name="GroupPath">The Keyward group path the entry maps to, or null when it maps nowhere (see <paramref name="Unmapped"/>).</param>
/// <param name="Unmapped">Why the entry maps to no group, when <paramref name="GroupPath"/> is null.</param>
public sealed record DirectoryEntry(string DirectoryId, string Location, string? LogonName, string? Name, string? Email, string? GroupPath, string? Unmapped = null);

/// <summary>
/// What one read of the directory found.
/// </summary>
/// <param name="GroupPaths">The Keyward paths of the directory's group tree (mirrored, under the configured root group).</param>
/// <param name="People">The people read: all of them on a full read, those changed since the mark on an incremental one.</param>
/// <param name="HighWaterMark">The newest change mark among the people read (modifyTimestamp, uSNChanged), for the next incremental read.</param>
/// <param name="Complete">Whether <paramref name="People"/> is every person in the directory: only then may absence mean "left".</param>
public sealed record DirectoryRead(IReadOnlyList<string> GroupPaths, IReadOnlyList<DirectoryEntry> People, string? HighWaterMark, bool Complete);

/// <summary>
/// Reads people and groups from the organisation's directory (LDAP, Active Directory). Implemented by the server;
/// the sync's rules are <see cref="DirectorySync"/>'s alone.
/// </summary>
public interface IDirectorySource
{
    /// <summary>
    /// Reads the group tree and the people: every person when <paramref name="changedSince"/> is null, else those
    /// changed at or after that mark. A refused bind, an unreachable server or a failed search is an error
    /// (<see cref="DirectorySyncErrors"/>), never a partial read.
    /// </summary>
    Task<Common.Result<DirectoryRead>> ReadAsync(string? changedSince, CancellationToken cancellationToken);
}
