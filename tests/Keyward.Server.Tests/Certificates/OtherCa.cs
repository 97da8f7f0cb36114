using System.Security.Cryptography;
using System.Security.Cryptography.Pkcs;
using System.Security.Cryptography.X509Certificates;

namespace Keyward.Server.Tests.Certificates;

/// <summary>
/// A throwaway "Old AD CS" certificate authority and the PFX files a migration off it would bring: built here
/// with .NET, independently of Keyward's own CA and import code.
/// </summary>
internal static class OtherCa
{
    public const string Password = "Migrate-Me-1!";

    // PBES2 (AES-256-CBC, PBKDF2-HMAC-SHA256) at an iteration count .NET's default loader accepts.
    private static readonly PbeParameters Protection = new(PbeEncryptionAlgorithm.Aes256Cbc, HashAlgorithmName.SHA256, 2000);

    /// <summary>The CA with its key (to sign), and its certificate alone (to ship in PFX files).</summary>
    private static readonly Lazy<(X509Certificate2 WithKey, X509Certificate2 Certificate)> Ca = new(() =>
    {
        using var key = TestKeys.OldCa();
        var request = new CertificateRequest("CN=Old AD CS Issuing CA, DC=corp, DC=example", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        var now = Infrastructure.DemoServer.Start;
        var withKey = request.CreateSelfSigned(now.AddYears(-10), now.AddYears(10));
        return (withKey, X509CertificateLoader.LoadCertificate(withKey.RawData));
    });

    /// <summary>A certificate the old CA issued for <paramref name="key"/> (RSA, or EC for key agreement) with the given key usage.</summary>
    public static X509Certificate2 Issue(AsymmetricAlgorithm key, X509KeyUsageFlags usage, string subject = "CN=Carol, OU=Payroll, DC=corp, DC=example")
    {
        var (ca, _) = Ca.Value;
        var request = key switch
        {
            RSA rsa => new CertificateRequest(subject, rsa, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1),
            ECDiffieHellman ec => new CertificateRequest(new X500DistinguishedName(subject), new PublicKey(ec), HashAlgorithmName.SHA256),
            _ => throw new ArgumentException("RSA or EC Diffie-Hellman keys only.", nameof(key)),
        };
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(usage, true));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(ca, true, false));
        var serial = RandomNumberGenerator.GetBytes(12);
        serial[0] &= 0x7F;
        var now = Infrastructure.DemoServer.Start;
        using var caKey = ca.GetRSAPrivateKey()!;
        return request.Create(ca.SubjectName, X509SignatureGenerator.CreateForRSA(caKey, RSASignaturePadding.Pkcs1), now.AddYears(-1), now.AddYears(1), serial);
    }

    /// <summary>A PFX holding the certificate with its own key (and the CA certificate, as AD CS exports do).</summary>
    public static byte[] Pfx(X509Certificate2 certificate, AsymmetricAlgorithm key)
    {
        using var withKey = key switch
        {
            RSA rsa => certificate.CopyWithPrivateKey(rsa),
            ECDiffieHellman ec => certificate.CopyWithPrivateKey(ec),
            _ => throw new ArgumentException("RSA or EC Diffie-Hellman keys only.", nameof(key)),
        };
        var collection = new X509Certificate2Collection { withKey, Ca.Value.Certificate };
        return collection.ExportPkcs12(Pkcs12ExportPbeParameters.Pbes2Aes256Sha256, Password);
    }

    /// <summary>A PFX holding the certificate and no key at all.</summary>
    public static byte[] PfxWithoutKey(X509Certificate2 certificate)
    {
        var certificates = new Pkcs12SafeContents();
        certificates.AddCertificate(certificate);
        var builder = new Pkcs12Builder();
        builder.AddSafeContentsEncrypted(certificates, Password, Protection);
        builder.SealWithMac(Password, HashAlgorithmName.SHA256, 2000);
        return builder.Encode();
    }

    /// <summary>
    /// A PFX whose key bag holds <paramref name="otherKey"/>, not the certificate's key, yet claims to belong to
    /// the certificate: both bags carry the same localKeyId, which is how PKCS#12 readers pair them.
    /// </summary>
    public static byte[] PfxWithAnotherKey(X509Certificate2 certificate, RSA otherKey)
    {
        var localKeyId = new Pkcs9LocalKeyId(new byte[] { 0x01, 0x02, 0x03, 0x04 });
        var certificates = new Pkcs12SafeContents();
        certificates.AddCertificate(certificate).Attributes.Add(localKeyId);
        var keys = new Pkcs12SafeContents();
        keys.AddShroudedKey(otherKey, Password, Protection).Attributes.Add(localKeyId);
        var builder = new Pkcs12Builder();
        builder.AddSafeContentsEncrypted(certificates, Password, Protection);
        builder.AddSafeContentsUnencrypted(keys);
        builder.SealWithMac(Password, HashAlgorithmName.SHA256, 2000);
        return builder.Encode();
    }
}
