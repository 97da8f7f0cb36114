using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Keyward.Crypto.Authority;
using Keyward.Crypto.KeyArchive;
using Keyward.Crypto.Protection;
using Keyward.Crypto.Recovery;

namespace Keyward.Crypto.Tests.Support;

/// <summary>An archived test key: what a recovery gets (<see cref="Recoverable"/>) and what the test keeps to check it.</summary>
/// <param name="Recoverable">The certificate id, certificate and sealed envelope.</param>
/// <param name="Pkcs8">The plaintext key, kept by the test only to prove it never appears in an output.</param>
/// <param name="Certificate">The certificate, without its key.</param>
internal sealed record ArchivedTestKey(RecoverableKey Recoverable, byte[] Pkcs8, X509Certificate2 Certificate)
{
    public string Id => Recoverable.CertificateId;
}

/// <summary>
/// One archive for the whole test run: a <see cref="SoftwareKeyStore"/> in a temporary folder, an issuing CA
/// (ECDSA P-384) whose certificate is the chain, and ten RSA-2048 encryption certificates plus two EC P-256
/// certificates (ECDSA, and key agreement only) whose keys are sealed with <see cref="ArchiveEnvelope.Seal"/>. Keys are made once: RSA key
/// generation is slow, and every test only reads them.
/// </summary>
internal sealed class TestArchive
{
    public const int RsaKeyCount = 10;

    private static readonly Lazy<TestArchive> Instance = new(() => new TestArchive(), LazyThreadSafetyMode.ExecutionAndPublication);

    private readonly ECDsa _caKey;
    private readonly X509Certificate2 _ca;
    private int _serial;

    private TestArchive()
    {
        var folder = Directory.CreateTempSubdirectory("keyward-crypto-tests-").FullName;
        var protector = SoftwareKeyStore.OpenOrCreate(Path.Combine(folder, "keystore.json"), "test passphrase");
        Protector = protector;
        AppDomain.CurrentDomain.ProcessExit += (_, _) =>
        {
            protector.Dispose();
            Directory.Delete(folder, recursive: true);
        };

        _caKey = ECDsa.Create(ECCurve.NamedCurves.nistP384);
        var caRequest = new CertificateRequest("CN=Test Issuing CA", _caKey, HashAlgorithmName.SHA384);
        caRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        caRequest.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        var now = DateTimeOffset.UtcNow;
        using (var ca = caRequest.CreateSelfSigned(now.AddDays(-1), now.AddYears(5)))
        {
            _ca = X509CertificateLoader.LoadCertificate(ca.RawData);
        }

        Rsa = Enumerable.Range(1, RsaKeyCount)
            .AsParallel()
            .AsOrdered()
            .Select(i =>
            {
                using var rsa = RSA.Create(2048);
                return Archive(rsa, $"cert-rsa-{i:D2}", X509KeyUsageFlags.KeyEncipherment);
            })
            .ToList();
        using var ecdsa = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        Ecdsa = Archive(ecdsa, "cert-ecdsa-01", X509KeyUsageFlags.DigitalSignature | X509KeyUsageFlags.KeyAgreement);
        using var agreement = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        EcAgreement = Archive(agreement, "cert-ecdh-01", X509KeyUsageFlags.KeyAgreement);
    }

    public static TestArchive Shared => Instance.Value;

    public SoftwareKeyStore Protector { get; }

    /// <summary>The issuing CA's certificate, DER: the chain of every test certificate.</summary>
    public byte[] Chain => _ca.RawData;

    public IReadOnlyList<ArchivedTestKey> Rsa { get; }

    /// <summary>An EC P-256 certificate for signing and key agreement: .NET attaches an ECDSA key to it.</summary>
    public ArchivedTestKey Ecdsa { get; }

    /// <summary>An EC P-256 encryption certificate (key agreement only): .NET attaches an ECDH key to it.</summary>
    public ArchivedTestKey EcAgreement { get; }

    public IReadOnlyList<RecoverableKey> RsaKeys(int count) => Rsa.Take(count).Select(k => k.Recoverable).ToList();

    /// <summary>Issues a certificate for <paramref name="key"/> and seals the key for it.</summary>
    public ArchivedTestKey Archive(AsymmetricAlgorithm key, string certificateId, X509KeyUsageFlags usage)
    {
        var subject = $"CN=Recovery test {certificateId}";
        var request = key switch
        {
            RSA rsa => new CertificateRequest(subject, rsa, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1),
            ECDsa ec => new CertificateRequest(subject, ec, HashAlgorithmName.SHA256),
            _ => throw new ArgumentException("RSA or ECDSA only.", nameof(key)),
        };
        request.CertificateExtensions.Add(new X509KeyUsageExtension(usage, true));
        var serial = BitConverter.GetBytes(Interlocked.Increment(ref _serial) + 1000);
        var now = DateTimeOffset.UtcNow;
        X509Certificate2 certificate;
        lock (_caKey)
        {
            certificate = request.Create(_ca.SubjectName, X509SignatureGenerator.CreateForECDsa(_caKey), now.AddDays(-1), now.AddYears(1), serial);
        }

        var pkcs8 = key.ExportPkcs8PrivateKey();
        return new ArchivedTestKey(Seal(pkcs8, certificateId, certificate.RawData), pkcs8, certificate);
    }

    /// <summary>Seals <paramref name="pkcs8"/> for the certificate <paramref name="certificateId"/> / <paramref name="certificateDer"/>, whatever key it is.</summary>
    public RecoverableKey Seal(byte[] pkcs8, string certificateId, byte[] certificateDer)
    {
        var (envelope, _) = ArchiveEnvelope.Seal(Protector, pkcs8, new CertificateBinding(certificateId, CertificateAuthority.Sha256Hex(certificateDer)));
        return new RecoverableKey(certificateId, certificateDer, envelope);
    }

    /// <summary>The archived test key of this certificate.</summary>
    public ArchivedTestKey ByThumbprint(string thumbprint) =>
        Rsa.Append(Ecdsa).Append(EcAgreement).Single(k => k.Certificate.Thumbprint == thumbprint);
}
