using Keyward.Cards.Tests.Support;

namespace Keyward.Cards.Tests.Rules;

/// <summary>What a collection will do to a card, certificate by certificate, by SHA-256 thumbprint as request answers name them.</summary>
public sealed class CardInventoryTests
{
    private static readonly byte[] OnCardWithKey = RecoveredKeys.Ec("CN=With key").CertificateDer;
    private static readonly byte[] OnCardWithoutKey = RecoveredKeys.Ec("CN=Without key").CertificateDer;
    private static readonly byte[] OnCardToRemove = RecoveredKeys.Ec("CN=To remove").CertificateDer;
    private static readonly byte[] OnCardUntouched = RecoveredKeys.Ec("CN=Untouched").CertificateDer;
    private static readonly byte[] NotOnCard = RecoveredKeys.Ec("CN=New").CertificateDer;
    private static readonly byte[] NotOnCardToRemove = RecoveredKeys.Ec("CN=Gone already").CertificateDer;

    private static readonly CardContents Card = new(
        [
            new CardCertificate("01", "a", OnCardWithKey, true),
            new CardCertificate("02", "b", OnCardWithoutKey, false),
            new CardCertificate("03", "c", OnCardToRemove, true),
            new CardCertificate("04", "d", OnCardUntouched, true),
        ],
        []);

    [Fact]
    public void Compare_EveryCase_EachCertificateInItsList()
    {
        var inventory = CardInventory.Compare(Card, [T(NotOnCard), T(OnCardWithKey), T(OnCardWithoutKey)], [T(OnCardToRemove), T(NotOnCardToRemove)]);

        Assert.Equal([T(NotOnCard), T(OnCardWithoutKey)], inventory.Added);
        Assert.Equal([T(OnCardWithKey)], inventory.AlreadyPresent);
        Assert.Equal([T(OnCardToRemove)], inventory.Removed);
        Assert.Equal([T(OnCardUntouched)], inventory.Kept);
    }

    [Fact]
    public void Compare_NothingRequested_EverythingKept()
    {
        var inventory = CardInventory.Compare(Card, Array.Empty<string>(), []);

        Assert.Empty(inventory.Added);
        Assert.Empty(inventory.AlreadyPresent);
        Assert.Empty(inventory.Removed);
        Assert.Equal(4, inventory.Kept.Count);
    }

    [Fact]
    public void Compare_SameCertificateTwiceInEitherCase_RecognisedOnce()
    {
        var inventory = CardInventory.Compare(Card, [T(OnCardWithKey), T(OnCardWithKey).ToUpperInvariant()], []);

        Assert.Single(inventory.AlreadyPresent);
        Assert.Empty(inventory.Added);
    }

    [Fact]
    public void Compare_RequestedAndToRemove_ArgumentException()
    {
        Assert.Throws<ArgumentException>(() => CardInventory.Compare(Card, [T(NotOnCard)], [T(NotOnCard).ToUpperInvariant()]));
    }

    private static string T(byte[] der) => CardCertificate.ThumbprintOf(der);
}
