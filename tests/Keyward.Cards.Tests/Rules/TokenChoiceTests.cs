namespace Keyward.Cards.Tests.Rules;

/// <summary>The rule by which <see cref="CardModule.Open"/> picks a token: serial first, then label, both exact.</summary>
public sealed class TokenChoiceTests
{
    private static TokenDescription Token(string serial, string label) =>
        new(serial, label, "Maker", "Model", Initialized: true, UserPinInitialized: true, WriteProtected: false, UserPinState.Ok, null, null);

    [Fact]
    public void Choose_NameIsOneTokensSerialAndAnothersLabel_TheSerialWins()
    {
        var bySerial = Token("1234", "alice");
        var byLabel = Token("9999", "1234");

        Assert.Same(bySerial, CardModule.Choose([byLabel, bySerial], "1234"));
    }

    [Fact]
    public void Choose_OnlyOneTokenAndNoName_ThatToken()
    {
        var only = Token("1", "a");

        Assert.Same(only, CardModule.Choose([only], null));
    }

    [Fact]
    public void Choose_NoTokens_NoToken()
    {
        Assert.Equal(CardProblem.NoToken, Assert.Throws<CardException>(() => CardModule.Choose([], null)).Problem);
    }

    [Fact]
    public void Choose_LabelDiffersInCase_NoToken()
    {
        var error = Assert.Throws<CardException>(() => CardModule.Choose([Token("1", "Alice")], "alice"));

        Assert.Equal(CardProblem.NoToken, error.Problem);
    }

    [Fact]
    public void Choose_BlankName_ArgumentException()
    {
        Assert.Throws<ArgumentException>(() => CardModule.Choose([Token("1", "a")], "  "));
    }
}
