namespace Keyward.Crypto.Recovery;

/// <summary>How a recovered PFX (PKCS#12) file is protected. Never renumber.</summary>
public enum PfxEncryption
{
    /// <summary>
    /// PBES2 with AES-256-CBC and PBKDF2-HMAC-SHA256 for the keys and the certificates, an HMAC-SHA256 MAC.
    /// Read by OpenSSL 3, .NET and Windows 10 1709+ / Server 2019+. The default.
    /// </summary>
    Aes256Sha256 = 1,

    /// <summary>
    /// pbeWithSHAAnd3-KeyTripleDES-CBC for the keys and the certificates, an HMAC-SHA1 MAC: the legacy PKCS#12
    /// protection, for systems that do not read PBES2 (Windows before 10 1709, Server 2016, old Java and macOS).
    /// </summary>
    TripleDesSha1 = 2,
}
