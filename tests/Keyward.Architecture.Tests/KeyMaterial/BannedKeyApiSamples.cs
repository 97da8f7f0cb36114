using System.Security.Cryptography;
using System.Security.Cryptography.Pkcs;
using System.Security.Cryptography.X509Certificates;

namespace Keyward.Architecture.Tests.KeyMaterial;

/// <summary>
/// Uses every API of <see cref="BannedKeyApis.All"/> once, so that a test can prove each entry matches what the
/// compiler really emits (a misspelt or misplaced entry would silently allow its API). Compiled, never run.
/// </summary>
internal static class BannedKeyApiSamples
{
    public static void UseEveryBannedApi(RSA rsa, ECDsa ecdsa, ECDiffieHellman ecdh, Aes aes, X509Certificate2 certificate, X509Certificate2Collection collection)
    {
        var buffer = new byte[4096];
        var pbe = new PbeParameters(PbeEncryptionAlgorithm.Aes256Cbc, HashAlgorithmName.SHA256, 100_000);

        _ = rsa.ExportPkcs8PrivateKey();
        _ = rsa.TryExportPkcs8PrivateKey(buffer, out _);
        _ = rsa.ExportPkcs8PrivateKeyPem();
        _ = rsa.ExportEncryptedPkcs8PrivateKey("password", pbe);
        _ = rsa.ExportEncryptedPkcs8PrivateKeyPem("password", pbe);
        _ = rsa.TryExportEncryptedPkcs8PrivateKey("password", pbe, buffer, out _);
        rsa.ImportPkcs8PrivateKey(buffer, out _);
        rsa.ImportEncryptedPkcs8PrivateKey("password", buffer, out _);
        rsa.ImportFromEncryptedPem("pem", "password");

        _ = rsa.ExportRSAPrivateKey();
        _ = rsa.ExportRSAPrivateKeyPem();
        _ = rsa.TryExportRSAPrivateKey(buffer, out _);
        rsa.ImportRSAPrivateKey(buffer, out _);
        _ = ecdsa.ExportECPrivateKey();
        _ = ecdsa.ExportECPrivateKeyPem();
        _ = ecdsa.TryExportECPrivateKey(buffer, out _);
        ecdsa.ImportECPrivateKey(buffer, out _);

        _ = rsa.ExportParameters(true);
        _ = ecdsa.ExportParameters(true);
        _ = ecdh.ExportParameters(true);

        using var gcm = new AesGcm(buffer.AsSpan(0, 32), 16);
        _ = aes.EncryptKeyWrapPadded(buffer);
        _ = aes.DecryptKeyWrapPadded(buffer);
        _ = aes.TryDecryptKeyWrapPadded(buffer, buffer, out _);

        _ = new Pkcs12Builder();
        _ = new Pkcs12SafeContents();
        _ = certificate.Export(X509ContentType.Pfx);
        _ = collection.Export(X509ContentType.Pfx);
        _ = certificate.ExportPkcs12(Pkcs12ExportPbeParameters.Pbes2Aes256Sha256, "password");
        _ = certificate.CopyWithPrivateKey(rsa);
        _ = certificate.CopyWithPrivateKey(ecdh);
    }
}
