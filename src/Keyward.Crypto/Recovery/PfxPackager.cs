using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Keyward.Crypto.Protection;

namespace Keyward.Crypto.Recovery;

/// <summary>
/// Builds the PFX (PKCS#12) file a recovery hands out: every recovered certificate with its private key, plus the
/// chain certificates, under one password. See <c>docs/pfx.md</c> for the layout and the iteration counts.
/// </summary>
/// <remarks>
/// The plaintext keys exist only inside <see cref="Build"/>: each PKCS#8 buffer is zeroed and each key object
/// disposed before it returns, whether it succeeds or not. The password is a .NET string, which cannot be zeroed;
/// it is never logged or put in a message.
/// </remarks>
public static class PfxPackager
{
    /// <summary>.NET's default loader: PBKDF2 iterations allowed per key derivation (and for the MAC).</summary>
    private const int LoaderIterationsPerKdf = 300_000;

    /// <summary>.NET's default loader: PBKDF2 iterations allowed over all the key derivations of a file.</summary>
    private const int LoaderTotalIterations = 1_000_000;

    /// <summary>For a password of at least 128 bits of entropy OpenSSL 3's default count is enough.</summary>
    private const int GeneratedPasswordIterations = 2_048;

    /// <summary>The most a collector-chosen password gets, whatever the loader would allow.</summary>
    private const int ChosenPasswordIterationCap = 100_000;

    /// <summary>
    /// Builds one PFX holding each certificate of <paramref name="keys"/> with its private key, and the
    /// <paramref name="chain"/> certificates without keys.
    /// </summary>
    /// <param name="protector">The protector holding the storage keys the envelopes are wrapped under.</param>
    /// <param name="keys">The keys to recover (1 to 200, no certificate twice).</param>
    /// <param name="chain">Issuing CA certificates (DER) to include; may be empty.</param>
    /// <param name="password">The PFX password (not empty).</param>
    /// <param name="encryption">The protection of keys, certificates and MAC.</param>
    /// <param name="iterations">
    /// The PBKDF2 iteration count for every key bag, the certificate bag and the MAC (see <see cref="IterationsFor"/>).
    /// Counts .NET's default loader would refuse for this many keys are refused here.
    /// </param>
    /// <returns>The PFX file.</returns>
    /// <exception cref="KeyRecoveryException">An envelope does not open, or its key does not belong to its certificate.</exception>
    public static byte[] Build(IKeyProtector protector, IReadOnlyList<RecoverableKey> keys, IReadOnlyList<byte[]> chain, string password, PfxEncryption encryption, int iterations)
    {
        ArgumentNullException.ThrowIfNull(protector);
        ArgumentNullException.ThrowIfNull(chain);
        ArgumentException.ThrowIfNullOrEmpty(password);
        ArchivedKeys.Validate(keys, nameof(keys));
        if (keys.Count + chain.Count > ArchivedKeys.MaxKeys)
        {
            throw new ArgumentException($"A PFX holds at most {ArchivedKeys.MaxKeys} certificates, chain included.", nameof(chain));
        }

        ArgumentOutOfRangeException.ThrowIfLessThan(iterations, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(iterations, Math.Min(LoaderIterationsPerKdf, LoaderTotalIterations / (keys.Count + 1)));
        var parameters = encryption switch
        {
            PfxEncryption.Aes256Sha256 => new PbeParameters(PbeEncryptionAlgorithm.Aes256Cbc, HashAlgorithmName.SHA256, iterations),
            PfxEncryption.TripleDesSha1 => new PbeParameters(PbeEncryptionAlgorithm.TripleDes3KeyPkcs12, HashAlgorithmName.SHA1, iterations),
            _ => throw new ArgumentOutOfRangeException(nameof(encryption), encryption, "Unknown PFX encryption."),
        };

        var collection = new X509Certificate2Collection();
        try
        {
            foreach (var key in keys)
            {
                collection.Add(WithPrivateKey(protector, key));
            }

            foreach (var der in chain)
            {
                ArgumentNullException.ThrowIfNull(der, nameof(chain));
                collection.Add(ArchivedKeys.LoadCertificate(der, "chain"));
            }

            return collection.ExportPkcs12(parameters, password);
        }
        finally
        {
            foreach (var certificate in collection)
            {
                certificate.Dispose();
            }
        }
    }

    /// <summary>
    /// The PBKDF2 iteration count for a PFX of <paramref name="keyCount"/> keys, chosen so that .NET's default
    /// loader, OpenSSL 3 and Windows all open it.
    /// </summary>
    /// <param name="passwordHasFullEntropy">
    /// True only for a password of at least 128 bits of entropy — a generated one whose
    /// <see cref="GeneratedPassword.HasFullEntropy"/> is true: 2,048, OpenSSL 3's default, since no count adds
    /// meaningfully to such a password. False for a password a person chose, and for a generated one that the
    /// policy's maximum length kept below 128 bits: as many iterations as the loader allows for that many keys, at
    /// most 100,000.
    /// </param>
    /// <param name="keyCount">How many keys the file holds (1 to 200).</param>
    /// <remarks>
    /// .NET's default loader refuses more than 300,000 iterations for one key derivation or the MAC, and more
    /// than 1,000,000 over all key derivations. A Keyward PFX derives one key per shrouded key bag and one for the
    /// encrypted certificate bag; counting the MAC as well keeps one derivation of headroom:
    /// <c>min(100,000, floor(1,000,000 / (keyCount + 2)))</c>, rounded down to a thousand.
    /// </remarks>
    public static int IterationsFor(bool passwordHasFullEntropy, int keyCount)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(keyCount, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(keyCount, ArchivedKeys.MaxKeys);
        if (passwordHasFullEntropy)
        {
            return GeneratedPasswordIterations;
        }

        var budget = LoaderTotalIterations / (keyCount + 2) / 1_000 * 1_000;
        return Math.Min(ChosenPasswordIterationCap, Math.Min(LoaderIterationsPerKdf, budget));
    }

    /// <summary>
    /// A random password that satisfies a secret policy, with at least 128 bits of entropy when
    /// <paramref name="maxLength"/> allows it (otherwise as long as the policy allows), and the entropy it has.
    /// </summary>
    /// <remarks>
    /// Characters are drawn uniformly (<see cref="RandomNumberGenerator.GetInt32(int)"/>) from upper- and
    /// lower-case letters and digits, plus symbols when the policy requires one, leaving out the look-alikes
    /// 0 O o 1 l I; a draw that misses a required class is discarded and drawn again, so every password the
    /// policy accepts at that length is equally likely. The length is the shortest, within the policy, whose
    /// entropy reaches 128 bits — 23 characters for letters and digits, 21 with symbols. A digits-only policy
    /// draws from all ten digits. Pass <see cref="GeneratedPassword.HasFullEntropy"/> to <see cref="IterationsFor"/>:
    /// a password the policy kept short needs the iterations of a chosen one.
    /// </remarks>
    /// <exception cref="ArgumentException">The policy cannot be met (lengths out of order, more required classes than characters, or digits-only with letters or symbols required).</exception>
    public static GeneratedPassword GeneratePassword(int minLength, int maxLength, bool requireUpper, bool requireLower, bool requireDigit, bool requireSymbol, bool digitsOnly) =>
        PasswordGenerator.Generate(minLength, maxLength, requireUpper, requireLower, requireDigit, requireSymbol, digitsOnly);

    private static X509Certificate2 WithPrivateKey(IKeyProtector protector, RecoverableKey key)
    {
        using var certificate = ArchivedKeys.LoadCertificate(key.CertificateDer, key.CertificateId);
        var pkcs8 = ArchivedKeys.OpenEnvelope(protector, key);
        try
        {
            using var privateKey = ArchivedKeys.Import(certificate, pkcs8, key.CertificateId);
            return ArchivedKeys.Attach(certificate, privateKey, key.CertificateId);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(pkcs8);
        }
    }
}
