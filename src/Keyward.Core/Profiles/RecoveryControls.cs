using Keyward.Certificates;

namespace Keyward.Profiles;

/// <summary>
/// Which changes weaken the controls on recovering archived keys, and so wait for approval by other administrators
/// (docs/operations.md#administration). Pure: the administration use cases ask, tests hammer it. Anything not named
/// here strengthens the controls or leaves them as they were, and applies at once.
/// </summary>
public static class RecoveryControls
{
    /// <summary>
    /// The weakenings from <paramref name="before"/> to <paramref name="after"/>, one readable clause each; empty when
    /// there are none. <paramref name="roleName"/> names a role id for the clauses.
    /// </summary>
    public static IReadOnlyList<string> Weakenings(CredentialProfileSettings before, CredentialProfileSettings after, Func<string, string> roleName)
    {
        ArgumentNullException.ThrowIfNull(before);
        ArgumentNullException.ThrowIfNull(after);
        ArgumentNullException.ThrowIfNull(roleName);
        var found = new List<string>();
        if (after.ApprovalsRequired < before.ApprovalsRequired)
        {
            found.Add($"approvals required lowered from {before.ApprovalsRequired} to {after.ApprovalsRequired}");
        }

        if ((before.ValidateIssuance || before.KeyRecoveryOnly) && !(after.ValidateIssuance || after.KeyRecoveryOnly))
        {
            found.Add("validate issuance turned off");
        }

        if (after.MaxReleases > before.MaxReleases)
        {
            found.Add($"releases per approval raised from {before.MaxReleases} to {after.MaxReleases}");
        }

        Widened("Can request", before.CanRequest, after.CanRequest);
        Widened("Can validate", before.CanValidate, after.CanValidate);
        Widened("Can collect", before.CanCollect, after.CanCollect);
        Widened("Can receive", before.CanReceive, after.CanReceive);
        return found;

        void Widened(string list, IReadOnlyList<string> old, IReadOnlyList<string> now)
        {
            var added = now.Except(old, StringComparer.Ordinal).Select(roleName).ToList();
            if (added.Count > 0)
            {
                found.Add($"{list} gains {string.Join(", ", added)}");
            }
        }
    }

    /// <summary>The weakenings of a certificate policy change: turning key archival off.</summary>
    public static IReadOnlyList<string> Weakenings(CertificatePolicySettings before, CertificatePolicySettings after)
    {
        ArgumentNullException.ThrowIfNull(before);
        ArgumentNullException.ThrowIfNull(after);
        return before.ArchiveKeys && !after.ArchiveKeys ? ["key archival turned off"] : [];
    }
}
