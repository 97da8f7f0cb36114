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

    public static Result<CertificatePolicy> Create(string id, string name, KeyAlgorithm algorithm, KeyUsage usage, int validityDays, bool archiveKeys)
    {
        if (string.IsNullOrWhiteSpace(name) || name.Length > 200)
        {
            return CertificateErrors.InvalidPolicy.WithDetail("A certificate policy needs a name of 1 to 200 characters.");
        }

        if (!Enum.IsDefined(algorithm))
        {
            return CertificateErrors.InvalidPolicy.WithDetail($"Unknown key algorithm '{algorithm}'.");
        }

        if (usage == KeyUsage.None || (usage & ~(KeyUsage.Signing | KeyUsage.Encryption | KeyUsage.Authentication)) != 0)
        {
            return CertificateErrors.InvalidPolicy.WithDetail("A certificate policy needs a key usage of signing, encryption and/or authentication.");
        }

        if (validityDays is < 1 or > 36500)
        {
            return CertificateErrors.InvalidPolicy.WithDetail("Validity must be between 1 and 36500 days.");
        }

        if (archiveKeys && (!usage.HasFlag(KeyUsage.Encryption) || usage.HasFlag(KeyUsage.Signing)))
        {
            // Archiving a signing key would let whoever recovers it sign as the holder: non-repudiation is lost.
            return CertificateErrors.SigningKeyArchival;
        }

        return new CertificatePolicy
        {
            Id = id,
            Name = name.Trim(),
            KeyAlgorithm = algorithm,
            KeyUsage = usage,
            ValidityDays = validityDays,
            ArchiveKeys = archiveKeys,
        };
    }
}
