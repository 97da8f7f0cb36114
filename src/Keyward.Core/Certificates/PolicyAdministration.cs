using Keyward.Audit;
using Keyward.Changes;
using Keyward.Common;
using Keyward.Profiles;
using Keyward.Recovery;
using Keyward.Scopes;

namespace Keyward.Certificates;

/// <summary>A certificate policy as the Core API shows it.</summary>
public sealed record CertificatePolicyView(string Id, string Name, KeyAlgorithm KeyAlgorithm, KeyUsage KeyUsage, int ValidityDays, bool ArchiveKeys)
{
    public static CertificatePolicyView Of(CertificatePolicy policy)
    {
        ArgumentNullException.ThrowIfNull(policy);
        return new(policy.Id, policy.Name, policy.KeyAlgorithm, policy.KeyUsage, policy.ValidityDays, policy.ArchiveKeys);
    }
}

/// <summary>
/// Creates and changes certificate policies (ManageProfiles). Turning key archival off waits for approval by other
/// administrators (<see cref="ChangeControl"/>); any other change applies at once, to certificates issued from then
/// on. Both are audited with before and after values.
/// </summary>
public sealed class PolicyAdministration
{
    private readonly IKeywardStore _store;
    private readonly AuditedChange _steps;
    private readonly ChangeControl _changes;

    public PolicyAdministration(IKeywardStore store, AuditedChange steps, ChangeControl changes)
    {
        _store = store;
        _steps = steps;
        _changes = changes;
    }

    public Task<Result<CertificatePolicyView>> CreateAsync(AccessContext access, CertificatePolicySettings settings, Channel channel, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(access);
        return _steps.RunAsync<CertificatePolicyView>(access, "policies.create", channel, CertificateErrors.PolicyNameTaken, async () =>
        {
            if (await CheckAsync(access, settings, null, cancellationToken).ConfigureAwait(false) is { } refused)
            {
                return refused;
            }

            var policy = CertificatePolicy.Create(Ids.New(), settings);
            if (!policy.IsSuccess)
            {
                return policy.Error;
            }

            _store.Add(policy.Value);
            return new AuditedOutcome<CertificatePolicyView>(CertificatePolicyView.Of(policy.Value), policy.Value.Id, $"Created certificate policy '{policy.Value.Name}'. After: {ChangeJson.Write(policy.Value.Settings())}");
        }, cancellationToken);
    }

    public Task<Result<SettingsChange<CertificatePolicyView>>> UpdateAsync(AccessContext access, string id, CertificatePolicySettings settings, Channel channel, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(access);
        return _steps.RunAsync<SettingsChange<CertificatePolicyView>>(access, "policies.update", channel, CertificateErrors.PolicyNameTaken, async () =>
        {
            if (await CheckAsync(access, settings, id, cancellationToken).ConfigureAwait(false) is { } refused)
            {
                return refused;
            }

            var policy = await _store.FirstOrDefaultAsync(_store.CertificatePolicies.Where(p => p.Id == id), cancellationToken).ConfigureAwait(false);
            if (policy is null)
            {
                return CertificateErrors.NoSuchPolicy;
            }

            var proposed = CertificatePolicy.Create(policy.Id, settings);
            if (!proposed.IsSuccess)
            {
                return proposed.Error;
            }

            var beforeSettings = policy.Settings();
            var afterSettings = proposed.Value.Settings();
            var before = ChangeJson.Write(beforeSettings);
            var after = ChangeJson.Write(afterSettings);
            var diff = ChangeJson.Diff(before, after);
            var weakenings = RecoveryControls.Weakenings(beforeSettings, afterSettings);
            if (weakenings.Count > 0)
            {
                var change = await _changes.OpenAsync(access, ChangeKind.CertificatePolicy, policy.Id, policy.Name, weakenings, before, after, 1, cancellationToken).ConfigureAwait(false);
                return change.IsSuccess
                    ? new AuditedOutcome<SettingsChange<CertificatePolicyView>>(
                        new SettingsChange<CertificatePolicyView>(null, ChangeRequestView.Of(change.Value)),
                        policy.Id,
                        $"Requested change {change.Value.Id} of certificate policy '{policy.Name}', which weakens recovery controls ({change.Value.Summary}); it waits for approval by another administrator. Changes: {diff}. Before: {before} After: {after}")
                    : change.Error;
            }

            policy.Update(afterSettings);
            return new AuditedOutcome<SettingsChange<CertificatePolicyView>>(
                new SettingsChange<CertificatePolicyView>(CertificatePolicyView.Of(policy), null),
                policy.Id,
                $"Changed certificate policy '{policy.Name}': {diff}. Before: {before} After: {after}");
        }, cancellationToken);
    }

    private async Task<Error?> CheckAsync(AccessContext access, CertificatePolicySettings? settings, string? id, CancellationToken cancellationToken)
    {
        if (!access.Caller.Holds(Operation.ManageProfiles))
        {
            return ProfileErrors.Forbidden;
        }

        if (settings is null || string.IsNullOrWhiteSpace(settings.Name))
        {
            return CertificateErrors.InvalidPolicy.WithDetail("A certificate policy needs a name of 1 to 200 characters.");
        }

        var name = settings.Name.Trim();
        return await _store.AnyAsync(_store.CertificatePolicies.Where(p => p.Name == name && p.Id != id), cancellationToken).ConfigureAwait(false)
            ? CertificateErrors.PolicyNameTaken.WithDetail($"Another certificate policy is named '{name}'.")
            : null;
    }
}
