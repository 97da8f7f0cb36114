using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Keyward.Crypto.Recovery;
using Keyward.Crypto.Tests.Support;

namespace Keyward.Crypto.Tests.Recovery;

/// <summary>
/// Keys collected as keys: the client's one-time key pair gets back certificates with working private keys, nobody
/// else can unwrap the package, the package never carries a key in the clear, and the scheme is the standard one a
/// PKCS#11 token (or openssl) unwraps without Keyward's code.
/// </summary>
public sealed class TransportWrapTests
{
    private static TestArchive Archive => TestArchive.Shared;

    [Fact]
    public void Unwrap_WrappedRsaAndEcKeys_GivesCertificatesWhosePrivateKeysMatch()
    {
        var keys = new[] { Archive.Rsa[0], Archive.Rsa[1], Archive.Ecdsa, Archive.EcAgreement };
        using var client = TransportKeyPair.Create();

        var package = TransportWrap.Wrap(Archive.Protector, keys.Select(k => k.Recoverable).ToList(), client.PublicKey);

        Assert.Equal(keys.Select(k => k.Id), package.Keys.Select(k => k.CertificateId));
        foreach (var key in keys)
        {
            using var recovered = client.Unwrap(package, key.Id, key.Certificate.RawData);
            Assert.Equal(key.Certificate.RawData, recovered.RawData);
            KeyAssert.PrivateKeyMatches(recovered, key.Certificate);
        }
    }

    [Fact]
    public void Unwrap_RecoveredCertificate_ExportsToAPfxThatKeepsTheKey()
    {
        // What a collecting client does to install the key into NSS (pk12util) or a Windows store.
        var key = Archive.Rsa[2];
        using var client = TransportKeyPair.Create();
        var package = TransportWrap.Wrap(Archive.Protector, [key.Recoverable], client.PublicKey);
        using var recovered = client.Unwrap(package, key.Id, key.Certificate.RawData);

        var pfx = new X509Certificate2Collection(recovered).ExportPkcs12(Pkcs12ExportPbeParameters.Pbes2Aes256Sha256, "install");

        using var installed = X509CertificateLoader.LoadPkcs12(pfx, "install");
        KeyAssert.PrivateKeyMatches(installed, key.Certificate);
    }

    [Fact]
    public void Wrap_Package_NeverContainsThePlaintextKey()
    {
        var keys = new[] { Archive.Rsa[0], Archive.Rsa[1], Archive.Ecdsa, Archive.EcAgreement };
        using var client = TransportKeyPair.Create();

        var package = TransportWrap.Wrap(Archive.Protector, keys.Select(k => k.Recoverable).ToList(), client.PublicKey);

        byte[] output = [.. package.WrappedTransportKey, .. package.Keys.SelectMany(k => k.WrappedPkcs8)];
        foreach (var key in keys)
        {
            // Not the key, and not any 16-byte run of it.
            for (var at = 0; at + 16 <= key.Pkcs8.Length; at++)
            {
                Assert.False(KeyAssert.Contains(output, key.Pkcs8.AsSpan(at, 16)), $"The package holds bytes {at}..{at + 16} of {key.Id}'s PKCS#8 key.");
            }
        }
    }

    [Fact]
    public void Unwrap_AnotherClientsKeyPair_Refused()
    {
        var key = Archive.Rsa[0];
        using var client = TransportKeyPair.Create();
        using var eavesdropper = TransportKeyPair.Create();
        var package = TransportWrap.Wrap(Archive.Protector, [key.Recoverable], client.PublicKey);

        var refused = Assert.Throws<KeyRecoveryException>(() => eavesdropper.Unwrap(package, key.Id, key.Certificate.RawData));

        Assert.Equal(RecoveryFailure.EnvelopeUnreadable, refused.Failure);
    }

    [Fact]
    public void Unwrap_AlteredWrappedKey_Refused()
    {
        var key = Archive.Rsa[0];
        using var client = TransportKeyPair.Create();
        var package = TransportWrap.Wrap(Archive.Protector, [key.Recoverable], client.PublicKey);
        var altered = package.Keys[0].WrappedPkcs8.ToArray();
        altered[20] ^= 0x80;

        var refused = Assert.Throws<KeyRecoveryException>(() =>
            client.Unwrap(package with { Keys = [package.Keys[0] with { WrappedPkcs8 = altered }] }, key.Id, key.Certificate.RawData));

        Assert.Equal(RecoveryFailure.EnvelopeUnreadable, refused.Failure);
    }

    [Fact]
    public void Unwrap_KeyPresentedWithAnotherCertificate_ThrowsKeyMismatch()
    {
        var key = Archive.Rsa[0];
        using var client = TransportKeyPair.Create();
        var package = TransportWrap.Wrap(Archive.Protector, [key.Recoverable], client.PublicKey);

        var refused = Assert.Throws<KeyRecoveryException>(() => client.Unwrap(package, key.Id, Archive.Rsa[1].Certificate.RawData));

        Assert.Equal(RecoveryFailure.KeyMismatch, refused.Failure);
    }

    [Fact]
    public void Unwrap_CertificateNotInThePackage_Refused()
    {
        using var client = TransportKeyPair.Create();
        var package = TransportWrap.Wrap(Archive.Protector, [Archive.Rsa[0].Recoverable], client.PublicKey);

        Assert.Throws<ArgumentException>(() => client.Unwrap(package, Archive.Rsa[1].Id, Archive.Rsa[1].Certificate.RawData));
    }

    [Fact]
    public void Unwrap_AfterDispose_Refused()
    {
        var client = TransportKeyPair.Create();
        var package = TransportWrap.Wrap(Archive.Protector, [Archive.Rsa[0].Recoverable], client.PublicKey);
        client.Dispose();

        Assert.Throws<ObjectDisposedException>(() => client.Unwrap(package, Archive.Rsa[0].Id, Archive.Rsa[0].Certificate.RawData));
    }

    [Fact]
    public void Wrap_TamperedEnvelope_ThrowsEnvelopeUnreadable()
    {
        var key = Archive.Rsa[0].Recoverable;
        var envelope = key.Envelope.ToArray();
        envelope[^3] ^= 0x04;
        using var client = TransportKeyPair.Create();

        var refused = Assert.Throws<KeyRecoveryException>(() => TransportWrap.Wrap(Archive.Protector, [key with { Envelope = envelope }], client.PublicKey));

        Assert.Equal(RecoveryFailure.EnvelopeUnreadable, refused.Failure);
        Assert.Equal(key.CertificateId, refused.CertificateId);
    }

    [Fact]
    public void Wrap_KeyThatIsNotTheCertificates_ThrowsKeyMismatch()
    {
        var wrongKey = Archive.Seal(Archive.Rsa[0].Pkcs8, Archive.Rsa[1].Id, Archive.Rsa[1].Certificate.RawData);
        using var client = TransportKeyPair.Create();

        var refused = Assert.Throws<KeyRecoveryException>(() => TransportWrap.Wrap(Archive.Protector, [wrongKey], client.PublicKey));

        Assert.Equal(RecoveryFailure.KeyMismatch, refused.Failure);
    }

    [Fact]
    public void Wrap_Pkcs8WithTheCertificatesModulusButAnotherKeysPrivateHalf_ThrowsKeyMismatch()
    {
        // The public fields are copied from the certificate; d, p, q and the CRT values are another key's.
        var certificateKey = Archive.Rsa[0];
        using var theirs = Archive.Rsa[0].Certificate.GetRSAPublicKey()!;
        using var other = RSA.Create();
        other.ImportPkcs8PrivateKey(Archive.Rsa[1].Pkcs8, out _);
        var spliced = other.ExportParameters(true);
        spliced.Modulus = theirs.ExportParameters(false).Modulus;
        var forged = Archive.Seal(Pkcs8Of(spliced), certificateKey.Id, certificateKey.Certificate.RawData);
        using var client = TransportKeyPair.Create();

        var refused = Assert.Throws<KeyRecoveryException>(() => TransportWrap.Wrap(Archive.Protector, [forged], client.PublicKey));

        Assert.Equal(RecoveryFailure.KeyMismatch, refused.Failure);
        Assert.Equal(certificateKey.Id, refused.CertificateId);
    }

    [Fact]
    public void Wrap_Pkcs8WhosePrimesAreOneAndTheModulus_ThrowsKeyMismatch()
    {
        var certificateKey = Archive.Rsa[0];
        using var rsa = RSA.Create();
        rsa.ImportPkcs8PrivateKey(certificateKey.Pkcs8, out _);
        var trivial = rsa.ExportParameters(true);
        using var client = TransportKeyPair.Create();
        // The same encoder with the key's own fields gives a key that is accepted: the refusal below is the check's.
        TransportWrap.Wrap(Archive.Protector, [Archive.Seal(Pkcs8Of(trivial), certificateKey.Id, certificateKey.Certificate.RawData)], client.PublicKey);
        trivial.P = [1];
        trivial.Q = trivial.Modulus;
        var forged = Archive.Seal(Pkcs8Of(trivial), certificateKey.Id, certificateKey.Certificate.RawData);

        var refused = Assert.Throws<KeyRecoveryException>(() => TransportWrap.Wrap(Archive.Protector, [forged], client.PublicKey));

        Assert.Equal(RecoveryFailure.KeyMismatch, refused.Failure);
    }

    [Fact]
    public void Wrap_Pkcs8WithATrailingByte_ThrowsKeyMismatch()
    {
        var certificateKey = Archive.Rsa[0];
        var forged = Archive.Seal([.. certificateKey.Pkcs8, 0], certificateKey.Id, certificateKey.Certificate.RawData);
        using var client = TransportKeyPair.Create();

        var refused = Assert.Throws<KeyRecoveryException>(() => TransportWrap.Wrap(Archive.Protector, [forged], client.PublicKey));

        Assert.Equal(RecoveryFailure.KeyMismatch, refused.Failure);
    }

    [Fact]
    public void Wrap_Pkcs8WithAnUnknownFieldAfterTheKey_ThrowsKeyMismatch()
    {
        var certificateKey = Archive.Rsa[0];
        using var rsa = RSA.Create();
        rsa.ImportPkcs8PrivateKey(certificateKey.Pkcs8, out _);
        var forged = Archive.Seal(Pkcs8Of(rsa.ExportParameters(true), extraField: true), certificateKey.Id, certificateKey.Certificate.RawData);
        using var client = TransportKeyPair.Create();

        var refused = Assert.Throws<KeyRecoveryException>(() => TransportWrap.Wrap(Archive.Protector, [forged], client.PublicKey));

        Assert.Equal(RecoveryFailure.KeyMismatch, refused.Failure);
    }

    [Fact]
    public void Wrap_ManyKeysTwoOfThemWrong_NamesTheFirstWrongOneInOrder()
    {
        var first = Archive.Seal(Archive.Rsa[0].Pkcs8, Archive.Rsa[5].Id, Archive.Rsa[5].Certificate.RawData);
        var second = Archive.Seal(Archive.Rsa[0].Pkcs8, Archive.Rsa[8].Id, Archive.Rsa[8].Certificate.RawData);
        var keys = Archive.RsaKeys(TestArchive.RsaKeyCount).Select(k => k.CertificateId == first.CertificateId ? first : k.CertificateId == second.CertificateId ? second : k).ToList();
        using var client = TransportKeyPair.Create();

        var refused = Assert.Throws<KeyRecoveryException>(() => TransportWrap.Wrap(Archive.Protector, keys, client.PublicKey));

        Assert.Equal(RecoveryFailure.KeyMismatch, refused.Failure);
        Assert.Equal(first.CertificateId, refused.CertificateId);
    }

    [Fact]
    public void Wrap_TenKeys_EachUnwrapsToItsOwnCertificateInOrder()
    {
        var keys = Archive.RsaKeys(TestArchive.RsaKeyCount);
        using var client = TransportKeyPair.Create();

        var package = TransportWrap.Wrap(Archive.Protector, keys, client.PublicKey);

        Assert.Equal(keys.Select(k => k.CertificateId), package.Keys.Select(k => k.CertificateId));
        foreach (var key in keys)
        {
            using var certificate = client.Unwrap(package, key.CertificateId, key.CertificateDer);
            Assert.True(certificate.HasPrivateKey);
        }
    }

    [Fact]
    public void Create_PublicKey_IsAnRsa3072SubjectPublicKeyInfo()
    {
        using var client = TransportKeyPair.Create();
        using var rsa = RSA.Create();

        rsa.ImportSubjectPublicKeyInfo(client.PublicKey, out var read);

        Assert.Equal(client.PublicKey.Length, read);
        Assert.Equal(3072, rsa.KeySize);
        Assert.Null(TransportKeyCheck.Check(client.PublicKey));
    }

    [Fact]
    public async Task Wrap_Package_UnwrapsWithOpensslAsAPkcs11TokenWould()
    {
        // RSA-OAEP (SHA-256, MGF1-SHA-256, no label) then AES key wrap with padding (RFC 5649): CKM_RSA_PKCS_OAEP and
        // CKM_AES_KEY_WRAP_PAD. openssl's pkeyutl and id-aes256-wrap-pad are independent implementations of both.
        var key = Archive.Rsa[3];
        using var recipient = RSA.Create(3072);
        var package = TransportWrap.Wrap(Archive.Protector, [key.Recoverable], recipient.ExportSubjectPublicKeyInfo());
        using var openssl = new Openssl();
        var recipientFile = openssl.Write("recipient.pem", recipient.ExportPkcs8PrivateKeyPem() + "\n");
        var wrappedTransportKeyFile = openssl.Write("transport.bin", package.WrappedTransportKey);
        var wrappedKeyFile = openssl.Write("key.kwp", package.Keys[0].WrappedPkcs8);

        await openssl.RunAsync(
            "pkeyutl", "-decrypt", "-inkey", recipientFile, "-in", wrappedTransportKeyFile, "-out", "transport.key",
            "-pkeyopt", "rsa_padding_mode:oaep", "-pkeyopt", "rsa_oaep_md:sha256", "-pkeyopt", "rsa_mgf1_md:sha256");
        var transportKeyHex = Convert.ToHexString(await File.ReadAllBytesAsync(Path.Combine(openssl.Folder, "transport.key")));
        Assert.Equal(64, transportKeyHex.Length);
        await openssl.RunAsync("enc", "-d", "-id-aes256-wrap-pad", "-K", transportKeyHex, "-iv", "A65959A6", "-in", wrappedKeyFile, "-out", "key.der");
        var fromKey = await openssl.RunAsync("pkey", "-inform", "DER", "-in", "key.der", "-pubout");
        var certificateFile = openssl.Write("cert.pem", key.Certificate.ExportCertificatePem() + "\n");
        var fromCertificate = await openssl.RunAsync("x509", "-in", certificateFile, "-noout", "-pubkey");

        Assert.Equal(fromCertificate.Trim(), fromKey.Trim());
        Assert.Equal(key.Pkcs8, await File.ReadAllBytesAsync(Path.Combine(openssl.Folder, "key.der")));
    }

    [Fact]
    public void Algorithm_NamesTheScheme()
    {
        Assert.Equal("RSA-OAEP-256+AES-KWP", TransportWrap.Algorithm);
    }

    /// <summary>A PKCS#8 RSA key of whatever fields are given, without the runtime's consistency checks.</summary>
    private static byte[] Pkcs8Of(RSAParameters key, bool extraField = false)
    {
        var rsa = new System.Formats.Asn1.AsnWriter(System.Formats.Asn1.AsnEncodingRules.DER);
        using (rsa.PushSequence())
        {
            rsa.WriteInteger(0);
            foreach (var field in new[] { key.Modulus!, key.Exponent!, key.D!, key.P!, key.Q!, key.DP!, key.DQ!, key.InverseQ! })
            {
                // RSAParameters pads d and the CRT values to a fixed length; DER wants an integer's shortest form, so a
                // key whose value happens to start with a zero byte would otherwise be refused by the writer.
                var significant = field.AsSpan().TrimStart((byte)0);
                rsa.WriteIntegerUnsigned(significant.IsEmpty ? [0] : significant);
            }
        }

        var pkcs8 = new System.Formats.Asn1.AsnWriter(System.Formats.Asn1.AsnEncodingRules.DER);
        using (pkcs8.PushSequence())
        {
            pkcs8.WriteInteger(0);
            using (pkcs8.PushSequence())
            {
                pkcs8.WriteObjectIdentifier("1.2.840.113549.1.1.1");
                pkcs8.WriteNull();
            }

            pkcs8.WriteOctetString(rsa.Encode());
            if (extraField)
            {
                pkcs8.WriteInteger(7);
            }
        }

        return pkcs8.Encode();
    }
}
