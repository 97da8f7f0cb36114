using System.Formats.Asn1;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Keyward.Cards.Tests.Support;
using Keyward.Crypto.Recovery;

namespace Keyward.Cards.Tests.Writing;

/// <summary>The transport key on a SoftHSM2 token (EC P-256 and RSA-2048) and in software (docs/cards.md#transport-key).</summary>
public sealed class TransportKeyTests(SoftHsmTokens tokens) : IClassFixture<SoftHsmTokens>
{
    [Theory]
    [InlineData(TransportKeyMode.Auto)]
    [InlineData(TransportKeyMode.Token)]
    [InlineData(TransportKeyMode.TokenEc)]
    public void CreateTransportKey_SoftHsm_EcP256OnTokenWithoutKdfAndAnSpkiTheServerAccepts(TransportKeyMode mode)
    {
        using var opened = OpenedCard.Login(tokens.NewToken());

        using var transport = opened.Card.CreateTransportKey(mode);

        Assert.True(transport.OnToken);
        Assert.True(transport.IsEc);
        Assert.Null(transport.OaepHash);
        // SoftHSM 2.6.1 refuses CKD_SHA256_KDF for CKM_ECDH1_DERIVE; the self-test finds that it runs no KDF.
        Assert.Equal(CardTransportKey.KdfNone, transport.Kdf);
        Assert.Equal(EcdhTransport.AlgorithmRawZ, transport.Algorithm);
        Assert.Null(TransportKeyCheck.Check(transport.PublicKeySpki));
        using var ec = ECDiffieHellman.Create();
        ec.ImportSubjectPublicKeyInfo(transport.PublicKeySpki, out var read);
        Assert.Equal(transport.PublicKeySpki.Length, read);
        Assert.Equal(ECCurve.NamedCurves.nistP256.Oid.Value, ec.ExportParameters(false).Curve.Oid.Value);
    }

    [Fact]
    public void CreateTransportKey_SoftHsmEcKey_PrivateHalfSensitiveNotExtractableDeriveOnlySessionObject()
    {
        using var opened = OpenedCard.Login(tokens.NewToken());

        using var transport = opened.Card.CreateTransportKey(TransportKeyMode.TokenEc);

        var session = opened.Card.Session;
        var privateKeys = session.FindAllObjects([Factory.Create(Net.Pkcs11Interop.Common.CKA.CKA_CLASS, Net.Pkcs11Interop.Common.CKO.CKO_PRIVATE_KEY), Factory.Create(Net.Pkcs11Interop.Common.CKA.CKA_LABEL, "keyward-transport")]);
        var key = Assert.Single(privateKeys);
        Assert.False(opened.Bool(key, Net.Pkcs11Interop.Common.CKA.CKA_TOKEN));
        Assert.True(opened.Bool(key, Net.Pkcs11Interop.Common.CKA.CKA_SENSITIVE));
        Assert.False(opened.Bool(key, Net.Pkcs11Interop.Common.CKA.CKA_EXTRACTABLE));
        Assert.True(opened.Bool(key, Net.Pkcs11Interop.Common.CKA.CKA_DERIVE));
        Assert.False(opened.Bool(key, Net.Pkcs11Interop.Common.CKA.CKA_SIGN));
        Assert.True(opened.CannotBeRead(key, Net.Pkcs11Interop.Common.CKA.CKA_VALUE));
    }

    [Theory]
    [InlineData(TransportKeyMode.TokenEc)]
    [InlineData(TransportKeyMode.TokenRsa)]
    public void Open_KeyWrappedByKeywardCrypto_DerivesAndUnwrapsOnTheTokenAndWritesAKeyThatDecrypts(TransportKeyMode mode)
    {
        var token = tokens.NewToken();
        using var opened = OpenedCard.Login(token);
        using var transport = opened.Card.CreateTransportKey(mode);
        var aesKey = RecoveredKeys.NewAesKey();
        // The server's own code: Keyward.Crypto wraps the transport key exactly as a collection answer carries it.
        var (wrapped, ephemeral) = ServerSends(transport, aesKey);
        var recovered = RecoveredKeys.Rsa();

        using (var aes = transport.Open(wrapped, ephemeral))
        {
            Assert.True(aes.OnToken);
            opened.Card.Write(aes, [recovered.WrappedUnder(aesKey, "Alice")]);
        }

        using var certificate = recovered.Certificate();
        using var publicKey = certificate.GetRSAPublicKey()!;
        var secret = RandomNumberGenerator.GetBytes(32);
        var written = Assert.Single(opened.Find(Net.Pkcs11Interop.Common.CKO.CKO_PRIVATE_KEY, opened.Card.Contents().Certificates.Single().Id));
        Assert.False(opened.Bool(written, Net.Pkcs11Interop.Common.CKA.CKA_EXTRACTABLE));
        Assert.Equal(secret, opened.DecryptPkcs1(written, publicKey.Encrypt(secret, RSAEncryptionPadding.Pkcs1)));
        // No transport object (key pair, KEK, AES key) outlives the session: pkcs11-tool sees only what was written.
        Assert.Equal(["Certificate Object", "Private Key Object"], Pkcs11Tool.Objects(token).Select(o => o.Type).Order());
    }

    [Fact]
    public void CreateTransportKey_TokenRsa_SoftHsm_OnTokenWithSha1AndAnRsa2048Spki()
    {
        using var opened = OpenedCard.Login(tokens.NewToken());

        using var transport = opened.Card.CreateTransportKey(TransportKeyMode.TokenRsa);

        Assert.True(transport.OnToken);
        Assert.False(transport.IsEc);
        // SoftHSM 2.6.1 refuses OAEP with SHA-256 parameters; the self-test finds SHA-1.
        Assert.Equal(CardTransportKey.Sha1, transport.OaepHash);
        Assert.Equal(TransportWrap.AlgorithmSha1, transport.Algorithm);
        using var rsa = RSA.Create();
        rsa.ImportSubjectPublicKeyInfo(transport.PublicKeySpki, out var read);
        Assert.Equal(transport.PublicKeySpki.Length, read);
        Assert.Equal(2048, rsa.KeySize);
    }

    [Fact]
    public void CreateTransportKey_Software_Rsa3072WithSha256()
    {
        using var opened = OpenedCard.Login(tokens.NewToken());

        using var transport = opened.Card.CreateTransportKey(TransportKeyMode.Software);

        Assert.False(transport.OnToken);
        Assert.Equal(CardTransportKey.Sha256, transport.OaepHash);
        Assert.Equal(TransportWrap.Algorithm, transport.Algorithm);
        using var rsa = RSA.Create();
        rsa.ImportSubjectPublicKeyInfo(transport.PublicKeySpki, out _);
        Assert.Equal(3072, rsa.KeySize);
    }

    [Theory]
    [InlineData(TransportKeyMode.TokenEc)]
    [InlineData(TransportKeyMode.TokenRsa)]
    public void CreateTransportKey_OnToken_LeavesNothingOnTheToken(TransportKeyMode mode)
    {
        var token = tokens.NewToken();
        using var opened = OpenedCard.Login(token);

        using var transport = opened.Card.CreateTransportKey(mode);
        using var aes = RecoveredKeys.OpenWith(transport, RecoveredKeys.NewAesKey());

        // Session objects only: another application (pkcs11-tool) sees no object on the token.
        Assert.True(aes.OnToken);
        Assert.Empty(Pkcs11Tool.Objects(token));
    }

    [Theory]
    [InlineData(TransportKeyMode.TokenEc)]
    [InlineData(TransportKeyMode.TokenRsa)]
    [InlineData(TransportKeyMode.Software)]
    public void Open_AesKeyWrappedForAnotherKey_PackageUnreadable(TransportKeyMode mode)
    {
        using var opened = OpenedCard.Login(tokens.NewToken());
        using var transport = opened.Card.CreateTransportKey(mode);
        var (wrongRecipient, ephemeral) = mode == TransportKeyMode.TokenEc ? SentToAnotherEcKey() : SentToAnotherRsaKey(mode);
        var recovered = RecoveredKeys.Rsa();

        // On the token the unwrap fails at once; in software at the first key, where Keyward.Crypto opens it.
        var error = Assert.Throws<CardException>(() =>
        {
            using var aes = transport.Open(wrongRecipient, ephemeral);
            opened.Card.Write(aes, [recovered.WrappedUnder(RecoveredKeys.NewAesKey(), "Alice")]);
        });

        Assert.True(error.Problem == CardProblem.PackageUnreadable, $"{error.Problem}: {error.Message}");
        Assert.Empty(opened.Card.Contents().Certificates);
        Assert.Empty(opened.Card.Contents().KeysWithoutCertificate);
    }

    public static TheoryData<string, byte[], string> HostileServerKeys()
    {
        using var p256 = ECDiffieHellman.Create(ECCurve.NamedCurves.nistP256);
        using var p384 = ECDiffieHellman.Create(ECCurve.NamedCurves.nistP384);
        var spki = p256.ExportSubjectPublicKeyInfo();
        var offCurve = spki.ToArray();
        offCurve[^1] ^= 0x01;
        return new TheoryData<string, byte[], string>
        {
            { "off the curve", offCurve, "not on the curve P-256" },
            { "compressed", CompressedSpki(p256), "compressed point" },
            { "P-384", p384.ExportSubjectPublicKeyInfo(), "only the named curve P-256" },
            { "trailing bytes", [.. spki, 0x05, 0x00], "after its SubjectPublicKeyInfo" },
        };
    }

    [Theory]
    [MemberData(nameof(HostileServerKeys))]
    public void Open_ServerEphemeralKeyRefused_PackageUnreadableNamingTheCheckBeforeTheTokenDerives(string kind, byte[] serverKey, string reason)
    {
        using var opened = OpenedCard.Login(tokens.NewToken());
        using var transport = opened.Card.CreateTransportKey(TransportKeyMode.TokenEc);
        var (wrapped, _) = ServerSends(transport, RecoveredKeys.NewAesKey());

        var error = Assert.Throws<CardException>(() => transport.Open(wrapped, serverKey));

        Assert.Equal(CardProblem.PackageUnreadable, error.Problem);
        Assert.True(error.Message.Contains(reason, StringComparison.Ordinal), $"{kind}: '{error.Message}' does not say '{reason}'.");
        Assert.Null(error.ReturnCode);
    }

    [Fact]
    public void Open_EcKeyWithoutTheServersEphemeralKey_PackageUnreadable()
    {
        using var opened = OpenedCard.Login(tokens.NewToken());
        using var transport = opened.Card.CreateTransportKey(TransportKeyMode.TokenEc);
        var (wrapped, _) = ServerSends(transport, RecoveredKeys.NewAesKey());

        var error = Assert.Throws<CardException>(() => transport.Open(wrapped));

        Assert.Equal(CardProblem.PackageUnreadable, error.Problem);
        Assert.Contains("no ephemeral key", error.Message, StringComparison.Ordinal);
    }

    private static readonly Net.Pkcs11Interop.HighLevelAPI.Factories.ObjectAttributeFactory Factory = new();

    /// <summary>What a collection answer carries for this transport key, made by Keyward.Crypto as the server makes it.</summary>
    private static (byte[] Wrapped, byte[]? Ephemeral) ServerSends(CardTransportKey transport, byte[] aesKey)
    {
        if (!transport.IsEc)
        {
            return RecoveredKeys.Send(transport, aesKey);
        }

        var sent = EcdhTransport.Wrap(transport.PublicKeySpki, aesKey, transport.Kdf == CardTransportKey.KdfNone ? TransportEcdhKdf.None : TransportEcdhKdf.X963Sha256);
        return (sent.WrappedKey, sent.EphemeralPublicKey);
    }

    private static (byte[], byte[]?) SentToAnotherEcKey()
    {
        using var other = ECDiffieHellman.Create(ECCurve.NamedCurves.nistP256);
        var sent = EcdhTransport.Wrap(other.ExportSubjectPublicKeyInfo(), RecoveredKeys.NewAesKey(), TransportEcdhKdf.None);
        return (sent.WrappedKey, sent.EphemeralPublicKey);
    }

    private static (byte[], byte[]?) SentToAnotherRsaKey(TransportKeyMode mode)
    {
        using var other = RSA.Create(mode == TransportKeyMode.TokenRsa ? 2048 : 3072);
        return (other.Encrypt(RecoveredKeys.NewAesKey(), RSAEncryptionPadding.OaepSHA1), null);
    }

    /// <summary>The same key with its point compressed (02/03 ‖ X), in an otherwise well-formed SubjectPublicKeyInfo.</summary>
    private static byte[] CompressedSpki(ECDiffieHellman key)
    {
        var q = key.ExportParameters(false).Q;
        byte[] point = [(byte)(0x02 | (q.Y![^1] & 1)), .. q.X!];
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
}
