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

    /// <summary>
    /// The AES key sent to the transport key as the server sends it, done here with .NET alone: RSA-OAEP with the hash
    /// it asks for; or, for an EC key, a fresh ephemeral P-256 key, Z by ECDH, the KEK (Z itself, or ANSI X9.63
    /// SHA-256 over Z, the counter 1 and the scheme's SharedInfo) and the AES key wrapped under it (RFC 5649).
    /// </summary>
    public static (byte[] Wrapped, byte[]? Ephemeral) Send(CardTransportKey transportKey, byte[] aesKey)
    {
        if (!transportKey.IsEc)
        {
            using var rsa = RSA.Create();
            rsa.ImportSubjectPublicKeyInfo(transportKey.PublicKeySpki, out _);
            return (rsa.Encrypt(aesKey, transportKey.OaepHash == CardTransportKey.Sha256 ? RSAEncryptionPadding.OaepSHA256 : RSAEncryptionPadding.OaepSHA1), null);
        }

        using var recipient = ECDiffieHellman.Create();
        recipient.ImportSubjectPublicKeyInfo(transportKey.PublicKeySpki, out _);
        using var ephemeral = ECDiffieHellman.Create(ECCurve.NamedCurves.nistP256);
        var kek = transportKey.Kdf == CardTransportKey.KdfNone
            ? ephemeral.DeriveRawSecretAgreement(recipient.PublicKey)
            : ephemeral.DeriveKeyFromHash(recipient.PublicKey, HashAlgorithmName.SHA256, null, [0, 0, 0, 1, .. Keyward.Crypto.Recovery.EcdhTransport.SharedInfo]);
        using var aes = Aes.Create();
        aes.Key = kek;
        return (aes.EncryptKeyWrapPadded(aesKey), ephemeral.ExportSubjectPublicKeyInfo());
    }

    /// <summary>Opens on the card the AES key sent to <paramref name="transportKey"/> by <see cref="Send"/>.</summary>
    public static OpenedTransport OpenWith(CardTransportKey transportKey, byte[] aesKey)
    {
        var (wrapped, ephemeral) = Send(transportKey, aesKey);
        return transportKey.Open(wrapped, ephemeral);
    }
}
