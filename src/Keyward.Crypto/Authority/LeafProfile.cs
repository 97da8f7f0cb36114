namespace Keyward.Crypto.Authority;

/// <summary>Key algorithms the CA issues for. Mirrors the certificate policy's choice.</summary>
public enum LeafKeyAlgorithm
{
    /// <summary>RSA with a 2048-bit modulus.</summary>
    Rsa2048 = 1,

    /// <summary>RSA with a 3072-bit modulus.</summary>
    Rsa3072 = 2,

    /// <summary>RSA with a 4096-bit modulus.</summary>
    Rsa4096 = 3,

    /// <summary>ECDSA / ECDH on NIST P-256.</summary>
    EcP256 = 10,

    /// <summary>ECDSA / ECDH on NIST P-384.</summary>
    EcP384 = 11,
}

/// <summary>What a leaf certificate's key is for (flags).</summary>
[Flags]
public enum LeafUsage
{
    /// <summary>No usage.</summary>
    None = 0,

    /// <summary>digitalSignature + nonRepudiation; e-mail protection.</summary>
    Signing = 1,

    /// <summary>keyEncipherment (RSA) or keyAgreement (EC); e-mail protection and file encryption.</summary>
    Encryption = 2,

    /// <summary>digitalSignature; client authentication.</summary>
    Authentication = 4,
}

/// <summary>The facts of one certificate to issue.</summary>
/// <param name="CertificateId">Keyward's id of the certificate; an archived key is bound to it.</param>
/// <param name="CommonName">The holder's display name.</param>
/// <param name="Email">The holder's e-mail address (subject alternative name).</param>
/// <param name="Algorithm">The key algorithm; for a CSR, the key must match it.</param>
/// <param name="Usage">The key usages.</param>
/// <param name="NotBefore">UTC start of validity.</param>
/// <param name="NotAfter">UTC end of validity.</param>
public sealed record LeafRequest(string CertificateId, string CommonName, string Email, LeafKeyAlgorithm Algorithm, LeafUsage Usage, DateTime NotBefore, DateTime NotAfter);
