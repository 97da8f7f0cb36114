using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Keyward.Crypto.Recovery;

/// <summary>
/// A PFX made by a collecting client only to hand keys to another program's importer (NSS's <c>pk12util</c>), and
/// its random password. Disposing zeroes the PFX bytes; the password is a .NET string, which cannot be zeroed.
/// </summary>
public sealed class TransientPfx : IDisposable
{
    internal TransientPfx(byte[] pfx, string password)
    {
        Pfx = pfx;
        Password = password;
    }

    /// <summary>The PFX (PBES2, AES-256-CBC, PBKDF2-HMAC-SHA256). Zeroed on dispose.</summary>
    public byte[] Pfx { get; }

    /// <summary>192 random bits as hex: never shown to a person, never stored.</summary>
    public string Password { get; }

    public void Dispose() => CryptographicOperations.ZeroMemory(Pfx);
}

/// <summary>
/// What a collecting client does with keys it unwrapped with <see cref="TransportKeyPair.Unwrap"/> when the store
/// it installs into cannot take an in-memory key: a short-lived PFX for another program's importer (an NSS database
/// through <c>pk12util</c>), or a persisted key for a platform store (Windows, macOS).
/// </summary>
/// <remarks>
/// On Linux the .NET personal store takes the unwrapped certificate as it is (it writes its own owner-only PFX), so
/// neither method is needed there.
/// </remarks>
public static class CollectedKeys
{
    /// <summary>A password of 192 random bits needs no more key stretching than OpenSSL 3's default count.</summary>
    public const int TransientPfxIterations = 2_048;

    private const int PasswordBytes = 24;

    /// <summary>
    /// One PFX holding each of <paramref name="certificates"/> with its private key and the CA
    /// <paramref name="chain"/> without keys, under a fresh random password. Hand it to the importer at once, then
    /// dispose it; a file it was written to should be overwritten and deleted.
    /// </summary>
    /// <param name="certificates">Certificates with exportable private keys (as <see cref="TransportKeyPair.Unwrap"/> returns them).</param>
    /// <param name="chain">Issuing CA certificates (DER); may be empty.</param>
    public static TransientPfx ExportTransientPfx(IReadOnlyList<X509Certificate2> certificates, IReadOnlyList<byte[]> chain)
    {
        ArgumentNullException.ThrowIfNull(certificates);
        ArgumentNullException.ThrowIfNull(chain);
        if (certificates.Count == 0 || certificates.Any(c => c is null || !c.HasPrivateKey))
        {
            throw new ArgumentException("Every certificate must carry its private key, and there must be at least one.", nameof(certificates));
        }

        var authorities = chain.Select(der => ArchivedKeys.LoadCertificate(der, "chain")).ToList();
        try
        {
            var collection = new X509Certificate2Collection();
            collection.AddRange(certificates.ToArray());
            collection.AddRange(authorities.ToArray());
            var password = Convert.ToHexString(RandomNumberGenerator.GetBytes(PasswordBytes));
            var pfx = collection.ExportPkcs12(new PbeParameters(PbeEncryptionAlgorithm.Aes256Cbc, HashAlgorithmName.SHA256, TransientPfxIterations), password);
            return new TransientPfx(pfx, password);
        }
        finally
        {
            foreach (var authority in authorities)
            {
                authority.Dispose();
            }
        }
    }

    /// <summary>
    /// A copy of <paramref name="certificate"/> whose private key is persisted for the current user (Windows key
    /// container, macOS keychain), for adding to <see cref="X509Store"/> on platforms whose stores keep no ephemeral
    /// key. The intermediate PFX exists only in memory, under a random password, and is zeroed.
    /// </summary>
    public static X509Certificate2 WithPersistedKey(X509Certificate2 certificate)
    {
        ArgumentNullException.ThrowIfNull(certificate);
        if (!certificate.HasPrivateKey)
        {
            throw new ArgumentException("The certificate carries no private key.", nameof(certificate));
        }

        var password = Convert.ToHexString(RandomNumberGenerator.GetBytes(PasswordBytes));
        var pfx = certificate.ExportPkcs12(new PbeParameters(PbeEncryptionAlgorithm.Aes256Cbc, HashAlgorithmName.SHA256, TransientPfxIterations), password);
        try
        {
            return X509CertificateLoader.LoadPkcs12(pfx, password, X509KeyStorageFlags.PersistKeySet | X509KeyStorageFlags.UserKeySet);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(pfx);
        }
    }
}
