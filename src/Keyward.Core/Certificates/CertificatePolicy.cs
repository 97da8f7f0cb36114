using Keyward.Common;

namespace Keyward.Certificates;

/// <summary>Key algorithm and size of a certificate policy. Stored by number: never renumber.</summary>
public enum KeyAlgorithm
{
    /// <summary>RSA, 2048-bit modulus.</summary>
    Rsa2048 = 1,

    /// <summary>RSA, 3072-bit modulus.</summary>
    Rsa3072 = 2,

    /// <summary>RSA, 4096-bit modulus.</summary>
    Rsa4096 = 3,

    /// <summary>ECDSA on NIST P-256.</summary>
    EcdsaP256 = 10,

    /// <summary>ECDSA on NIST P-384.</summary>
    EcdsaP384 = 11,
}

/// <summary>What a certificate's key is for. Flags; stored by number: never renumber.</summary>
[Flags]
public enum KeyUsage
{
    /// <summary>No usage (invalid for a policy).</summary>
    None = 0,

    /// <summary>Digital signatures and non-repudiation. Signing keys are never archived.</summary>
    Signing = 1,

    /// <summary>Key encipherment / key agreement: the keys worth archiving.</summary>
    Encryption = 2,

    /// <summary>Client authentication (e.g. smart-card logon).</summary>
    Authentication = 4,
}

/// <summary>The rules for one kind of certificate (docs/profiles.md#certificate-policies).</summary>
public sealed class CertificatePolicy
{
    private CertificatePolicy()
    {
        Id = Name = string.Empty;
    }

    public string Id { get; private set; }

    public string Name { get; private set; }

    public KeyAlgorithm KeyAlgorithm { get; private set; }

    public KeyUsage KeyUsage { get; private set; }

    public int ValidityDays { get; private set; }

    /// <summary>The private key is archived at issuance. Only for encryption keys that are not also signing keys.</summary>
    public bool ArchiveKeys { get; private set; }

    public static Result<CertificatePolicy> Create(string id, string name, KeyAlgorithm algorithm, KeyUsage usage, int validityDays, bool archiveKeys) =>
        Create(id, new CertificatePolicySettings(name, algorithm, usage, validityDays, archiveKeys));

    /// <summary>Builds a policy after checking its settings.</summary>
    public static Result<CertificatePolicy> Create(string id, CertificatePolicySettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        if (settings.Validate() is { } error)
        {
            return error;
        }

        var policy = new CertificatePolicy { Id = id };
        policy.Apply(settings);
        return policy;
    }

    /// <summary>Replaces every setting after checking them; on error nothing changes. Certificates already issued keep theirs.</summary>
    public Result Update(CertificatePolicySettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        if (settings.Validate() is { } error)
        {
            return error;
        }

        Apply(settings);
        return Result.Ok();
    }

    /// <summary>The policy's settings as an administrator would enter them.</summary>
    public CertificatePolicySettings Settings() => new(Name, KeyAlgorithm, KeyUsage, ValidityDays, ArchiveKeys);

    private void Apply(CertificatePolicySettings s)
    {
        Name = s.Name.Trim();
        KeyAlgorithm = s.KeyAlgorithm;
        KeyUsage = s.KeyUsage;
        ValidityDays = s.ValidityDays;
        ArchiveKeys = s.ArchiveKeys;
    }
}

/// <summary>Every setting of a certificate policy, as an administrator enters them.</summary>
public sealed record CertificatePolicySettings(string Name, KeyAlgorithm KeyAlgorithm, KeyUsage KeyUsage, int ValidityDays, bool ArchiveKeys)
{
    internal Error? Validate()
    {
        if (string.IsNullOrWhiteSpace(Name) || Name.Trim().Length > 200 || Name.Any(char.IsControl))
        {
            return CertificateErrors.InvalidPolicy.WithDetail("A certificate policy needs a name of 1 to 200 characters, without control characters.");
        }

        if (!Enum.IsDefined(KeyAlgorithm))
        {
            return CertificateErrors.InvalidPolicy.WithDetail($"Unknown key algorithm '{KeyAlgorithm}'.");
        }

        if (KeyUsage == KeyUsage.None || (KeyUsage & ~(KeyUsage.Signing | KeyUsage.Encryption | KeyUsage.Authentication)) != 0)
        {
            return CertificateErrors.InvalidPolicy.WithDetail("A certificate policy needs a key usage of signing, encryption and/or authentication.");
        }

        if (ValidityDays is < 1 or > 36500)
        {
            return CertificateErrors.InvalidPolicy.WithDetail("Validity must be between 1 and 36500 days.");
        }

        if (ArchiveKeys && (!KeyUsage.HasFlag(KeyUsage.Encryption) || KeyUsage.HasFlag(KeyUsage.Signing)))
        {
            // Archiving a signing key would let whoever recovers it sign as the holder: non-repudiation is lost.
            return CertificateErrors.SigningKeyArchival;
        }

        return null;
    }
}
