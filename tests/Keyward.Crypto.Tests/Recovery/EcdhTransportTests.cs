using System.Formats.Asn1;
using System.Security.Cryptography;
using System.Text;
using Keyward.Crypto.Recovery;
using Keyward.Crypto.Tests.Support;

namespace Keyward.Crypto.Tests.Recovery;

/// <summary>
/// The EC transport (docs/security.md#ec-transport-keys): the server wraps the transport key under a KEK agreed by
/// ECDH with a fresh ephemeral key, a client computing the KEK on its own (as a token does) gets the same KEK with
/// either KDF, and an EC transport key that is not an uncompressed P-256 point on the curve is refused, naming the
/// check, before any envelope is opened.
/// </summary>
public sealed class EcdhTransportTests
{
    /// <summary>The documented X9.63 SharedInfo: the scheme's name in ASCII (docs/recovery.md).</summary>
    private const string SharedInfo = "ECDH-P256+X963-SHA256+AES-KWP";

    private static TestArchive Archive => TestArchive.Shared;

    [Theory]
    [InlineData(TransportEcdhKdf.X963Sha256)]
    [InlineData(TransportEcdhKdf.None)]
    public void Wrap_EcTransportKey_ClientComputingTheKekItselfUnwrapsEveryKey(TransportEcdhKdf kdf)
    {
        var keys = new[] { Archive.Rsa[0], Archive.Ecdsa, Archive.EcAgreement };
        using var client = ECDiffieHellman.Create(ECCurve.NamedCurves.nistP256);

        var package = TransportWrap.Wrap(Archive.Protector, keys.Select(k => k.Recoverable).ToList(), client.ExportSubjectPublicKeyInfo(), kdf: kdf);

        Assert.Equal(kdf == TransportEcdhKdf.None ? "ECDH-P256+RAW-Z+AES-KWP" : "ECDH-P256+X963-SHA256+AES-KWP", package.Algorithm);
        Assert.Null(TransportKeyCheck.Check(package.EphemeralPublicKey!));
        var transportKey = Unwrap(client, package.EphemeralPublicKey!, package.WrappedTransportKey, kdf);
        Assert.Equal(32, transportKey.Length);
        using var aes = Aes.Create();
        aes.Key = transportKey;
        foreach (var key in keys)
        {
            Assert.Equal(key.Pkcs8, aes.DecryptKeyWrapPadded(package.Keys.Single(k => k.CertificateId == key.Id).WrappedPkcs8));
        }
    }

    [Fact]
    public void Wrap_X963Kdf_KekIsSha256OfZCounterAndTheSchemeName_AsDotNetsHashKdfComputesIt()
    {
        using var client = ECDiffieHellman.Create(ECCurve.NamedCurves.nistP256);
        var probe = RandomNumberGenerator.GetBytes(32);

        var sent = EcdhTransport.Wrap(client.ExportSubjectPublicKeyInfo(), probe, TransportEcdhKdf.X963Sha256);

        using var ephemeral = ECDiffieHellman.Create();
        ephemeral.ImportSubjectPublicKeyInfo(sent.EphemeralPublicKey, out _);
        var byHash = client.DeriveKeyFromHash(ephemeral.PublicKey, HashAlgorithmName.SHA256, null, [0, 0, 0, 1, .. Encoding.ASCII.GetBytes(SharedInfo)]);
        using var aes = Aes.Create();
        aes.Key = byHash;
        Assert.Equal(probe, aes.DecryptKeyWrapPadded(sent.WrappedKey));
        Assert.Equal(Encoding.ASCII.GetBytes(SharedInfo), EcdhTransport.SharedInfo);
    }

    [Fact]
    public void Wrap_KdfsGiveDifferentKeks_AndEveryWrapAFreshEphemeralKey()
    {
        using var client = ECDiffieHellman.Create(ECCurve.NamedCurves.nistP256);
        var probe = RandomNumberGenerator.GetBytes(32);

        var first = EcdhTransport.Wrap(client.ExportSubjectPublicKeyInfo(), probe, TransportEcdhKdf.X963Sha256);
        var second = EcdhTransport.Wrap(client.ExportSubjectPublicKeyInfo(), probe, TransportEcdhKdf.X963Sha256);

        Assert.NotEqual(first.EphemeralPublicKey, second.EphemeralPublicKey);
        Assert.NotEqual(first.WrappedKey, second.WrappedKey);
        // Read with the other KDF, the wrap fails its RFC 5649 integrity check.
        Assert.ThrowsAny<CryptographicException>(() => Unwrap(client, first.EphemeralPublicKey, first.WrappedKey, TransportEcdhKdf.None));
    }

    [Fact]
    public async Task Wrap_X963Kdf_OpensslDerivesTheSameKekAndUnwrapsTheTransportKey()
    {
        // Independent implementations: openssl's pkeyutl -derive (ECDH), its X963KDF, and id-aes256-wrap-pad.
        using var client = ECDiffieHellman.Create(ECCurve.NamedCurves.nistP256);
        var transportKey = RandomNumberGenerator.GetBytes(32);
        var sent = EcdhTransport.Wrap(client.ExportSubjectPublicKeyInfo(), transportKey, TransportEcdhKdf.X963Sha256);
        using var openssl = new Openssl();
        var own = openssl.Write("client.pem", client.ExportPkcs8PrivateKeyPem() + "\n");
        var peer = openssl.Write("ephemeral.der", sent.EphemeralPublicKey);
        var wrapped = openssl.Write("transport.kwp", sent.WrappedKey);

        await openssl.RunAsync("pkeyutl", "-derive", "-inkey", own, "-peerkey", peer, "-peerform", "DER", "-out", "z.bin");
        var z = Convert.ToHexString(await File.ReadAllBytesAsync(Path.Combine(openssl.Folder, "z.bin")));
        var kek = (await openssl.RunAsync("kdf", "-keylen", "32", "-kdfopt", "digest:SHA256", "-kdfopt", $"hexsecret:{z}", "-kdfopt", $"hexinfo:{Convert.ToHexString(Encoding.ASCII.GetBytes(SharedInfo))}", "X963KDF")).Trim().Replace(":", string.Empty, StringComparison.Ordinal);
        await openssl.RunAsync("enc", "-d", "-id-aes256-wrap-pad", "-K", kek, "-iv", "A65959A6", "-in", wrapped, "-out", "transport.key");

        Assert.Equal(transportKey, await File.ReadAllBytesAsync(Path.Combine(openssl.Folder, "transport.key")));
    }

    public static TheoryData<string, byte[], string> HostileEcKeys()
    {
        using var p256 = ECDiffieHellman.Create(ECCurve.NamedCurves.nistP256);
        using var p384 = ECDiffieHellman.Create(ECCurve.NamedCurves.nistP384);
        var spki = p256.ExportSubjectPublicKeyInfo();
        var q = p256.ExportParameters(false).Q;
        byte[] offCurve = [0x04, .. q.X!, .. q.Y![..^1], (byte)(q.Y![^1] ^ 0x01)];
        byte[] compressed = [(byte)(0x02 | (q.Y![^1] & 1)), .. q.X!];
        return new TheoryData<string, byte[], string>
        {
            { "point off the curve", Spki(offCurve), "not on the curve P-256" },
            { "compressed point", Spki(compressed), "compressed point" },
            { "P-384", p384.ExportSubjectPublicKeyInfo(), "is on the curve 1.3.132.0.34: only the named curve P-256" },
            { "trailing byte", [.. spki, 0x00], "1 byte(s) after its SubjectPublicKeyInfo" },
            { "all-zero point", Spki([0x04, .. new byte[64]]), "not on the curve P-256" },
            { "point of 64 bytes", Spki([0x04, .. new byte[63]]), "not an uncompressed P-256 point: 64 byte(s)" },
            { "x above the field prime", Spki([0x04, .. Enumerable.Repeat((byte)0xff, 32), .. q.Y!]), "not below the field prime" },
            { "BER long-form length", WithLongFormLength(spki), "not canonical DER" },
            { "explicit curve parameters", ExplicitParameters(spki), "does not name its curve" },
        };
    }

    [Theory]
    [MemberData(nameof(HostileEcKeys))]
    public void Wrap_HostileEcTransportKey_ThrowsTransportKeyInvalidNamingTheCheck(string kind, byte[] spki, string reason)
    {
        var refused = Assert.Throws<KeyRecoveryException>(() => TransportWrap.Wrap(Archive.Protector, [Archive.Rsa[0].Recoverable], spki));

        Assert.Equal(RecoveryFailure.TransportKeyInvalid, refused.Failure);
        Assert.True(refused.Message.Contains(reason, StringComparison.Ordinal), $"{kind}: '{refused.Message}' does not say '{reason}'.");
        Assert.Equal(refused.Message, TransportKeyCheck.Check(spki));
    }

    [Fact]
    public void Wrap_OffCurveEcKeyAndDamagedEnvelope_RefusesTheTransportKeyBeforeOpeningAnything()
    {
        var key = Archive.Rsa[0].Recoverable;
        var envelope = key.Envelope.ToArray();
        envelope[^3] ^= 0x04;

        var refused = Assert.Throws<KeyRecoveryException>(() =>
            TransportWrap.Wrap(Archive.Protector, [key with { Envelope = envelope }], Spki([0x04, .. new byte[64]])));

        Assert.Equal(RecoveryFailure.TransportKeyInvalid, refused.Failure);
        Assert.Null(refused.CertificateId);
    }

    [Fact]
    public void Check_RealP256Keys_Accepted()
    {
        using var ecdh = ECDiffieHellman.Create(ECCurve.NamedCurves.nistP256);
        using var ecdsa = ECDsa.Create(ECCurve.NamedCurves.nistP256);

        Assert.Null(TransportKeyCheck.Check(ecdh.ExportSubjectPublicKeyInfo()));
        Assert.Null(TransportKeyCheck.Check(ecdsa.ExportSubjectPublicKeyInfo()));
        Assert.Equal(ecdh.ExportSubjectPublicKeyInfo(), EcdhTransport.SpkiOf([0x04, .. ecdh.ExportParameters(false).Q.X!, .. ecdh.ExportParameters(false).Q.Y!]));
    }

    [Fact]
    public void PointOf_ServerKeyOffTheCurve_EnvelopeUnreadableNamingTheCheck()
    {
        var refused = Assert.Throws<KeyRecoveryException>(() => EcdhTransport.PointOf(Spki([0x04, .. new byte[64]])));

        Assert.Equal(RecoveryFailure.EnvelopeUnreadable, refused.Failure);
        Assert.Contains("The server's ephemeral key's point is not on the curve P-256", refused.Message, StringComparison.Ordinal);
    }

    /// <summary>The transport key as a client computes it from its own key: Z, the KEK by <paramref name="kdf"/>, then RFC 5649.</summary>
    private static byte[] Unwrap(ECDiffieHellman client, byte[] ephemeralSpki, byte[] wrapped, TransportEcdhKdf kdf)
    {
        using var ephemeral = ECDiffieHellman.Create();
        ephemeral.ImportSubjectPublicKeyInfo(ephemeralSpki, out _);
        var z = client.DeriveRawSecretAgreement(ephemeral.PublicKey);
        var kek = kdf == TransportEcdhKdf.None ? z : SHA256.HashData([.. z, 0, 0, 0, 1, .. Encoding.ASCII.GetBytes(SharedInfo)]);
        using var aes = Aes.Create();
        aes.Key = kek;
        return aes.DecryptKeyWrapPadded(wrapped);
    }

    private static byte[] Spki(byte[] point)
    {
        var writer = new AsnWriter(AsnEncodingRules.DER);
        using (writer.PushSequence())
        {
            using (writer.PushSequence())
            {
                writer.WriteObjectIdentifier("1.2.840.10045.2.1");
                writer.WriteObjectIdentifier("1.2.840.10045.3.1.7");
            }

            writer.WriteBitString(point);
        }

        return writer.Encode();
    }

    /// <summary>The same key with the outer SEQUENCE's length in BER long form (81 59 for 59): valid BER, not DER.</summary>
    private static byte[] WithLongFormLength(byte[] spki)
    {
        Assert.Equal(0x30, spki[0]);
        Assert.True(spki[1] < 0x80);
        return [0x30, 0x81, spki[1], .. spki[2..]];
    }

    /// <summary>The point under id-ecPublicKey with a stand-in for explicit parameters (a SEQUENCE where the curve's OID belongs).</summary>
    private static byte[] ExplicitParameters(byte[] spki)
    {
        var writer = new AsnWriter(AsnEncodingRules.DER);
        using (writer.PushSequence())
        {
            using (writer.PushSequence())
            {
                writer.WriteObjectIdentifier("1.2.840.10045.2.1");
                using (writer.PushSequence())
                {
                    writer.WriteInteger(1);
                }
            }

            writer.WriteBitString(spki.AsSpan(spki.Length - 65));
        }

        return writer.Encode();
    }
}
