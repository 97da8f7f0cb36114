using System.Security.Cryptography;
using Keyward.Cards.Tests.Support;

namespace Keyward.Cards.Tests.Rules;

/// <summary>Where each key goes: the conventional id on generic tokens, the PIV key history in retired slots, and rewrites finding what is there.</summary>
public sealed class KeySlotsTests
{
    // Key generation is the slow part; these are shared, read-only.
    private static readonly RecoveredKey Alice = RecoveredKeys.Rsa("CN=Alice");
    private static readonly RecoveredKey Bob = RecoveredKeys.Ec("CN=Bob");
    private static readonly RecoveredKey Carol = RecoveredKeys.Ec("CN=Carol");
    private static readonly RecoveredKey Other = RecoveredKeys.Ec("CN=Someone else");

    private static readonly CardContents Empty = new([], []);

    [Theory]
    [InlineData(0x9A, "01")]
    [InlineData(0x9C, "02")]
    [InlineData(0x9D, "03")]
    [InlineData(0x9E, "04")]
    [InlineData(0x82, "05")]
    [InlineData(0x83, "06")]
    [InlineData(0x95, "18")]
    public void IdOfPivSlot_KnownSlot_TheIdPivModulesShow(byte slot, string id)
    {
        Assert.Equal(id, KeySlots.IdOfPivSlot(slot));
    }

    [Theory]
    [InlineData(0x81)]
    [InlineData(0x96)]
    [InlineData(0x9B)]
    [InlineData(0xF9)]
    public void IdOfPivSlot_NotAKeySlot_Refused(byte slot)
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => KeySlots.IdOfPivSlot(slot));
    }

    [Fact]
    public void Assign_GenericTokenEmpty_Sha1OfModulusAndOfPoint()
    {
        var placements = KeySlots.Assign(Empty, [Alice.CertificateDer, Bob.CertificateDer], piv: false);

        using var alice = Alice.Certificate();
        using var bob = Bob.Certificate();
        var modulus = Modulus(alice);
        Assert.Equal(new KeyPlacement(RecoveredKeys.Sha1Id(modulus), false, false), placements[0]);
        Assert.Equal(new KeyPlacement(RecoveredKeys.Sha1Id(bob.PublicKey.EncodedKeyValue.RawData), false, false), placements[1]);
    }

    [Fact]
    public void Assign_PivEmpty_RetiredSlotsInOrder()
    {
        var placements = KeySlots.Assign(Empty, [Alice.CertificateDer, Bob.CertificateDer, Carol.CertificateDer], piv: true);

        Assert.Equal(["05", "06", "07"], placements.Select(p => p.Id));
        Assert.All(placements, p => Assert.False(p.CertificatePresent || p.KeyPresent));
    }

    [Fact]
    public void Assign_PivWithHistory_OccupiedSlotsKeptAndGapsFilledFirst()
    {
        // 05 and 07 hold certificates, 06 a key without certificate, 03 (9D, the current key) is not history.
        var onCard = new CardContents(
            [Certificate("05", Other), Certificate("07", RecoveredKeys.Ec("CN=Old")), Certificate("03", RecoveredKeys.Ec("CN=Current"))],
            [new CardKey("06", "orphan", CardKeyType.Rsa, [0x01, 0x02], null)]);

        var placements = KeySlots.Assign(onCard, [Alice.CertificateDer, Bob.CertificateDer], piv: true);

        Assert.Equal(["08", "09"], placements.Select(p => p.Id));
    }

    [Fact]
    public void Assign_PivWithOneFreeSlotForTwoKeys_NotEnoughSlotsBeforeAnything()
    {
        var onCard = new CardContents(
            [.. Enumerable.Range(0x82, 19).Select(s => Certificate(KeySlots.IdOfPivSlot((byte)s), Other))],
            []);

        var error = Assert.Throws<CardException>(() => KeySlots.Assign(onCard, [Alice.CertificateDer, Bob.CertificateDer], piv: true));

        Assert.Equal(CardProblem.NotEnoughSlots, error.Problem);
        Assert.Contains("1 free retired key-management slot (of 20) and 2 keys need one", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Assign_PivFullButTheCertificateIsThere_NoRefusal()
    {
        var onCard = new CardContents(
            [.. Enumerable.Range(0x82, 20).Select(s => Certificate(KeySlots.IdOfPivSlot((byte)s), s == 0x90 ? Alice : Other))],
            []);

        var placement = Assert.Single(KeySlots.Assign(onCard, [Alice.CertificateDer], piv: true));

        Assert.Equal(new KeyPlacement(KeySlots.IdOfPivSlot(0x90), true, true), placement);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Assign_CertificateOnCardUnderAnyId_ThatIdWithWhatIsPresent(bool hasKey)
    {
        var onCard = new CardContents([Certificate("abcd", Alice, hasKey)], []);

        var placement = Assert.Single(KeySlots.Assign(onCard, [Alice.CertificateDer], piv: false));

        Assert.Equal(new KeyPlacement("abcd", true, hasKey), placement);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Assign_RsaKeyWithoutCertificate_ThatKeysId(bool piv)
    {
        using var alice = Alice.Certificate();
        var onCard = new CardContents([], [new CardKey("0a", "left over", CardKeyType.Rsa, [0x00, .. Modulus(alice)], null)]);

        var placement = Assert.Single(KeySlots.Assign(onCard, [Alice.CertificateDer], piv));

        Assert.Equal(new KeyPlacement("0a", false, true), placement);
    }

    [Fact]
    public void Assign_EcKeyWithoutCertificateKnownByItsPublicObject_ThatKeysId()
    {
        using var bob = Bob.Certificate();
        var onCard = new CardContents([], [new CardKey("0b", "left over", CardKeyType.Ec, null, bob.PublicKey.EncodedKeyValue.RawData)]);

        var placement = Assert.Single(KeySlots.Assign(onCard, [Bob.CertificateDer], piv: true));

        Assert.Equal(new KeyPlacement("0b", false, true), placement);
    }

    [Fact]
    public void Assign_RenewedCertificateOfAKeyOnTheCard_TheKeysIdAndOnlyTheCertificateToWrite()
    {
        using var key = RSA.Create(2048);
        var old = Renewal(key, "CN=Dave", 1);
        var renewed = Renewal(key, "CN=Dave", 2);
        var onCard = new CardContents([new CardCertificate("0c", "Dave", old, HasPrivateKey: true)], []);

        var placement = Assert.Single(KeySlots.Assign(onCard, [renewed], piv: true));

        Assert.Equal(new KeyPlacement("0c", false, true), placement);
    }

    [Fact]
    public void Assign_SameCertificateTwice_ArgumentException()
    {
        Assert.Throws<ArgumentException>(() => KeySlots.Assign(Empty, [Alice.CertificateDer, (byte[])Alice.CertificateDer.Clone()], piv: false));
    }

    [Fact]
    public void Assign_NotACertificate_ArgumentException()
    {
        Assert.Throws<ArgumentException>(() => KeySlots.Assign(Empty, [[0x30, 0x03, 0x02, 0x01, 0x01]], piv: false));
    }

    private static CardCertificate Certificate(string id, RecoveredKey key, bool hasKey = true) => new(id, "label", key.CertificateDer, hasKey);

    private static byte[] Modulus(System.Security.Cryptography.X509Certificates.X509Certificate2 certificate)
    {
        var reader = new System.Formats.Asn1.AsnReader(certificate.PublicKey.EncodedKeyValue.RawData, System.Formats.Asn1.AsnEncodingRules.DER).ReadSequence();
        var modulus = reader.ReadIntegerBytes().Span;
        return (modulus[0] == 0 ? modulus[1..] : modulus).ToArray();
    }

    private static byte[] Renewal(RSA key, string subject, int serial)
    {
        var request = new System.Security.Cryptography.X509Certificates.CertificateRequest(subject, key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        using var certificate = request.Create(
            new System.Security.Cryptography.X509Certificates.X500DistinguishedName(subject),
            System.Security.Cryptography.X509Certificates.X509SignatureGenerator.CreateForRSA(key, RSASignaturePadding.Pkcs1),
            new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero),
            new DateTimeOffset(2030, 1, 1, 0, 0, 0, TimeSpan.Zero),
            [(byte)serial]);
        return certificate.RawData;
    }
}
