using System.Globalization;
using System.Text.RegularExpressions;
using Keyward.Audit;
using Keyward.Common;
using Keyward.Recovery;
using Keyward.Scopes;

namespace Keyward.People.Import;

/// <summary>
/// Creates and updates people (matched by logon name) from a file. All or nothing: every row is checked
/// first, and one bad row rejects the whole file with a message naming the row and the field.
/// </summary>
public sealed partial class PeopleImporter
{
    /// <summary>More rows than this is a job for a directory connector, not a file upload.</summary>
    public const int MaxRows = 50_000;

    /// <summary>The longest name of one group in a path (what a group record holds).</summary>
    public const int MaxGroupNameLength = 200;

    private readonly IKeywardStore _store;
    private readonly AuditTrail _audit;

    public PeopleImporter(IKeywardStore store, AuditTrail audit)
    {
        _store = store;
        _audit = audit;
    }

    public async Task<Result<ImportSummary>> ImportAsync(AccessContext access, IReadOnlyList<ImportRow> rows, Channel channel, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(access);
        ArgumentNullException.ThrowIfNull(rows);
        var result = await PlanAndApplyAsync(access, rows, cancellationToken).ConfigureAwait(false);
        if (!result.IsSuccess)
        {
            _store.DiscardChanges();
            await _audit.AppendAsync(
                new AuditEntry(access.Caller.PersonId, access.Caller.LogonName, "people.import", AuditOutcome.Refused, channel, result.Error.Detail, Code: result.Error.Code),
                cancellationToken).ConfigureAwait(false);
            await _store.SaveChangesAsync(cancellationToken).ConfigureAwait(false);
            return result;
        }

        var s = result.Value;
        await _audit.AppendAsync(
            new AuditEntry(access.Caller.PersonId, access.Caller.LogonName, "people.import", AuditOutcome.Succeeded, channel,
                string.Create(CultureInfo.InvariantCulture, $"{rows.Count} rows: {s.Created} created, {s.Updated} updated, {s.Unchanged} unchanged, {s.GroupsCreated} groups created.")),
            cancellationToken).ConfigureAwait(false);
        await _store.SaveChangesAsync(cancellationToken).ConfigureAwait(false);
        return s;
    }

    /// <summary>Creates or updates one person (matched by logon name) and answers them as they now are.</summary>
    public async Task<Result<PersonView>> UpsertAsync(AccessContext access, ImportRow row, Channel channel, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(row);
        var imported = await ImportAsync(access, [row], channel, cancellationToken).ConfigureAwait(false);
        if (!imported.IsSuccess)
        {
            return imported.Error;
        }

        var logon = row.LogonName!.Trim().ToLowerInvariant();
        var person = await _store.FirstOrDefaultAsync(_store.People.Where(p => p.LogonName == logon), cancellationToken).ConfigureAwait(false);
        var group = person is null ? null : await _store.FirstOrDefaultAsync(_store.Groups.Where(g => g.Id == person.GroupId), cancellationToken).ConfigureAwait(false);
        return person is null || group is null
            ? PeopleErrors.NotFound
            : new PersonView(person.Id, person.LogonName, person.Name, person.Email, group.Path, person.Enabled);
    }

    private async Task<Result<ImportSummary>> PlanAndApplyAsync(AccessContext access, IReadOnlyList<ImportRow> rows, CancellationToken cancellationToken)
    {
        if (!access.Caller.Holds(Operation.ManagePeople))
        {
            return PeopleErrors.Forbidden.WithDetail("Importing people needs the ManagePeople operation.");
        }

        if (rows.Count == 0)
        {
            return PeopleErrors.ImportInvalid.WithDetail("The file holds no people.");
        }

        if (rows.Count > MaxRows)
        {
            return PeopleErrors.ImportInvalid.WithDetail($"The file holds {rows.Count} people; at most {MaxRows} are imported at once.");
        }

        // Pass 1: check every row on its own, and logon names across rows. Nothing is staged yet.
        var valid = new List<ValidRow>(rows.Count);
        var seen = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var row in rows)
        {
            var checkedRow = Check(row);
            if (!checkedRow.IsSuccess)
            {
                return checkedRow.Error;
            }

            if (seen.TryGetValue(checkedRow.Value.LogonName, out var first))
            {
                return PeopleErrors.ImportInvalid.WithDetail($"{row.Location}, field 'logonName': '{checkedRow.Value.LogonName}' also appears at {first}.");
            }

            seen[checkedRow.Value.LogonName] = row.Location;
            valid.Add(checkedRow.Value);
        }

        // Pass 2: scope. The caller must reach each person's current and new group. What lies outside the caller's
        // scope is not described: a group outside it and a group that does not exist get one answer, and a logon
        // name taken by someone outside it is only "cannot be used" (docs/errors.md, people.import_forbidden).
        var tree = access.Policy.Groups;
        var reach = access.ReachFor(Operation.ManagePeople);
        var logons = valid.Select(v => v.LogonName).ToList();
        var existing = (await _store.ToListAsync(_store.People.Where(p => logons.Contains(p.LogonName)), cancellationToken).ConfigureAwait(false))
            .ToDictionary(p => p.LogonName, StringComparer.Ordinal);
        foreach (var row in valid)
        {
            var group = tree.FindByPath(row.GroupPath);
            if (!reach.Everyone && (group is null || !reach.Groups.Contains(group.Id)))
            {
                return PeopleErrors.ImportForbidden.WithDetail($"{row.Location}, field 'group': group '{row.GroupPath}' is not within your scope; only an administrator with scope All may create groups.");
            }

            if (existing.TryGetValue(row.LogonName, out var person) && !reach.Covers(person.Id, person.GroupId))
            {
                return PeopleErrors.ImportForbidden.WithDetail(access.Policy.Sees(access.Caller, PersonRef.From(person), Operation.ViewPerson, Operation.ManagePeople)
                    ? $"{row.Location}, field 'logonName': '{row.LogonName}' belongs to someone outside your scope for managing people."
                    : $"{row.Location}, field 'logonName': '{row.LogonName}' cannot be used.");
            }
        }

        // Pass 3: apply. Every row is known good; the caller saves everything in one transaction.
        var groupsByPath = tree.Groups.ToDictionary(g => g.Path, StringComparer.OrdinalIgnoreCase);
        int created = 0, updated = 0, unchanged = 0;
        var groupsCreated = new List<Group>();
        foreach (var row in valid)
        {
            var group = EnsureGroup(_store, row.GroupPath, groupsByPath, groupsCreated);
            if (existing.TryGetValue(row.LogonName, out var person))
            {
                if (person.Name == row.Name && person.Email == row.Email && person.GroupId == group.Id && person.Enabled == row.Enabled)
                {
                    unchanged++;
                    continue;
                }

                person.Update(row.Name, row.Email, group.Id, row.Enabled);
                updated++;
            }
            else
            {
                _store.Add(new Person(Ids.New(), row.LogonName, row.Name, row.Email, group.Id, row.Enabled));
                created++;
            }
        }

        return new ImportSummary(created, updated, unchanged, groupsCreated.Count);
    }

    /// <summary>
    /// The group at <paramref name="path"/> (a path <see cref="Check"/> accepted), staging it and every missing group
    /// above it in <paramref name="store"/>; what it stages is added to <paramref name="created"/>, parents first.
    /// Shared by the file import and directory sync, so both build the tree the same way.
    /// </summary>
    internal static Group EnsureGroup(IKeywardStore store, string path, Dictionary<string, Group> groupsByPath, ICollection<Group> created)
    {
        if (groupsByPath.TryGetValue(path, out var group))
        {
            return group;
        }

        var cut = path.LastIndexOf(Group.PathSeparator);
        var parent = cut < 0 ? null : EnsureGroup(store, path[..cut], groupsByPath, created);
        group = new Group(Ids.New(), cut < 0 ? path : path[(cut + 1)..], parent);
        store.Add(group);
        groupsByPath[group.Path] = group;
        created.Add(group);
        return group;
    }

    internal static Result<ValidRow> Check(ImportRow row)
    {
        Error Bad(string field, string problem) => PeopleErrors.ImportInvalid.WithDetail($"{row.Location}, field '{field}': {problem}");

        var logon = row.LogonName?.Trim().ToLowerInvariant();
        if (string.IsNullOrEmpty(logon))
        {
            return Bad("logonName", "is required.");
        }

        if (!LogonNamePattern().IsMatch(logon))
        {
            return Bad("logonName", $"'{Shown(logon)}' must be 1 to 64 letters, digits, '.', '_' or '-', starting with a letter or digit.");
        }

        var name = row.Name?.Trim();
        if (string.IsNullOrEmpty(name) || name.Length > 200)
        {
            return Bad("name", "is required, at most 200 characters.");
        }

        if (name.Any(char.IsControl))
        {
            return Bad("name", "must not contain control characters (line breaks, tabs, NUL).");
        }

        var email = row.Email?.Trim();
        if (string.IsNullOrEmpty(email))
        {
            return Bad("email", "is required.");
        }

        if (!EmailAddress.IsValid(email))
        {
            return Bad("email", $"'{Shown(email)}' is not an e-mail address Keyward accepts: ASCII local@domain, such as jane.doe@acme.example, at most {EmailAddress.MaxLength} characters.");
        }

        var groupPath = row.Group?.Trim().Trim(Group.PathSeparator);
        if (string.IsNullOrEmpty(groupPath) || groupPath.Length > 400)
        {
            return Bad("group", "is required: a path such as Acme/Finance/Payroll.");
        }

        if (GroupPathProblem(groupPath) is { } problem)
        {
            return Bad("group", problem);
        }

        bool enabled;
        switch (row.Enabled?.Trim().ToLowerInvariant())
        {
            case null or "" or "true" or "yes" or "1":
                enabled = true;
                break;
            case "false" or "no" or "0":
                enabled = false;
                break;
            default:
                return Bad("enabled", $"'{Shown(row.Enabled)}' must be true or false.");
        }

        return new ValidRow(row.Location, logon, name, email, groupPath, enabled);
    }

    /// <summary>
    /// Why a trimmed, non-empty group path (at most 400 characters) is not one Keyward accepts, or null when it is: every
    /// segment non-empty, unpadded, at most <see cref="MaxGroupNameLength"/> characters, no control characters.
    /// </summary>
    internal static string? GroupPathProblem(string groupPath)
    {
        var segments = groupPath.Split(Group.PathSeparator);
        if (segments.Any(s => s.Trim().Length == 0 || s.Trim() != s))
        {
            return $"'{Shown(groupPath)}' has an empty or padded segment.";
        }

        if (segments.Any(s => s.Length > MaxGroupNameLength) || groupPath.Any(char.IsControl))
        {
            return $"each group name in the path must be at most {MaxGroupNameLength} characters, without control characters.";
        }

        return null;
    }

    /// <summary>A value quoted in a refusal: at most 100 characters, so that a huge field does not make a huge answer.</summary>
    internal static string Shown(string? value) =>
        value is null ? string.Empty : value.Length <= 100 ? value : string.Concat(value.AsSpan(0, char.IsHighSurrogate(value[99]) ? 99 : 100), "…");

    [GeneratedRegex("^[a-z0-9][a-z0-9._-]{0,63}$", RegexOptions.CultureInvariant)]
    private static partial Regex LogonNamePattern();

    internal sealed record ValidRow(string Location, string LogonName, string Name, string Email, string GroupPath, bool Enabled);
}
