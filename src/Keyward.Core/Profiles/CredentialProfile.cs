using Keyward.Common;

namespace Keyward.Profiles;

/// <summary>How a profile's credentials are carried. Stored by number: never renumber.</summary>
public enum CardEncoding
{
    /// <summary>A smart card or other PKCS#11 token.</summary>
    SmartCard = 1,

    /// <summary>Soft certificates: a PFX file or the owner's certificate store.</summary>
    SoftwareCertificates = 2,
}

/// <summary>Where recovered soft certificates go. Stored by number: never renumber.</summary>
public enum SoftCertificateLocation
{
    /// <summary>A password-protected PFX download.</summary>
    FileStore = 1,

    /// <summary>Installed by the collecting client into the owner's personal certificate store.</summary>
    SystemStore = 2,
}

/// <summary>How a PFX is encrypted. Stored by number: never renumber.</summary>
public enum PfxProtection
{
    /// <summary>PBES2 with AES-256-CBC and PBKDF2-HMAC-SHA256: the default.</summary>
    Aes256Sha256 = 1,

    /// <summary>pbeWithSHAAnd3-KeyTripleDES-CBC: legacy, for systems that cannot read AES PFX files.</summary>
    TripleDesSha1 = 2,
}

/// <summary>The settings that govern a request (docs/profiles.md#credential-profiles).</summary>
public sealed class CredentialProfile
{
    /// <summary>The upper bound on approvals; more is a configuration mistake, not stronger control.</summary>
    public const int MaxApprovals = 10;

    /// <summary>
    /// Releases one approval allows by default: one collection, plus one retry after an answer was lost
    /// (docs/recovery.md, "Releases").
    /// </summary>
    public const int DefaultMaxReleases = 2;

    /// <summary>The upper bound on <see cref="MaxReleases"/>.</summary>
    public const int MaxReleasesLimit = 10;

    private CredentialProfile()
    {
        Id = Name = Description = string.Empty;
        PasswordPolicy = SecretPolicy.DefaultPassword;
        PinPolicy = SecretPolicy.DefaultPin;
        // Four distinct lists: EF Core fills the instances it finds, so a shared one would merge the role lists.
        CanRequest = [];
        CanValidate = [];
        CanCollect = [];
        CanReceive = [];
    }

    public string Id { get; private set; }

    public string Name { get; private set; }

    public string Description { get; private set; }

    public CardEncoding CardEncoding { get; private set; }

    /// <summary>The profile is for recovery requests only. Implies <see cref="ValidateIssuance"/>.</summary>
    public bool KeyRecoveryOnly { get; private set; }

    /// <summary>Requests need <see cref="ApprovalsRequired"/> approvals before they can be collected.</summary>
    public bool ValidateIssuance { get; private set; }

    /// <summary>m of an m-of-n approval; at least 1. Meaningful only when <see cref="ValidateIssuance"/> is on.</summary>
    public int ApprovalsRequired { get; private set; }

    /// <summary>Where soft certificates go; null for smart-card profiles.</summary>
    public SoftCertificateLocation? SoftCertificateLocation { get; private set; }

    public PfxProtection PfxProtection { get; private set; }

    /// <summary>Rules for PFX passwords chosen by collectors.</summary>
    public SecretPolicy PasswordPolicy { get; private set; }

    /// <summary>Rules for smart-card user PINs.</summary>
    public SecretPolicy PinPolicy { get; private set; }

    /// <summary>Ids of roles whose holders may request with this profile.</summary>
    public List<string> CanRequest { get; private set; }

    /// <summary>Ids of roles whose holders may approve or reject requests of this profile.</summary>
    public List<string> CanValidate { get; private set; }

    /// <summary>Ids of roles whose holders may collect requests of this profile.</summary>
    public List<string> CanCollect { get; private set; }

    /// <summary>Ids of roles of which the target must hold one to receive credentials of this profile.</summary>
    public List<string> CanReceive { get; private set; }

    /// <summary>Uncollected requests are cancelled after this many days; 0 means never.</summary>
    public int RequestExpiryDays { get; private set; }

    /// <summary>
    /// How many times one approval lets a request's keys leave the server (a PFX built and returned, or keys
    /// wrapped for a collecting client). Past it, the request needs a new approval.
    /// </summary>
    public int MaxReleases { get; private set; } = DefaultMaxReleases;

    /// <summary>Builds a profile after checking that its settings make sense together.</summary>
    public static Result<CredentialProfile> Create(string id, CredentialProfileSettings settings)
    {
        var error = settings.Validate();
        if (error is not null)
        {
            return error;
        }

        var profile = new CredentialProfile { Id = id };
        profile.Apply(settings);
        return profile;
    }

    /// <summary>Replaces every setting after checking them; on error nothing changes.</summary>
    public Result Update(CredentialProfileSettings settings)
    {
        var error = settings.Validate();
        if (error is not null)
        {
            return error;
        }

        Apply(settings);
        return Result.Ok();
    }

    /// <summary>The profile's settings as an administrator would enter them (role lists by id).</summary>
    public CredentialProfileSettings Settings() => new()
    {
        Name = Name,
        Description = Description,
        CardEncoding = CardEncoding,
        KeyRecoveryOnly = KeyRecoveryOnly,
        ValidateIssuance = ValidateIssuance,
        ApprovalsRequired = ApprovalsRequired,
        SoftCertificateLocation = SoftCertificateLocation,
        PfxProtection = PfxProtection,
        PasswordPolicy = PasswordPolicy,
        PinPolicy = PinPolicy,
        CanRequest = [.. CanRequest],
        CanValidate = [.. CanValidate],
        CanCollect = [.. CanCollect],
        CanReceive = [.. CanReceive],
        RequestExpiryDays = RequestExpiryDays,
        MaxReleases = MaxReleases,
    };

    private void Apply(CredentialProfileSettings s)
    {
        Name = s.Name.Trim();
        Description = s.Description;
        CardEncoding = s.CardEncoding;
        KeyRecoveryOnly = s.KeyRecoveryOnly;

        // Key recovery must never bypass approval: a recovery-only profile always validates issuance.
        ValidateIssuance = s.ValidateIssuance || s.KeyRecoveryOnly;
        ApprovalsRequired = s.ApprovalsRequired;
        SoftCertificateLocation = s.CardEncoding == CardEncoding.SoftwareCertificates ? s.SoftCertificateLocation ?? Profiles.SoftCertificateLocation.FileStore : null;
        PfxProtection = s.PfxProtection;
        PasswordPolicy = s.PasswordPolicy;
        PinPolicy = s.PinPolicy;
        CanRequest = [.. s.CanRequest.Distinct(StringComparer.Ordinal)];
        CanValidate = [.. s.CanValidate.Distinct(StringComparer.Ordinal)];
        CanCollect = [.. s.CanCollect.Distinct(StringComparer.Ordinal)];
        CanReceive = [.. s.CanReceive.Distinct(StringComparer.Ordinal)];
        RequestExpiryDays = s.RequestExpiryDays;
        MaxReleases = s.MaxReleases;
    }
}

/// <summary>Every setting of a credential profile, as an administrator enters them.</summary>
public sealed record CredentialProfileSettings
{
    public required string Name { get; init; }

    public string Description { get; init; } = string.Empty;

    public required CardEncoding CardEncoding { get; init; }

    public bool KeyRecoveryOnly { get; init; }

    public bool ValidateIssuance { get; init; }

    public int ApprovalsRequired { get; init; } = 1;

    public SoftCertificateLocation? SoftCertificateLocation { get; init; }

    public PfxProtection PfxProtection { get; init; } = PfxProtection.Aes256Sha256;

    public SecretPolicy PasswordPolicy { get; init; } = SecretPolicy.DefaultPassword;

    public SecretPolicy PinPolicy { get; init; } = SecretPolicy.DefaultPin;

    public IReadOnlyList<string> CanRequest { get; init; } = [];

    public IReadOnlyList<string> CanValidate { get; init; } = [];

    public IReadOnlyList<string> CanCollect { get; init; } = [];

    public IReadOnlyList<string> CanReceive { get; init; } = [];

    public int RequestExpiryDays { get; init; }

    public int MaxReleases { get; init; } = CredentialProfile.DefaultMaxReleases;

    internal Error? Validate()
    {
        if (string.IsNullOrWhiteSpace(Name) || Name.Length > 200)
        {
            return ProfileErrors.Invalid.WithDetail("A credential profile needs a name of 1 to 200 characters.");
        }

        if (Description?.Length > 2000)
        {
            return ProfileErrors.Invalid.WithDetail("A description is at most 2000 characters.");
        }

        if (new[] { CanRequest, CanValidate, CanCollect, CanReceive }.Any(list => list is null || list.Count > 100 || list.Any(string.IsNullOrWhiteSpace)))
        {
            return ProfileErrors.Invalid.WithDetail("Each role list holds at most 100 roles, each named by its id or name.");
        }

        if (!Enum.IsDefined(CardEncoding))
        {
            return ProfileErrors.Invalid.WithDetail($"Unknown card encoding '{CardEncoding}'.");
        }

        if (ApprovalsRequired is < 1 or > CredentialProfile.MaxApprovals)
        {
            return ProfileErrors.Invalid.WithDetail($"Approvals required must be between 1 and {CredentialProfile.MaxApprovals}.");
        }

        if (CardEncoding == CardEncoding.SmartCard && SoftCertificateLocation is not null)
        {
            return ProfileErrors.Invalid.WithDetail("A smart-card profile has no soft certificate recovery location.");
        }

        if (SoftCertificateLocation is { } location && !Enum.IsDefined(location))
        {
            return ProfileErrors.Invalid.WithDetail($"Unknown soft certificate location '{location}'.");
        }

        if (!Enum.IsDefined(PfxProtection))
        {
            return ProfileErrors.Invalid.WithDetail($"Unknown PFX protection '{PfxProtection}'.");
        }

        if (RequestExpiryDays is < 0 or > 3650)
        {
            return ProfileErrors.Invalid.WithDetail("Request expiry must be between 0 (never) and 3650 days.");
        }

        if (MaxReleases is < 1 or > CredentialProfile.MaxReleasesLimit)
        {
            return ProfileErrors.Invalid.WithDetail($"Releases per approval must be between 1 and {CredentialProfile.MaxReleasesLimit}.");
        }

        if (PasswordPolicy is null || PinPolicy is null)
        {
            return ProfileErrors.Invalid.WithDetail("A profile needs a password policy and a PIN policy (leave them out for the defaults).");
        }

        return PasswordPolicy.Validate("password policy") ?? PinPolicy.Validate("PIN policy");
    }
}
