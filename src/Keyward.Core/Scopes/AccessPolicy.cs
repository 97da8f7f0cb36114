using System.Collections.Concurrent;
using System.Globalization;
using System.Runtime.CompilerServices;
using Keyward.Profiles;

namespace Keyward.Scopes;

/// <summary>
/// The authorization engine: "may caller C perform operation O on target person T (with credential
/// profile P)?" and "may C grant role R with scope S to T?". Pure functions of their inputs; every adapter
/// and use case goes through them, and the table-driven tests hammer them.
/// </summary>
/// <remarks>
/// An operation is allowed when <b>one</b> assignment of the caller grants it, its scope reaches the target
/// and — when a profile is given and the operation is governed by one of its role lists — that assignment's
/// role is on the list. The same assignment must satisfy all three: a Self-scoped role on the profile's
/// list does not combine with a Division-scoped role that is not.
/// </remarks>
public sealed class AccessPolicy
{
    private readonly GroupTree _groups;

    // Each caller's reaches, by operation and profile role list: a Division's reach is a set of hundreds of groups, and a
    // page of requests asks Decide several times per row. A caller and the tree are immutable snapshots (both are
    // replaced when the access epoch moves), so a reach, once worked out, stays right for as long as both live.
    private readonly ConditionalWeakTable<Caller, ConcurrentDictionary<string, Reach>> _reaches = new();

    public AccessPolicy(GroupTree groups) => _groups = groups;

    public GroupTree Groups => _groups;

    /// <summary>The people the caller may act on with <paramref name="operation"/>.</summary>
    public Reach ReachFor(Caller caller, Operation operation, CredentialProfile? profile = null)
    {
        ArgumentNullException.ThrowIfNull(caller);
        var list = profile is null ? null : RoleListFor(profile, operation);
        var key = list is null ? ((int)operation).ToString(CultureInfo.InvariantCulture) : $"{(int)operation}|{string.Join('|', list)}";
        return _reaches.GetValue(caller, _ => new ConcurrentDictionary<string, Reach>(StringComparer.Ordinal))
            .GetOrAdd(key, _ => ReachOf(caller, g => g.Role.Grants(operation) && (list is null || list.Contains(g.Role.Id)), operation.IsSelfService()));
    }

    /// <summary>The union of the reach of the caller's assignments that <paramref name="counts"/> selects.</summary>
    private Reach ReachOf(Caller caller, Func<Grant, bool> counts, bool selfOnly)
    {
        if (!caller.Enabled)
        {
            return Reach.Nobody;
        }

        var everyone = false;
        string? self = null;
        var groups = new HashSet<string>(StringComparer.Ordinal);
        foreach (var grant in caller.Grants.Where(g => g.Scope != Scope.None && counts(g)))
        {
            self = caller.PersonId;
            if (selfOnly)
            {
                // "My" operations always target the caller, whatever the assignment's scope.
                continue;
            }

            switch (grant.Scope)
            {
                case Scope.All:
                    everyone = true;
                    break;
                case Scope.Department:
                    groups.Add(caller.GroupId);
                    groups.UnionWith(grant.AdministrativeGroupIds);
                    break;
                case Scope.Division:
                    groups.UnionWith(_groups.Subtree(caller.GroupId));
                    foreach (var extra in grant.AdministrativeGroupIds)
                    {
                        groups.UnionWith(_groups.Subtree(extra));
                    }

                    break;
            }
        }

        return everyone || groups.Count > 0 || self is not null ? new Reach(everyone, groups, self, caller.GroupId) : Reach.Nobody;
    }

    /// <summary>May <paramref name="caller"/> perform <paramref name="operation"/> on <paramref name="target"/>?</summary>
    public AccessDecision Decide(Caller caller, Operation operation, PersonRef target, CredentialProfile? profile = null)
    {
        ArgumentNullException.ThrowIfNull(caller);
        ArgumentNullException.ThrowIfNull(target);
        if (!caller.Enabled)
        {
            return AccessDecision.CallerDisabled;
        }

        if (!caller.Holds(operation))
        {
            return AccessDecision.OperationNotGranted;
        }

        if (operation.IsSelfService() && !string.Equals(target.Id, caller.PersonId, StringComparison.Ordinal))
        {
            return AccessDecision.NotSelf;
        }

        if (!ReachFor(caller, operation).Covers(target))
        {
            return AccessDecision.TargetOutOfScope;
        }

        if (!target.Enabled && !operation.IsReadOnly())
        {
            return AccessDecision.TargetDisabled;
        }

        if (profile is not null && !ReachFor(caller, operation, profile).Covers(target))
        {
            return AccessDecision.RoleNotPermittedByProfile;
        }

        return AccessDecision.Allowed;
    }

    /// <summary>
    /// Whether the caller may learn that <paramref name="target"/> exists, before a step that needs
    /// <paramref name="operation"/>: the target is the caller, or the role that lets the caller see such records
    /// (<paramref name="view"/>: ViewPerson, ViewCertificate, ViewDevice, ViewRequest) or a role that grants the
    /// step reaches them. A target the caller cannot see must be answered exactly like one that does not exist
    /// ("not found"); one they can see may be refused with "forbidden", which tells them nothing new.
    /// </summary>
    /// <remarks>
    /// The step's own reach counts because performing the step would reveal the target anyway; a caller who may
    /// act on someone without a role to view them is not told "not found" about the very people they may act on.
    /// </remarks>
    public bool Sees(Caller caller, PersonRef target, Operation view, Operation operation)
    {
        ArgumentNullException.ThrowIfNull(caller);
        ArgumentNullException.ThrowIfNull(target);
        return caller.Enabled
               && (string.Equals(target.Id, caller.PersonId, StringComparison.Ordinal)
                   || ReachFor(caller, view).Covers(target)
                   || ReachFor(caller, operation).Covers(target));
    }

    /// <summary>
    /// May <paramref name="granter"/> give <paramref name="grantee"/> the role <paramref name="role"/> with
    /// <paramref name="scope"/> (and the administrative groups)? Nobody grants a role they do not hold or a
    /// scope wider than their own, and the grantee and every administrative group must be within the
    /// granter's ManageRoles reach and within the reach of the granter's own assignment of that role.
    /// </summary>
    public AccessDecision DecideGrant(Caller granter, PersonRef grantee, Role role, Scope scope, IReadOnlyCollection<string> administrativeGroupIds)
    {
        ArgumentNullException.ThrowIfNull(granter);
        ArgumentNullException.ThrowIfNull(role);
        ArgumentNullException.ThrowIfNull(administrativeGroupIds);
        var manage = Decide(granter, Operation.ManageRoles, grantee);
        if (manage is not AccessDecision.Allowed and not AccessDecision.TargetDisabled)
        {
            return manage;
        }

        var own = granter.Grants.Where(g => g.Role.Id == role.Id && g.Scope != Scope.None).Select(g => g.Scope).DefaultIfEmpty(Scope.None).Max();
        if (own == Scope.None)
        {
            return AccessDecision.RoleNotHeld;
        }

        if (scope > own)
        {
            return AccessDecision.ScopeWiderThanOwn;
        }

        // Administrative groups widen a scope, so each must lie within the granter's reach both for managing
        // roles and through their own assignment of the role being granted.
        var manageReach = ReachFor(granter, Operation.ManageRoles);
        var roleReach = ReachOf(granter, g => g.Role.Id == role.Id, selfOnly: false);
        if (administrativeGroupIds.Any(g => !(manageReach.Everyone || manageReach.Groups.Contains(g)) || !(roleReach.Everyone || roleReach.Groups.Contains(g))))
        {
            return AccessDecision.AdministrativeGroupOutOfScope;
        }

        return AccessDecision.Allowed;
    }

    /// <summary>
    /// The first operation that <paramref name="holder"/> may perform on someone <paramref name="granter"/> may not, or
    /// null when the granter's powers cover the holder's: for each operation the holder holds, the granter holds it
    /// too, and — unless it is a "My" operation, which only ever targets its holder — the granter's reach for it
    /// covers the holder's. A credential acting as the holder (an API client) gives whoever holds it no more than
    /// they have.
    /// </summary>
    public Operation? FirstPowerNotCovered(Caller granter, Caller holder)
    {
        ArgumentNullException.ThrowIfNull(granter);
        ArgumentNullException.ThrowIfNull(holder);
        foreach (var operation in Operations.All.Where(holder.Holds))
        {
            if (!granter.Holds(operation))
            {
                return operation;
            }

            if (operation.IsSelfService())
            {
                continue;
            }

            var theirs = ReachFor(holder, operation);
            var mine = ReachFor(granter, operation);
            var covered = mine.Everyone
                          || (!theirs.Everyone && theirs.Groups.All(mine.Groups.Contains) && (theirs.Self is null || mine.Covers(holder.AsTarget)));
            if (!covered)
            {
                return operation;
            }
        }

        return null;
    }

    /// <summary>Whether the target holds a role on the profile's <i>Can receive</i> list.</summary>
    public static bool CanReceive(PersonRef target, CredentialProfile profile)
    {
        ArgumentNullException.ThrowIfNull(target);
        ArgumentNullException.ThrowIfNull(profile);
        return target.Enabled && target.RoleIds.Any(profile.CanReceive.Contains);
    }

    /// <summary>The profile role list that governs an operation, or null when none does.</summary>
    public static IReadOnlyCollection<string>? RoleListFor(CredentialProfile profile, Operation operation)
    {
        ArgumentNullException.ThrowIfNull(profile);
        return operation switch
        {
            Operation.RecoverCertificatesToNewDevice or Operation.RecoverCertificates or Operation.RequestMyRecovery => profile.CanRequest,
            Operation.ValidateRequest => profile.CanValidate,
            Operation.CollectCard or Operation.CollectSoftCertificate or Operation.CollectUpdates
                or Operation.CollectMyCard or Operation.CollectMySoftCertificate or Operation.CollectMyUpdates => profile.CanCollect,
            _ => null,
        };
    }
}
