using Keyward.Audit;
using Keyward.Common;
using Keyward.Recovery;
using Keyward.Scopes;

namespace Keyward.People;

/// <summary>A group as the Core API shows it.</summary>
public sealed record GroupView(string Id, string Name, string Path, string? ParentId);

/// <summary>
/// Creates groups of the tree (ManagePeople with scope All, as an import that creates groups needs), audited. A path
/// creates every missing group along it; a path that exists already is a conflict. People are created and changed by
/// <see cref="Import.PeopleImporter"/>.
/// </summary>
public sealed class GroupAdministration
{
    private readonly IKeywardStore _store;
    private readonly AuditedChange _steps;

    public GroupAdministration(IKeywardStore store, AuditedChange steps)
    {
        _store = store;
        _steps = steps;
    }

    public async Task<Result<IReadOnlyList<GroupView>>> ListAsync(AccessContext access, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(access);
        if (!access.Caller.Holds(Operation.ViewPerson) && !access.Caller.Holds(Operation.ManagePeople))
        {
            return PeopleErrors.Forbidden;
        }

        var groups = await _store.ToListAsync(_store.Groups.OrderBy(g => g.Path), cancellationToken).ConfigureAwait(false);
        return groups.Select(g => new GroupView(g.Id, g.Name, g.Path, g.ParentId)).ToList();
    }

    public Task<Result<GroupView>> CreateAsync(AccessContext access, string? path, Channel channel, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(access);
        return _steps.RunAsync<GroupView>(access, "groups.create", channel, PeopleErrors.GroupExists, async () =>
        {
            if (!access.ReachFor(Operation.ManagePeople).Everyone)
            {
                return PeopleErrors.Forbidden.WithDetail("Creating groups needs the ManagePeople operation with scope All.");
            }

            var clean = path?.Trim().Trim(Group.PathSeparator);
            var segments = clean?.Split(Group.PathSeparator) ?? [];
            if (string.IsNullOrEmpty(clean) || clean.Length > 400 || segments.Any(s => s.Length == 0 || s.Trim() != s || s.Length > Import.PeopleImporter.MaxGroupNameLength || s.Any(char.IsControl)))
            {
                return PeopleErrors.GroupInvalid.WithDetail("A group is a path such as Acme/Finance/Payroll: names of 1 to 200 characters, without padding or control characters, at most 400 in all.");
            }

            var byPath = (await _store.ToListAsync(_store.Groups, cancellationToken).ConfigureAwait(false)).ToDictionary(g => g.Path, StringComparer.OrdinalIgnoreCase);
            if (byPath.ContainsKey(clean))
            {
                return PeopleErrors.GroupExists.WithDetail($"The group '{clean}' exists already.");
            }

            Group? parent = null;
            var made = new List<string>();
            foreach (var segment in segments)
            {
                var at = parent is null ? segment : parent.Path + Group.PathSeparator + segment;
                if (!byPath.TryGetValue(at, out var group))
                {
                    group = new Group(Ids.New(), segment, parent);
                    _store.Add(group);
                    byPath[at] = group;
                    made.Add(group.Path);
                }

                parent = group;
            }

            return new AuditedOutcome<GroupView>(new GroupView(parent!.Id, parent.Name, parent.Path, parent.ParentId), parent.Id, $"Created group(s) {string.Join(", ", made)}.");
        }, cancellationToken);
    }
}
