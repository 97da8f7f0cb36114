using System.DirectoryServices.Protocols;
using System.Net;
using System.Text;
using Keyward.Common;
using Keyward.People;
using Keyward.People.Sync;

namespace Keyward.Server.People;

/// <summary>
/// Reads the directory for <see cref="DirectorySync"/> over LDAP v3 (System.DirectoryServices.Protocols; libldap on
/// Linux): binds with the configured DN and the password from the environment, reads the group tree and then the
/// people with paged searches (RFC 2696), so neither Active Directory's 1000-entry limit nor slapd's size limit cuts a
/// read short. Maps each entry through <see cref="DirectoryOptions.Attributes"/> and its group through
/// <see cref="DirectoryOptions.GroupFrom"/>; judging the values is the core's job. The password is never logged.
/// </summary>
internal sealed partial class LdapDirectorySource : IDirectorySource
{
    /// <summary>LDAP result codes (RFC 4511) that mean the bind itself was refused.</summary>
    private static readonly HashSet<int> BindRefusals = [48, 49, 50, 53];

    private readonly DirectoryOptions _options;
    private readonly ILogger<LdapDirectorySource> _logger;

    public LdapDirectorySource(DirectoryOptions options, ILogger<LdapDirectorySource> logger)
    {
        _options = options;
        _logger = logger;
    }

    public Task<Result<DirectoryRead>> ReadAsync(string? changedSince, CancellationToken cancellationToken) =>
        Task.Run(() => Read(changedSince, cancellationToken), cancellationToken);

    private Result<DirectoryRead> Read(string? changedSince, CancellationToken cancellationToken)
    {
        if (!_options.IsConfigured)
        {
            return DirectorySyncErrors.NotConfigured;
        }

        var baseDn = DistinguishedName.Parse(_options.BaseDn);
        var groupBase = DistinguishedName.Parse(_options.GroupBaseDn ?? _options.BaseDn);
        if (baseDn is null || groupBase is null)
        {
            return DirectorySyncErrors.NotConfigured.WithDetail("Keyward:Directory:BaseDn (or GroupBaseDn) is not a distinguished name such as dc=acme,dc=example.");
        }

        var password = Environment.GetEnvironmentVariable(_options.BindPasswordVariable);
        var bindDn = string.IsNullOrWhiteSpace(_options.BindDn) ? null : _options.BindDn;
        if (bindDn is not null && string.IsNullOrEmpty(password))
        {
            return DirectorySyncErrors.BindRefused.WithDetail($"No bind password: the environment variable {_options.BindPasswordVariable} is not set on the server; nothing was changed.");
        }

        try
        {
            using var connection = Connect(bindDn, password);
            var groups = ReadGroups(connection, groupBase, cancellationToken);
            var people = new List<DirectoryEntry>();
            string? mark = null;
            foreach (var entry in Search(connection, _options.BaseDn!, PeopleFilter(changedSince), PersonAttributes(), cancellationToken))
            {
                people.Add(ToPerson(entry, baseDn, groups));
                var changed = First(entry, _options.Attributes.Changed);
                if (IsMark(changed) && (mark is null || CompareMarks(changed!, mark) > 0))
                {
                    mark = changed;
                }
            }

            LogRead(_logger, people.Count, groups.Count, changedSince is null);
            return new DirectoryRead(groups.Values.Select(g => g.Path).Where(p => p is not null).Select(p => p!).ToList(), people, mark, changedSince is null);
        }
        catch (LdapException ex) when (BindRefusals.Contains(ex.ErrorCode))
        {
            LogBindRefused(_logger, Host, ex.ErrorCode);
            return DirectorySyncErrors.BindRefused.WithDetail($"The directory at {Host} refused the bind as {bindDn ?? "anonymous"} (LDAP result {ex.ErrorCode}: {OneLine(ex.ServerErrorMessage ?? ex.Message)}); check Keyward:Directory:BindDn and the password in {_options.BindPasswordVariable}. Nothing was changed.");
        }
        catch (LdapException ex)
        {
            LogUnreachable(_logger, Host, ex.ErrorCode, OneLine(ex.Message));
            return DirectorySyncErrors.Unreachable.WithDetail($"The directory at {Host} cannot be reached (LDAP error {ex.ErrorCode}: {OneLine(ex.Message)}). Nothing was changed.");
        }
        catch (DirectoryOperationException ex)
        {
            var code = ex.Response?.ResultCode.ToString() ?? "unknown";
            LogSearchFailed(_logger, Host, code, OneLine(ex.Response?.ErrorMessage ?? ex.Message));
            return DirectorySyncErrors.ReadFailed.WithDetail($"The directory at {Host} failed the search ({code}: {OneLine(ex.Response?.ErrorMessage ?? ex.Message)}); check Keyward:Directory:BaseDn and the filters. Nothing was changed.");
        }
    }

    private string Host => _options.Url is null ? "(none)" : $"{_options.Url.Scheme}://{_options.Url.Authority}";

    private LdapConnection Connect(string? bindDn, string? password)
    {
        var url = _options.Url!;
        var secure = string.Equals(url.Scheme, "ldaps", StringComparison.OrdinalIgnoreCase);
        if (!secure && !string.Equals(url.Scheme, "ldap", StringComparison.OrdinalIgnoreCase))
        {
            throw new LdapException(91, $"Keyward:Directory:Url must be ldap:// or ldaps://, not {url.Scheme}://.");
        }

        var port = url.IsDefaultPort || url.Port <= 0 ? (secure ? 636 : 389) : url.Port;
        var connection = new LdapConnection(new LdapDirectoryIdentifier(url.Host, port, fullyQualifiedDnsHostName: false, connectionless: false))
        {
            AuthType = bindDn is null ? AuthType.Anonymous : AuthType.Basic,
            Timeout = _options.Timeout,
        };
        try
        {
            connection.SessionOptions.ProtocolVersion = 3;
            connection.SessionOptions.ReferralChasing = ReferralChasingOptions.None;
            if (secure)
            {
                connection.SessionOptions.SecureSocketLayer = true;
            }
            else if (_options.StartTls)
            {
                connection.SessionOptions.StartTransportLayerSecurity(null);
            }

            if (bindDn is null)
            {
                connection.Bind();
            }
            else
            {
                connection.Bind(new NetworkCredential(bindDn, password));
            }

            return connection;
        }
        catch
        {
            connection.Dispose();
            throw;
        }
    }

    /// <summary>The groups of the tree by normalised DN, each with its Keyward path (null when its name cannot be one).</summary>
    private Dictionary<string, TreeGroup> ReadGroups(LdapConnection connection, DistinguishedName groupBase, CancellationToken cancellationToken)
    {
        var groups = new Dictionary<string, TreeGroup>(StringComparer.Ordinal);
        foreach (var entry in Search(connection, groupBase.ToString(), _options.GroupFilter, ["1.1"], cancellationToken))
        {
            var dn = DistinguishedName.Parse(entry.DistinguishedName);
            var below = dn?.ValuesBelow(groupBase);
            if (dn is null || below is null)
            {
                continue;
            }

            var badName = below.FirstOrDefault(v => v.Contains(Group.PathSeparator, StringComparison.Ordinal) || v.Length == 0);
            groups[dn.Key] = badName is null
                ? new TreeGroup(string.Join(Group.PathSeparator, [RootGroup, .. below]), null)
                : new TreeGroup(null, $"the group name '{Clip(badName)}' is empty or holds a '{Group.PathSeparator}'");
        }

        return groups;
    }

    private string RootGroup => _options.RootGroup.Trim().Trim(Group.PathSeparator);

    private DirectoryEntry ToPerson(SearchResultEntry entry, DistinguishedName baseDn, Dictionary<string, TreeGroup> groups)
    {
        var attributes = _options.Attributes;
        var id = string.Equals(attributes.Id, "objectGUID", StringComparison.OrdinalIgnoreCase) ? Guid(entry, attributes.Id) : First(entry, attributes.Id);
        var (path, unmapped) = GroupOf(entry, baseDn, groups);
        return new DirectoryEntry(id ?? string.Empty, entry.DistinguishedName, First(entry, attributes.LogonName), First(entry, attributes.Name), First(entry, attributes.Email), path, unmapped);
    }

    private (string? Path, string? Unmapped) GroupOf(SearchResultEntry entry, DistinguishedName baseDn, Dictionary<string, TreeGroup> groups)
    {
        var dn = DistinguishedName.Parse(entry.DistinguishedName);
        if (dn is null)
        {
            return (null, "its DN cannot be read");
        }

        if (_options.GroupFrom == DirectoryGroupSource.Container)
        {
            var container = dn.Parent;
            if (groups.TryGetValue(container.Key, out var group))
            {
                return (group.Path, group.Problem);
            }

            return container.Key == baseDn.Key
                ? (RootGroup, null)
                : (null, $"its container {Clip(container.ToString())} is not a group of the directory's tree (Keyward:Directory:GroupFilter)");
        }

        var member = All(entry, _options.Attributes.MemberOf)
            .Select(DistinguishedName.Parse)
            .Where(g => g is not null && groups.TryGetValue(g.Key, out var found) && found.Path is not null)
            .Select(g => groups[g!.Key].Path!)
            .OrderByDescending(p => p.Count(c => c == Group.PathSeparator))
            .ThenBy(p => p, StringComparer.Ordinal)
            .FirstOrDefault();
        return member is null ? (null, $"none of its {_options.Attributes.MemberOf} groups is a group of the directory's tree") : (member, null);
    }

    private string PeopleFilter(string? changedSince) => changedSince is null
        ? _options.PeopleFilter
        : $"(&{_options.PeopleFilter}({_options.Attributes.Changed}>={Escape(changedSince)}))";

    private string[] PersonAttributes()
    {
        var a = _options.Attributes;
        List<string> names = [a.Id, a.LogonName, a.Name, a.Email, a.Changed];
        if (_options.GroupFrom == DirectoryGroupSource.MemberOf)
        {
            names.Add(a.MemberOf);
        }

        return names.Distinct(StringComparer.OrdinalIgnoreCase).ToArray();
    }

    /// <summary>Every entry of a subtree search, a page at a time.</summary>
    private IEnumerable<SearchResultEntry> Search(LdapConnection connection, string baseDn, string filter, string[] attributes, CancellationToken cancellationToken)
    {
        var paging = new PageResultRequestControl(Math.Max(1, _options.PageSize));
        var request = new SearchRequest(baseDn, filter, SearchScope.Subtree, attributes);
        request.Controls.Add(paging);
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var response = (SearchResponse)connection.SendRequest(request, _options.Timeout);
            foreach (SearchResultEntry entry in response.Entries)
            {
                yield return entry;
            }

            var next = response.Controls.OfType<PageResultResponseControl>().FirstOrDefault();
            if (next is null || next.Cookie is not { Length: > 0 })
            {
                yield break;
            }

            paging.Cookie = next.Cookie;
        }
    }

    private static string? First(SearchResultEntry entry, string attribute) => All(entry, attribute).FirstOrDefault();

    private static IEnumerable<string> All(SearchResultEntry entry, string attribute)
    {
        var values = entry.Attributes[attribute];
        if (values is null)
        {
            yield break;
        }

        foreach (var value in values.GetValues(typeof(string)))
        {
            if (value is string text)
            {
                yield return text;
            }
        }
    }

    /// <summary>Active Directory's objectGUID: 16 bytes, shown in the usual GUID form.</summary>
    private static string? Guid(SearchResultEntry entry, string attribute)
    {
        var values = entry.Attributes[attribute];
        return values is { Count: > 0 } && values.GetValues(typeof(byte[]))[0] is byte[] { Length: 16 } bytes ? new Guid(bytes).ToString() : null;
    }

    /// <summary>A change mark Keyward may put in a filter: generalized time or a USN, nothing else.</summary>
    private static bool IsMark(string? value) =>
        value is { Length: > 0 and <= 64 } && value.All(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '+' or '-');

    /// <summary>USNs compare as numbers, generalized times as text (the same server writes them in one format).</summary>
    private static int CompareMarks(string a, string b) =>
        a.All(char.IsAsciiDigit) && b.All(char.IsAsciiDigit)
            ? a.Length != b.Length ? a.Length.CompareTo(b.Length) : string.CompareOrdinal(a, b)
            : string.CompareOrdinal(a, b);

    /// <summary>RFC 4515 escaping of a value in a filter.</summary>
    private static string Escape(string value)
    {
        var text = new StringBuilder(value.Length);
        foreach (var c in value)
        {
            text.Append(c switch
            {
                '*' => @"\2a",
                '(' => @"\28",
                ')' => @"\29",
                '\\' => @"\5c",
                '\0' => @"\00",
                _ => c.ToString(),
            });
        }

        return text.ToString();
    }

    private static string Clip(string value) => value.Length <= 100 ? value : value[..100] + "…";

    private static string OneLine(string? value) => new string((value ?? string.Empty).Select(c => char.IsControl(c) ? ' ' : c).ToArray()).Trim();

    private sealed record TreeGroup(string? Path, string? Problem);

    [LoggerMessage(EventId = 2300, Level = LogLevel.Information, Message = "Directory read: {People} people and {Groups} groups (full: {Full})")]
    private static partial void LogRead(ILogger logger, int people, int groups, bool full);

    [LoggerMessage(EventId = 2301, Level = LogLevel.Warning, Message = "The directory at {Host} refused the bind (LDAP result {Code})")]
    private static partial void LogBindRefused(ILogger logger, string host, int code);

    [LoggerMessage(EventId = 2302, Level = LogLevel.Warning, Message = "The directory at {Host} cannot be reached (LDAP error {Code}: {Reason})")]
    private static partial void LogUnreachable(ILogger logger, string host, int code, string reason);

    [LoggerMessage(EventId = 2303, Level = LogLevel.Warning, Message = "The directory at {Host} failed a search ({Code}: {Reason})")]
    private static partial void LogSearchFailed(ILogger logger, string host, string code, string reason);
}
