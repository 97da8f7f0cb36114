namespace Keyward.Server.KeyArchive;

/// <summary>Which key protector holds the storage key and the CA key.</summary>
public enum KeyProtectorKind
{
    /// <summary>A passphrase-protected key store file in the data folder (the embedded default).</summary>
    Software = 1,

    /// <summary>A PKCS#11 HSM.</summary>
    Pkcs11 = 2,
}

/// <summary>Configuration section <c>Keyward:KeyProtector</c>.</summary>
public sealed class KeyProtectorOptions
{
    public KeyProtectorKind Kind { get; set; } = KeyProtectorKind.Software;

    /// <summary>Software: the key store passphrase. Prefer the environment variable <c>KEYWARD_KEYSTORE_PASSPHRASE</c>.</summary>
    public string? Passphrase { get; set; }

    /// <summary>PKCS#11: the module (e.g. <c>/usr/lib/softhsm/libsofthsm2.so</c>).</summary>
    public string? ModulePath { get; set; }

    /// <summary>PKCS#11: the token's label.</summary>
    public string? TokenLabel { get; set; }

    /// <summary>PKCS#11: the user PIN. Prefer the environment variable <c>KEYWARD_PKCS11_PIN</c>.</summary>
    public string? Pin { get; set; }

    /// <summary>PKCS#11: the prefix of Keyward's object labels on the token.</summary>
    public string LabelPrefix { get; set; } = "keyward";

    /// <summary>RSA-2048 keys generated ahead for issuance with archival; 0 makes each on demand.</summary>
    public int KeyPoolSize { get; set; } = 2;
}
