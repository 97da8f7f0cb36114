using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Keyward.Cards.Tests.Support;
using Net.Pkcs11Interop.Common;

namespace Keyward.Cards.Tests.Writing;

/// <summary>Writing recovered keys onto real SoftHSM2 tokens, through the on-token unwrap and through the software import.</summary>
public sealed class WriteTests(SoftHsmTokens tokens) : IClassFixture<SoftHsmTokens>
{
    public static TheoryData<TransportKeyMode> Modes => new(TransportKeyMode.TokenEc, TransportKeyMode.TokenRsa, TransportKeyMode.Software);

    [Theory]
    [MemberData(nameof(Modes))]
    public void Write_RsaKey_SensitiveNonExtractableKeyThatDecryptsAndItsCertificateUnderOneId(TransportKeyMode mode)
    {
        var token = tokens.NewToken();
        using var opened = OpenedCard.Login(token);
        var recovered = RecoveredKeys.Rsa();

        var written = Write(opened, mode, (recovered, "Alice"))[0];

        using var certificate = recovered.Certificate();
        using var publicKey = certificate.GetRSAPublicKey()!;
        Assert.Equal(WriteOutcome.Written, written.Outcome);
        Assert.Equal(RecoveredKeys.Sha1Id(Modulus(publicKey)), written.Id);
        var key = Assert.Single(opened.Find(CKO.CKO_PRIVATE_KEY, written.Id));
        Assert.True(opened.Bool(key, CKA.CKA_SENSITIVE));
        Assert.False(opened.Bool(key, CKA.CKA_EXTRACTABLE));
        Assert.True(opened.Bool(key, CKA.CKA_PRIVATE));
        Assert.True(opened.Bool(key, CKA.CKA_TOKEN));
        Assert.True(opened.CannotBeRead(key, CKA.CKA_PRIVATE_EXPONENT));
        var secret = RandomNumberGenerator.GetBytes(32);
        Assert.Equal(secret, opened.DecryptPkcs1(key, publicKey.Encrypt(secret, RSAEncryptionPadding.Pkcs1)));
        var stored = Assert.Single(opened.Card.Contents().Certificates);
        Assert.Equal(recovered.CertificateDer, stored.Der);
        Assert.Equal("Alice", stored.Label);
        Assert.True(stored.HasPrivateKey);
        // From outside Keyward: exactly one certificate and one private key, under the same id.
        Assert.Equal(
            [("Certificate Object", written.Id), ("Private Key Object", written.Id)],
            Pkcs11Tool.Objects(token).Order().ToList());
    }

    [Theory]
    [MemberData(nameof(Modes))]
    public void Write_EcKey_KeyThatSignsForItsCertificate(TransportKeyMode mode)
    {
        var token = tokens.NewToken();
        using var opened = OpenedCard.Login(token);
        var recovered = RecoveredKeys.Ec();

        var written = Write(opened, mode, (recovered, "Bob"))[0];

        using var certificate = recovered.Certificate();
        Assert.Equal(RecoveredKeys.Sha1Id(certificate.PublicKey.EncodedKeyValue.RawData), written.Id);
        var key = Assert.Single(opened.Find(CKO.CKO_PRIVATE_KEY, written.Id));
        Assert.True(opened.Bool(key, CKA.CKA_SENSITIVE));
        Assert.False(opened.Bool(key, CKA.CKA_EXTRACTABLE));
        Assert.Equal(
            [("Certificate Object", written.Id), ("Private Key Object", written.Id)],
            Pkcs11Tool.Objects(token).Order().ToList());
    }

    [Theory]
    [MemberData(nameof(Modes))]
    public void Write_SameKeysAgain_AlreadyPresentAndNoDuplicates(TransportKeyMode mode)
    {
        var token = tokens.NewToken();
        using var opened = OpenedCard.Login(token);
        var alice = RecoveredKeys.Rsa("CN=Alice");
        var bob = RecoveredKeys.Rsa("CN=Bob");
        Write(opened, mode, (alice, "Alice"), (bob, "Bob"));
        var before = Pkcs11Tool.Objects(token).Order().ToList();

        var again = Write(opened, mode, (alice, "Alice"), (bob, "Bob"));

        Assert.All(again, w => Assert.Equal(WriteOutcome.AlreadyPresent, w.Outcome));
        Assert.Equal(before, Pkcs11Tool.Objects(token).Order().ToList());
        Assert.Equal(4, before.Count);
    }

    [Theory]
    [MemberData(nameof(Modes))]
    public void Write_KeyLeftWithoutCertificateByAnInterruptedWrite_OnlyTheCertificateWritten(TransportKeyMode mode)
    {
        var token = tokens.NewToken();
        using var opened = OpenedCard.Login(token);
        var alice = RecoveredKeys.Rsa();
        var first = Write(opened, mode, (alice, "Alice"))[0];
        opened.Destroy(Assert.Single(opened.Find(CKO.CKO_CERTIFICATE, first.Id)));
        Assert.Single(opened.Card.Contents().KeysWithoutCertificate);

        var retry = Write(opened, mode, (alice, "Alice"))[0];

        Assert.Equal(WriteOutcome.CertificateAdded, retry.Outcome);
        Assert.Equal(first.Id, retry.Id);
        Assert.Equal(
            [("Certificate Object", first.Id), ("Private Key Object", first.Id)],
            Pkcs11Tool.Objects(token).Order().ToList());
    }

    [Theory]
    [MemberData(nameof(Modes))]
    public void Write_CertificateWithoutItsKey_OnlyTheKeyWritten(TransportKeyMode mode)
    {
        var token = tokens.NewToken();
        using var opened = OpenedCard.Login(token);
        var alice = RecoveredKeys.Rsa();
        var first = Write(opened, mode, (alice, "Alice"))[0];
        opened.Destroy(Assert.Single(opened.Find(CKO.CKO_PRIVATE_KEY, first.Id)));

        var retry = Write(opened, mode, (alice, "Alice"))[0];

        Assert.Equal(WriteOutcome.KeyAdded, retry.Outcome);
        Assert.Equal(
            [("Certificate Object", first.Id), ("Private Key Object", first.Id)],
            Pkcs11Tool.Objects(token).Order().ToList());
    }

    [Theory]
    [MemberData(nameof(Modes))]
    public void Write_KeyOfAnotherCertificate_KeyMismatchAndNothingLeftOnTheCard(TransportKeyMode mode)
    {
        var token = tokens.NewToken();
        using var opened = OpenedCard.Login(token);
        var alice = RecoveredKeys.Rsa("CN=Alice");
        var mallory = RecoveredKeys.Rsa("CN=Mallory");
        using var transport = opened.Card.CreateTransportKey(mode);
        var aesKey = RecoveredKeys.NewAesKey();
        using var aes = RecoveredKeys.OpenWith(transport, aesKey);
        var wrongKey = mallory.WrappedUnder(aesKey, "Alice") with { CertificateDer = alice.CertificateDer };

        var error = Assert.Throws<CardException>(() => opened.Card.Write(aes, [wrongKey]));

        Assert.Equal(CardProblem.KeyMismatch, error.Problem);
        Assert.Empty(Pkcs11Tool.Objects(token));
    }

    [Theory]
    [MemberData(nameof(Modes))]
    public void Write_WrappedKeyAltered_PackageUnreadableAndNothingWritten(TransportKeyMode mode)
    {
        var token = tokens.NewToken();
        using var opened = OpenedCard.Login(token);
        using var transport = opened.Card.CreateTransportKey(mode);
        var aesKey = RecoveredKeys.NewAesKey();
        using var aes = RecoveredKeys.OpenWith(transport, aesKey);
        var key = RecoveredKeys.Rsa().WrappedUnder(aesKey, "Alice");
        key.WrappedPkcs8[20] ^= 0x01;

        var error = Assert.Throws<CardException>(() => opened.Card.Write(aes, [key]));

        Assert.Equal(CardProblem.PackageUnreadable, error.Problem);
        Assert.Empty(Pkcs11Tool.Objects(token));
    }

    [Fact]
    public void Write_ThreeKeys_ProgressToldOfEachInOrder()
    {
        using var opened = OpenedCard.Login(tokens.NewToken());
        var keys = new[] { RecoveredKeys.Rsa("CN=1"), RecoveredKeys.Rsa("CN=2"), RecoveredKeys.Ec("CN=3") };
        var told = new List<WrittenKey>();

        var written = Write(opened, TransportKeyMode.Token, new Progress(told), [.. keys.Select((k, i) => (k, $"key {i}"))]);

        Assert.Equal(written, told);
        Assert.Equal(["key 0", "key 1", "key 2"], told.Select(t => t.Label));
    }

    [Fact]
    public void Remove_OneOfTwo_ExactlyThatCertificateAndItsKeyGone()
    {
        var token = tokens.NewToken();
        using var opened = OpenedCard.Login(token);
        var alice = RecoveredKeys.Rsa("CN=Alice");
        var bob = RecoveredKeys.Rsa("CN=Bob");
        var written = Write(opened, TransportKeyMode.Token, (alice, "Alice"), (bob, "Bob"));

        var removed = opened.Card.Remove(alice.CertificateDer);

        Assert.True(removed);
        Assert.Equal(
            [("Certificate Object", written[1].Id), ("Private Key Object", written[1].Id)],
            Pkcs11Tool.Objects(token).Order().ToList());
        Assert.False(opened.Card.Remove(alice.CertificateDer));
    }

    [Fact]
    public void Remove_CertificateWhoseKeyHasAPublicKeyObject_AllThreeGone()
    {
        var token = tokens.NewToken();
        using var opened = OpenedCard.Login(token);
        var alice = RecoveredKeys.Rsa();
        var written = Write(opened, TransportKeyMode.Token, (alice, "Alice"))[0];
        using (var certificate = alice.Certificate())
        {
            // Another tool's habit: a public key object beside the private key, under the same id.
            var spki = Path.Combine(tokens.WorkFolder, Guid.NewGuid().ToString("N") + ".der");
            File.WriteAllBytes(spki, certificate.PublicKey.ExportSubjectPublicKeyInfo());
            Pkcs11Tool.Run(token, "--write-object", spki, "--type", "pubkey", "--id", written.Id, "--label", "Alice");
        }

        Assert.Equal(3, Pkcs11Tool.Objects(token).Count);

        opened.Card.Remove(alice.CertificateDer);

        Assert.Empty(Pkcs11Tool.Objects(token));
    }

    private static List<WrittenKey> Write(OpenedCard opened, TransportKeyMode mode, params (RecoveredKey Key, string Label)[] keys) =>
        Write(opened, mode, null, keys);

    private static List<WrittenKey> Write(OpenedCard opened, TransportKeyMode mode, IProgress<WrittenKey>? progress, params (RecoveredKey Key, string Label)[] keys)
    {
        using var transport = opened.Card.CreateTransportKey(mode);
        Assert.Equal(mode != TransportKeyMode.Software, transport.OnToken);
        var aesKey = RecoveredKeys.NewAesKey();
        using var aes = RecoveredKeys.OpenWith(transport, aesKey);
        return [.. opened.Card.Write(aes, [.. keys.Select(k => k.Key.WrappedUnder(aesKey, k.Label))], progress)];
    }

    private static byte[] Modulus(RSA publicKey)
    {
        var spki = new System.Formats.Asn1.AsnReader(publicKey.ExportRSAPublicKey(), System.Formats.Asn1.AsnEncodingRules.DER).ReadSequence();
        var modulus = spki.ReadIntegerBytes().Span;
        return (modulus[0] == 0 ? modulus[1..] : modulus).ToArray();
    }

    /// <summary>Records progress synchronously (System.Progress posts to the thread pool, which would make the order a race).</summary>
    private sealed class Progress(List<WrittenKey> told) : IProgress<WrittenKey>
    {
        public void Report(WrittenKey value) => told.Add(value);
    }
}
