namespace Keyward.Server.People;

/// <summary>Where a directory entry's group comes from (<see cref="DirectoryOptions.GroupFrom"/>).</summary>
public enum DirectoryGroupSource
{
    /// <summary>The entry's container: its DN without its own RDN (the OU path), which must be a group of the tree or the base DN.</summary>
    Container = 1,

    /// <summary>The entry's <c>memberOf</c> values: the deepest one that is a group of the tree.</summary>
    MemberOf = 2,
}

/// <summary>The names of the directory attributes a person is read from (section <c>Keyward:Directory:Attributes</c>).</summary>
public sealed class DirectoryAttributeMap
{
    /// <summary>The entry's stable id: <c>entryUUID</c> (OpenLDAP) or <c>objectGUID</c> (Active Directory, read as a GUID).</summary>
    public string Id { get; set; } = "entryUUID";

    /// <summary>The logon name: <c>uid</c> or <c>sAMAccountName</c>.</summary>
    public string LogonName { get; set; } = "uid";

    /// <summary>The person's name: <c>cn</c> or <c>displayName</c>.</summary>
    public string Name { get; set; } = "cn";

    public string Email { get; set; } = "mail";

    /// <summary>The change mark of incremental runs: <c>modifyTimestamp</c> (OpenLDAP) or <c>uSNChanged</c> (Active Directory).</summary>
    public string Changed { get; set; } = "modifyTimestamp";

    /// <summary>The group memberships when <see cref="DirectoryOptions.GroupFrom"/> is <see cref="DirectoryGroupSource.MemberOf"/>.</summary>
    public string MemberOf { get; set; } = "memberOf";
}

/// <summary>
/// Directory sync from LDAP or Active Directory (section <c>Keyward:Directory</c>; docs/directory.md). Off unless
/// <see cref="Url"/> and <see cref="BaseDn"/> are set. The bind password is never a setting: it is read from the
/// environment variable <see cref="BindPasswordVariable"/> names, at each run, and never logged or stored.
/// </summary>
public sealed class DirectoryOptions
{
    /// <summary><c>ldap://host[:389]</c> (add <see cref="StartTls"/>) or <c>ldaps://host[:636]</c>.</summary>
    public Uri? Url { get; set; }

    /// <summary>Upgrade an <c>ldap://</c> connection with StartTLS before binding.</summary>
    public bool StartTls { get; set; }

    /// <summary>The DN Keyward binds as (a read-only service account); anonymous when empty.</summary>
    public string? BindDn { get; set; }

    /// <summary>The environment variable that holds the bind password.</summary>
    public string BindPasswordVariable { get; set; } = "KEYWARD_DIRECTORY_PASSWORD";

    /// <summary>Where people and groups are searched (the whole subtree).</summary>
    public string? BaseDn { get; set; }

    /// <summary>Where groups are searched, when not under <see cref="BaseDn"/>; group paths are relative to it.</summary>
    public string? GroupBaseDn { get; set; }

    /// <summary>Which entries are people.</summary>
    public string PeopleFilter { get; set; } = "(objectClass=inetOrgPerson)";

    /// <summary>Which entries are groups of the tree.</summary>
    public string GroupFilter { get; set; } = "(objectClass=organizationalUnit)";

    public DirectoryGroupSource GroupFrom { get; set; } = DirectoryGroupSource.Container;

    /// <summary>The Keyward group the directory's tree maps under: the base DN is this group, an OU below it a subgroup.</summary>
    public string RootGroup { get; set; } = "Directory";

    public DirectoryAttributeMap Attributes { get; set; } = new();

    /// <summary>How often the server syncs on its own (incremental); off when not set.</summary>
    public TimeSpan? Interval { get; set; }

    /// <summary>A scheduled run is full (and so disables people who left) when the last full run is this old.</summary>
    public TimeSpan FullInterval { get; set; } = TimeSpan.FromDays(1);

    /// <summary>Entries per page of a paged search (RFC 2696); below the server's size limit (AD: 1000).</summary>
    public int PageSize { get; set; } = 500;

    /// <summary>People changed per transaction.</summary>
    public int BatchSize { get; set; } = Keyward.People.Sync.DirectorySync.DefaultBatchSize;

    /// <summary>The time limit of the connection and of each LDAP request.</summary>
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(30);

    public bool IsConfigured => Url is not null && !string.IsNullOrWhiteSpace(BaseDn);
}
