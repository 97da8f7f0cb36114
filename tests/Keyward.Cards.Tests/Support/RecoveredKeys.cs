using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Keyward.Cards.Tests.Support;

/// <summary>A recovered key as the server would send it: a certificate, and its PKCS#8 key wrapped under a transport AES key.</summary>
public sealed class RecoveredKey(byte[] certificateDer, byte[] pkcs8)
{
    public byte[] CertificateDer { get; } = certificateDer;

    public byte[] Pkcs8 { get; } = pkcs8;

    public X509Certificate2 Certificate() => X509CertificateLoader.LoadCertificate(CertificateDer);

    public KeyToWrite WrappedUnder(byte[] aesKey, string label)
    {
        using var aes = Aes.Create();
        aes.Key = aesKey;
        return new KeyToWrite(aes.EncryptKeyWrapPadded(Pkcs8), CertificateDer, label);
    }
}

/// <summary>The server's side of the transport, done in the test with .NET: keys and certificates, the AES key encrypted to the transport key.</summary>
public static class RecoveredKeys
{
    public static RecoveredKey Rsa(string subject = "CN=Alice Example", int bits = 2048)
    {
        using var key = RSA.Create(bits);
        var request = new CertificateRequest(subject, key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyEncipherment | X509KeyUsageFlags.DigitalSignature, critical: true));
        using var certificate = request.CreateSelfSigned(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero), new DateTimeOffset(2036, 1, 1, 0, 0, 0, TimeSpan.Zero));
        return new RecoveredKey(certificate.RawData, key.ExportPkcs8PrivateKey());
    }

    public static RecoveredKey Ec(string subject = "CN=Bob Example")
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest(subject, key, HashAlgorithmName.SHA256);
        using var certificate = request.CreateSelfSigned(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero), new DateTimeOffset(2036, 1, 1, 0, 0, 0, TimeSpan.Zero));
        return new RecoveredKey(certificate.RawData, key.ExportPkcs8PrivateKey());
    }

    /// <summary>The conventional CKA_ID of a key: SHA-1 of its RSA modulus or EC point, lowercase hex.</summary>
    [System.Diagnostics.CodeAnalysis.SuppressMessage("Security", "CA5350:Do Not Use Weak Cryptographic Algorithms", Justification = "The identifier convention under test, not a security use.")]
    public static string Sha1Id(byte[] value) => Convert.ToHexStringLower(SHA1.HashData(value));

    /// <summary>A fresh AES-256 transport key.</summary>
    public static byte[] NewAesKey() => RandomNumberGenerator.GetBytes(32);

    /// <summary>The AES key encrypted with RSA-OAEP to the transport key, with the hash it asks for.</summary>
    public static byte[] EncryptTo(CardTransportKey transportKey, byte[] aesKey)
    {
        using var rsa = RSA.Create();
        rsa.ImportSubjectPublicKeyInfo(transportKey.PublicKeySpki, out _);
        return rsa.Encrypt(aesKey, transportKey.OaepHash == CardTransportKey.Sha256 ? RSAEncryptionPadding.OaepSHA256 : RSAEncryptionPadding.OaepSHA1);
    }
}
