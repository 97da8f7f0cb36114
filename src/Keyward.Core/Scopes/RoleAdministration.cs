using Keyward.Audit;
using Keyward.Common;
using Keyward.People;
using Keyward.Recovery;

namespace Keyward.Scopes;

/// <summary>A role as the Core API shows it.</summary>
public sealed record RoleView(string Id, string Name, string Description, IReadOnlyList<Operation> Operations)
{
    public static RoleView Of(Role role)
    {
        ArgumentNullException.ThrowIfNull(role);
        return new(role.Id, role.Name, role.Description, role.Operations);
    }
}

/// <summary>A new role: a name and the operations it grants. Scope belongs to each assignment, not to the role.</summary>
public sealed record RoleSettings(string? Name, string? Description, IReadOnlyList<Operation>? Operations);

/// <summary>One role assignment to make: the role (id or name), its scope and any administrative groups (by path).</summary>
public sealed record AssignmentSettings(string? Role, Scope Scope, IReadOnlyList<string>? AdministrativeGroups);

/// <summary>A person's role assignment as the Core API shows it.</summary>
public sealed record AssignmentView(string Id, string PersonId, string RoleId, string Role, Scope Scope, IReadOnlyList<string> AdministrativeGroups);

/// <summary>
/// Creates roles and assigns them (ManageRoles), audited. A role grants only operations its creator holds, and its
/// creator holds it from then on (at the widest scope of their ManageRoles), so that the grant rule of
/// <see cref="AccessPolicy.DecideGrant"/> — nobody grants a role they do not hold, nor a wider scope — lets them
/// pass it on.
/// </summary>
public sealed class RoleAdministration
{
    private readonly IKeywardStore _store;
    private readonly AuditedChange _steps;

    public RoleAdministration(IKeywardStore store, AuditedChange steps)
    {
        _store = store;
        _steps = steps;
    }

    public async Task<Result<IReadOnlyList<RoleView>>> ListAsync(AccessContext access, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(access);
        if (!access.Caller.Holds(Operation.ManageRoles) && !access.Caller.Holds(Operation.ManageProfiles))
        {
            return RoleErrors.Forbidden;
        }

        var roles = await _store.ToListAsync(_store.Roles.OrderBy(r => r.Name), cancellationToken).ConfigureAwait(false);
        return roles.Select(RoleView.Of).ToList();
    }

    public Task<Result<RoleView>> CreateAsync(AccessContext access, RoleSettings settings, Channel channel, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(access);
        return _steps.RunAsync<RoleView>(access, "roles.create", channel, RoleErrors.NameTaken, async () =>
        {
            if (!access.Caller.Holds(Operation.ManageRoles))
            {
                return RoleErrors.Forbidden;
            }

            var name = settings?.Name?.Trim();
            if (string.IsNullOrEmpty(name) || name.Length > 100 || name.Any(char.IsControl))
            {
                return RoleErrors.Invalid.WithDetail("A role needs a name of 1 to 100 characters, without control characters.");
            }

            var description = settings!.Description?.Trim() ?? string.Empty;
            if (description.Length > 1000)
            {
                return RoleErrors.Invalid.WithDetail("A role's description is at most 1000 characters.");
            }

            var operations = settings.Operations ?? [];
            if (operations.Count == 0 || operations.Any(o => !Enum.IsDefined(o)))
            {
                return RoleErrors.Invalid.WithDetail("A role grants at least one operation, each one of docs/scopes.md#operations.");
            }

            var missing = operations.Where(o => !access.Caller.Holds(o)).Distinct().ToList();
            if (missing.Count > 0)
            {
                return RoleErrors.OperationNotHeld.WithDetail($"You do not hold {string.Join(", ", missing)}, so a role you create cannot grant it.");
            }

            if (await _store.AnyAsync(_store.Roles.Where(r => r.Name == name), cancellationToken).ConfigureAwait(false))
            {
                return RoleErrors.NameTaken.WithDetail($"Another role is named '{name}'.");
            }

            var role = new Role(Ids.New(), name, description, operations);
            _store.Add(role);
            var creator = await _store.FirstOrDefaultAsync(_store.People.Where(p => p.Id == access.Caller.PersonId), cancellationToken).ConfigureAwait(false);
            var scope = access.Caller.Grants.Where(g => g.Role.Grants(Operation.ManageRoles)).Max(g => g.Scope);
            creator!.Assign(role, scope);
            return new AuditedOutcome<RoleView>(RoleView.Of(role), role.Id,
                $"Created role '{role.Name}' granting {string.Join(", ", role.Operations)}; its creator {access.Caller.LogonName} holds it with scope {scope}.");
        }, cancellationToken);
    }

    /// <summary>Gives <paramref name="personId"/> a role with a scope, if <see cref="AccessPolicy.DecideGrant"/> allows it.</summary>
    public Task<Result<AssignmentView>> AssignAsync(AccessContext access, string personId, AssignmentSettings settings, Channel channel, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(access);
        return _steps.RunAsync<AssignmentView>(access, "roles.assign", channel, RoleErrors.AlreadyAssigned, async () =>
        {
            var person = await _store.FirstOrDefaultAsync(_store.People.Where(p => p.Id == personId), cancellationToken).ConfigureAwait(false);
            if (person is null || !access.Policy.Sees(access.Caller, PersonRef.From(person), Operation.ViewPerson, Operation.ManageRoles))
            {
                return PeopleErrors.NotFound;
            }

            var reference = settings?.Role?.Trim();
            var role = string.IsNullOrEmpty(reference) ? null
                : await _store.FirstOrDefaultAsync(_store.Roles.Where(r => r.Id == reference), cancellationToken).ConfigureAwait(false)
                  ?? (await _store.ToListAsync(_store.Roles, cancellationToken).ConfigureAwait(false)).FirstOrDefault(r => string.Equals(r.Name, reference, StringComparison.OrdinalIgnoreCase));
            if (role is null)
            {
                return RoleErrors.NotFound;
            }

            if (!Enum.IsDefined(settings!.Scope) || settings.Scope == Scope.None)
            {
                return RoleErrors.Invalid.WithDetail("The scope is Self, Department, Division or All.");
            }

            var groupIds = new List<string>();
            foreach (var path in settings.AdministrativeGroups ?? [])
            {
                var group = access.Policy.Groups.FindByPath(path?.Trim().Trim(Group.PathSeparator) ?? string.Empty);
                if (group is null)
                {
                    return RoleErrors.Invalid.WithDetail($"No group has the path '{(path?.Length > 100 ? path[..100] + "…" : path)}'.");
                }

                groupIds.Add(group.Id);
            }

            var decision = access.Policy.DecideGrant(access.Caller, PersonRef.From(person), role, settings.Scope, groupIds);
            if (decision != AccessDecision.Allowed)
            {
                return RoleErrors.GrantRefused.WithDetail($"You may not grant '{role.Name}' with scope {settings.Scope} to {person.LogonName}: {decision}.");
            }

            if (person.Assignments.Any(a => a.RoleId == role.Id))
            {
                return RoleErrors.AlreadyAssigned.WithDetail($"{person.LogonName} already holds '{role.Name}'.");
            }

            var assignment = person.Assign(role, settings.Scope, groupIds);
            var paths = (settings.AdministrativeGroups ?? []).Select(p => p.Trim().Trim(Group.PathSeparator)).ToList();
            return new AuditedOutcome<AssignmentView>(
                new AssignmentView(assignment.Id, person.Id, role.Id, role.Name, assignment.Scope, paths),
                assignment.Id,
                $"Assigned '{role.Name}' with scope {settings.Scope}{(paths.Count > 0 ? $" and administrative groups {string.Join(", ", paths)}" : string.Empty)} to {person.LogonName}. Before: none. After: {role.Name} ({settings.Scope}).",
                person.Id);
        }, cancellationToken);
    }
}
