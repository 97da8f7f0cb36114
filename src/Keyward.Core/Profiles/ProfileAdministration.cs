using Keyward.Audit;
using Keyward.Changes;
using Keyward.Common;
using Keyward.Recovery;
using Keyward.Scopes;

namespace Keyward.Profiles;

/// <summary>A profile or policy change as answered: applied now (<see cref="Applied"/>), or waiting for approval (<see cref="Pending"/>).</summary>
public sealed record SettingsChange<T>(T? Applied, ChangeRequestView? Pending);

/// <summary>
/// Creates and changes credential profiles (ManageProfiles). A change that weakens recovery controls
/// (<see cref="RecoveryControls"/>) becomes a change request that other administrators approve
/// (<see cref="ChangeControl"/>); any other change applies at once. Both are audited with before and after values.
/// Role lists may name roles by id or by name.
/// </summary>
public sealed class ProfileAdministration
{
    private readonly IKeywardStore _store;
    private readonly AuditedChange _steps;
    private readonly ChangeControl _changes;

    public ProfileAdministration(IKeywardStore store, AuditedChange steps, ChangeControl changes)
    {
        _store = store;
        _steps = steps;
        _changes = changes;
    }

    public Task<Result<CredentialProfileView>> CreateAsync(AccessContext access, CredentialProfileSettings settings, Channel channel, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(access);
        return _steps.RunAsync<CredentialProfileView>(access, "profiles.create", channel, ProfileErrors.NameTaken, async () =>
        {
            var (resolved, names) = await ResolveAsync(access, settings, null, cancellationToken).ConfigureAwait(false);
            if (!resolved.IsSuccess)
            {
                return resolved.Error;
            }

            var profile = CredentialProfile.Create(Ids.New(), resolved.Value);
            if (!profile.IsSuccess)
            {
                return profile.Error;
            }

            _store.Add(profile.Value);
            var after = ChangeJson.Write(profile.Value.Settings());
            return new AuditedOutcome<CredentialProfileView>(ProfileCatalog.ViewOf(profile.Value, names), profile.Value.Id, $"Created credential profile '{profile.Value.Name}'. After: {after}");
        }, cancellationToken);
    }

    public Task<Result<SettingsChange<CredentialProfileView>>> UpdateAsync(AccessContext access, string id, CredentialProfileSettings settings, Channel channel, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(access);
        return _steps.RunAsync<SettingsChange<CredentialProfileView>>(access, "profiles.update", channel, ProfileErrors.NameTaken, async () =>
        {
            var (resolved, names) = await ResolveAsync(access, settings, id, cancellationToken).ConfigureAwait(false);
            if (!resolved.IsSuccess)
            {
                return resolved.Error;
            }

            var profile = await _store.FirstOrDefaultAsync(_store.CredentialProfiles.Where(p => p.Id == id), cancellationToken).ConfigureAwait(false);
            if (profile is null)
            {
                return ProfileErrors.NotFound;
            }

            // Normalised as the profile would hold them (a recovery-only profile validates issuance, …).
            var proposed = CredentialProfile.Create(profile.Id, resolved.Value);
            if (!proposed.IsSuccess)
            {
                return proposed.Error;
            }

            var beforeSettings = profile.Settings();
            var afterSettings = proposed.Value.Settings();
            var before = ChangeJson.Write(beforeSettings);
            var after = ChangeJson.Write(afterSettings);
            var diff = ChangeJson.Diff(before, after);
            var weakenings = RecoveryControls.Weakenings(beforeSettings, afterSettings, r => names.GetValueOrDefault(r, r));
            if (weakenings.Count > 0)
            {
                var change = await _changes.OpenAsync(access, ChangeKind.CredentialProfile, profile.Id, profile.Name, weakenings, before, after, beforeSettings.ApprovalsRequired, cancellationToken).ConfigureAwait(false);
                if (!change.IsSuccess)
                {
                    return change.Error;
                }

                return new AuditedOutcome<SettingsChange<CredentialProfileView>>(
                    new SettingsChange<CredentialProfileView>(null, ChangeRequestView.Of(change.Value)),
                    profile.Id,
                    $"Requested change {change.Value.Id} of credential profile '{profile.Name}', which weakens recovery controls ({change.Value.Summary}); it waits for {change.Value.ApprovalsRequired} approval(s) by other administrators. Changes: {diff}. Before: {before} After: {after}");
            }

            var updated = profile.Update(afterSettings);
            if (!updated.IsSuccess)
            {
                return updated.Error;
            }

            return new AuditedOutcome<SettingsChange<CredentialProfileView>>(
                new SettingsChange<CredentialProfileView>(ProfileCatalog.ViewOf(profile, names), null),
                profile.Id,
                $"Changed credential profile '{profile.Name}': {diff}. Before: {before} After: {after}");
        }, cancellationToken);
    }

    /// <summary>Checks the caller and the name, and turns role references (id or name) into ids.</summary>
    private async Task<(Result<CredentialProfileSettings> Settings, Dictionary<string, string> RoleNames)> ResolveAsync(
        AccessContext access, CredentialProfileSettings? settings, string? id, CancellationToken cancellationToken)
    {
        var roles = await _store.ToListAsync(_store.Roles, cancellationToken).ConfigureAwait(false);
        var names = roles.ToDictionary(r => r.Id, r => r.Name, StringComparer.Ordinal);
        if (!access.Caller.Holds(Operation.ManageProfiles))
        {
            return (ProfileErrors.Forbidden, names);
        }

        if (settings is null || string.IsNullOrWhiteSpace(settings.Name))
        {
            return (ProfileErrors.Invalid.WithDetail("A credential profile needs a name of 1 to 200 characters."), names);
        }

        var name = settings.Name.Trim();
        if (await _store.AnyAsync(_store.CredentialProfiles.Where(p => p.Name == name && p.Id != id), cancellationToken).ConfigureAwait(false))
        {
            return (ProfileErrors.NameTaken.WithDetail($"Another credential profile is named '{name}'."), names);
        }

        string? unknown = null;
        List<string> Ids(IReadOnlyList<string>? references) => (references ?? []).Select(reference =>
        {
            var match = roles.FirstOrDefault(r => r.Id == reference) ?? roles.FirstOrDefault(r => string.Equals(r.Name, reference?.Trim(), StringComparison.OrdinalIgnoreCase));
            unknown ??= match is null ? reference : null;
            return match?.Id ?? string.Empty;
        }).ToList();

        var resolved = settings with
        {
            CanRequest = Ids(settings.CanRequest),
            CanValidate = Ids(settings.CanValidate),
            CanCollect = Ids(settings.CanCollect),
            CanReceive = Ids(settings.CanReceive),
        };
        return unknown is null
            ? (resolved, names)
            : (ProfileErrors.UnknownRole.WithDetail($"No role is named '{(unknown.Length > 100 ? unknown[..100] + "…" : unknown)}' (by id or name)."), names);
    }
}
