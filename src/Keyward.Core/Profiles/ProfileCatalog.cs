using Keyward.Common;
using Keyward.Scopes;

namespace Keyward.Profiles;

/// <summary>A credential profile as the Core API shows it, role lists by role name.</summary>
public sealed record CredentialProfileView(
    string Id,
    string Name,
    string Description,
    CardEncoding CardEncoding,
    bool KeyRecoveryOnly,
    bool ValidateIssuance,
    int ApprovalsRequired,
    SoftCertificateLocation? SoftCertificateLocation,
    PfxProtection PfxProtection,
    SecretPolicy PasswordPolicy,
    SecretPolicy PinPolicy,
    IReadOnlyList<string> CanRequest,
    IReadOnlyList<string> CanValidate,
    IReadOnlyList<string> CanCollect,
    IReadOnlyList<string> CanReceive,
    int RequestExpiryDays,
    int MaxReleases);

/// <summary>Lists the credential profiles a caller may use.</summary>
public sealed class ProfileCatalog
{
    private readonly IKeywardStore _store;

    public ProfileCatalog(IKeywardStore store) => _store = store;

    /// <summary>
    /// Profiles on which one of the caller's roles may request, validate or collect; administrators
    /// (ManageProfiles) see every profile.
    /// </summary>
    public async Task<Page<CredentialProfileView>> ListAsync(AccessContext access, PageRequest page, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(access);
        if (!access.Caller.Enabled)
        {
            return new Page<CredentialProfileView>([], page.Page, page.Size, 0);
        }

        var roles = await _store.ToListAsync(_store.Roles, cancellationToken).ConfigureAwait(false);
        var names = roles.ToDictionary(r => r.Id, r => r.Name);
        var profiles = await _store.ToListAsync(_store.CredentialProfiles.OrderBy(p => p.Name), cancellationToken).ConfigureAwait(false);
        var held = access.Caller.Grants.Where(g => g.Scope != Scope.None).Select(g => g.Role.Id).ToHashSet();
        var manageAll = access.Caller.Holds(Operation.ManageProfiles);
        var usable = profiles
            .Where(p => manageAll || p.CanRequest.Concat(p.CanValidate).Concat(p.CanCollect).Any(held.Contains))
            .ToList();
        var results = usable.Skip(page.Skip).Take(page.Size).Select(p => ViewOf(p, names)).ToList();
        return new Page<CredentialProfileView>(results, page.Page, page.Size, usable.Count);
    }

    /// <summary>A profile as the Core API shows it; <paramref name="roleNames"/> names each role id.</summary>
    public static CredentialProfileView ViewOf(CredentialProfile p, IReadOnlyDictionary<string, string> roleNames)
    {
        ArgumentNullException.ThrowIfNull(p);
        ArgumentNullException.ThrowIfNull(roleNames);
        return new CredentialProfileView(
            p.Id, p.Name, p.Description, p.CardEncoding, p.KeyRecoveryOnly, p.ValidateIssuance, p.ApprovalsRequired,
            p.SoftCertificateLocation, p.PfxProtection, p.PasswordPolicy, p.PinPolicy,
            Names(p.CanRequest), Names(p.CanValidate), Names(p.CanCollect), Names(p.CanReceive), p.RequestExpiryDays, p.MaxReleases);

        List<string> Names(IEnumerable<string> ids) => ids.Select(id => roleNames.GetValueOrDefault(id, id)).ToList();
    }
}
