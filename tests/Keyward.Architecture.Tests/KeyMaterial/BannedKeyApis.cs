using Keyward.Architecture.Tests.Support;

namespace Keyward.Architecture.Tests.KeyMaterial;

/// <summary>
/// An API that hands out, takes in or wraps raw key material. Matched by namespace, type name (null: any type of
/// the namespace, so overrides such as <c>RSAOpenSsl.ExportPkcs8PrivateKey</c> count too) and member name (null:
/// the type itself and every member of it).
/// </summary>
internal sealed record BannedKeyApi(string Namespace, string? Type, string? Member, string Why)
{
    public bool Matches(ApiReference api) =>
        api.Namespace == Namespace
        && (Type is null || api.Type == $"{Namespace}.{Type}")
        && (Member is null || api.Member == Member);

    public override string ToString() => Member is null ? $"{Namespace}.{Type}" : $"{Type ?? Namespace}.{Member}";
}

/// <summary>The private-key APIs that only Keyward.Crypto may use (its README states why).</summary>
internal static class BannedKeyApis
{
    private const string Cryptography = "System.Security.Cryptography";
    private const string X509 = "System.Security.Cryptography.X509Certificates";
    private const string Pkcs = "System.Security.Cryptography.Pkcs";

    public static readonly IReadOnlyList<BannedKeyApi> All =
    [
        // PKCS#8, the standard private-key encoding: exporting puts the key's bytes in managed memory.
        new(Cryptography, null, "ExportPkcs8PrivateKey", "exports a private key as PKCS#8 bytes"),
        new(Cryptography, null, "TryExportPkcs8PrivateKey", "exports a private key as PKCS#8 bytes into a buffer"),
        new(Cryptography, null, "ExportPkcs8PrivateKeyPem", "exports a private key as PKCS#8 PEM text"),
        new(Cryptography, null, "ExportEncryptedPkcs8PrivateKey", "exports a private key under a password, only as strong as the password"),
        new(Cryptography, null, "ExportEncryptedPkcs8PrivateKeyPem", "the same, as PEM text"),
        new(Cryptography, null, "TryExportEncryptedPkcs8PrivateKey", "the same, into a buffer"),

        // The way back in: a private key from bytes or text.
        new(Cryptography, null, "ImportPkcs8PrivateKey", "imports a private key from PKCS#8 bytes"),
        new(Cryptography, null, "ImportEncryptedPkcs8PrivateKey", "imports a private key from password-encrypted PKCS#8"),
        new(Cryptography, null, "ImportFromEncryptedPem", "imports a private key from encrypted PEM"),

        // Algorithm-specific encodings: PKCS#1 for RSA, SEC 1 for elliptic curves.
        new(Cryptography, null, "ExportRSAPrivateKey", "exports an RSA private key as PKCS#1 bytes"),
        new(Cryptography, null, "ExportRSAPrivateKeyPem", "exports an RSA private key as PKCS#1 PEM text"),
        new(Cryptography, null, "TryExportRSAPrivateKey", "exports an RSA private key as PKCS#1 bytes into a buffer"),
        new(Cryptography, null, "ImportRSAPrivateKey", "imports an RSA private key from PKCS#1 bytes"),
        new(Cryptography, null, "ExportECPrivateKey", "exports an EC private key as SEC 1 bytes"),
        new(Cryptography, null, "ExportECPrivateKeyPem", "exports an EC private key as SEC 1 PEM text"),
        new(Cryptography, null, "TryExportECPrivateKey", "exports an EC private key as SEC 1 bytes into a buffer"),
        new(Cryptography, null, "ImportECPrivateKey", "imports an EC private key from SEC 1 bytes"),

        // RSA / DSA / ECDsa / ECDiffieHellman key parameters: the private key in the clear when includePrivateParameters
        // is true. The IL does not show the argument, so every call is flagged; outside Crypto, public keys come from
        // certificates.
        new(Cryptography, null, "ExportParameters", "exports key parameters, private ones included when asked"),

        // Authenticated encryption of archived keys and data keys (the key archive's envelope).
        new(Cryptography, "AesGcm", null, "AES-GCM seals and opens archived keys and data keys"),

        // AES key wrap with padding (RFC 5649): wrapping data keys and transport keys.
        new(Cryptography, null, "EncryptKeyWrapPadded", "wraps key material (RFC 5649)"),
        new(Cryptography, null, "DecryptKeyWrapPadded", "unwraps key material (RFC 5649)"),
        new(Cryptography, null, "TryDecryptKeyWrapPadded", "unwraps key material (RFC 5649) into a buffer"),

        // PFX (PKCS#12) files carry private keys under a password.
        new(Pkcs, "Pkcs12Builder", null, "builds PFX files"),
        new(Pkcs, "Pkcs12SafeContents", null, "puts private keys into a PFX"),
        new(X509, "X509Certificate", "Export", "exports a certificate (X509Certificate2 inherits it), with its private key for X509ContentType.Pfx"),
        new(X509, "X509Certificate2Collection", "Export", "exports certificates, with their private keys for X509ContentType.Pfx"),
        new(X509, null, "ExportPkcs12", "exports certificates with their private keys as a PFX"),

        // Joining a certificate and a private key: the step before writing both to a PFX or a store.
        new(X509, null, "CopyWithPrivateKey", "joins a certificate and a private key"),
    ];

    public static BannedKeyApi? Match(ApiReference api) => All.FirstOrDefault(b => b.Matches(api));
}
