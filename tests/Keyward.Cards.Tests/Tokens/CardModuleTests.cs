using Keyward.Cards.Tests.Support;

namespace Keyward.Cards.Tests.Tokens;

/// <summary>Loading a module and choosing a token, against real SoftHSM2 tokens.</summary>
public sealed class CardModuleTests(SoftHsmTokens tokens) : IClassFixture<SoftHsmTokens>
{
    [Fact]
    public void Load_MissingFile_NoModule()
    {
        var error = Assert.Throws<CardException>(() => CardModule.Load(Path.Combine(tokens.WorkFolder, "absent.so")));

        Assert.Equal(CardProblem.NoModule, error.Problem);
        Assert.Contains("absent.so", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_FileThatIsNotALibrary_NoModule()
    {
        var path = Path.Combine(tokens.WorkFolder, "not-a-module.so");
        File.WriteAllText(path, "this is text, not a shared library");

        var error = Assert.Throws<CardException>(() => CardModule.Load(path));

        Assert.Equal(CardProblem.NoModule, error.Problem);
    }

    [Fact]
    public void Open_ByLabel_ThatToken()
    {
        var token = tokens.NewToken();
        using var module = CardModule.Load(token.ModulePath);

        using var card = SharedFolder.Open(module, token.Label);

        Assert.Equal(token.Label, card.Description.Label);
        Assert.True(card.Description.Initialized);
        Assert.True(card.Description.UserPinInitialized);
        Assert.Equal("SoftHSM project", card.Description.Manufacturer);
        Assert.False(card.Description.IsPiv);
    }

    [Fact]
    public void Open_BySerial_ThatToken()
    {
        var token = tokens.NewToken();
        using var module = CardModule.Load(token.ModulePath);
        var serial = SharedFolder.Tokens(module).Single(t => t.Label == token.Label).Serial;

        using var card = SharedFolder.Open(module, serial);

        Assert.Equal(token.Label, card.Description.Label);
        Assert.Equal(serial, card.Description.Serial);
    }

    [Fact]
    public void Open_UnknownName_NoTokenListingThosePresent()
    {
        var token = tokens.NewToken();
        using var module = CardModule.Load(token.ModulePath);

        var error = Assert.Throws<CardException>(() => SharedFolder.Open(module, "no-such-token"));

        Assert.Equal(CardProblem.NoToken, error.Problem);
        Assert.Contains($"'{token.Label}'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Open_LabelOfTwoTokens_AmbiguousNamingBothSerials()
    {
        var label = SoftHsmTokens.NewLabel();
        tokens.NewToken(label);
        var second = tokens.NewToken(label);
        using var module = CardModule.Load(second.ModulePath);
        var serials = SharedFolder.Tokens(module).Where(t => t.Label == label).Select(t => t.Serial).ToList();

        var error = Assert.Throws<CardException>(() => SharedFolder.Open(module, label));

        Assert.Equal(CardProblem.AmbiguousToken, error.Problem);
        Assert.Equal(2, serials.Count);
        Assert.All(serials, s => Assert.Contains(s, error.Message, StringComparison.Ordinal));
    }

    [Fact]
    public void Open_NoNameWithSeveralPresent_Ambiguous()
    {
        // SoftHSM always shows a blank token beside the initialised ones, so there are at least two here.
        var token = tokens.NewToken();
        using var module = CardModule.Load(token.ModulePath);

        var error = Assert.Throws<CardException>(() => SharedFolder.Open(module, null));

        Assert.Equal(CardProblem.AmbiguousToken, error.Problem);
        Assert.Contains("a blank token", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Tokens_SoftHsm_ListsTheNewTokenAndABlankOne()
    {
        var token = tokens.NewToken();
        using var module = CardModule.Load(token.ModulePath);

        var present = SharedFolder.Tokens(module);

        Assert.Contains(present, t => t.Label == token.Label && t.Initialized && t.UserPin == UserPinState.Ok);
        Assert.Contains(present, t => !t.Initialized && t.Label.Length == 0);
    }
}
