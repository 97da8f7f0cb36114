using Keyward.Cards.Tests.Support;

namespace Keyward.Cards.Tests.Tokens;

/// <summary>Logging in, changing the PIN and refusing to re-initialise, against real SoftHSM2 tokens.</summary>
public sealed class LoginTests(SoftHsmTokens tokens) : IClassFixture<SoftHsmTokens>
{
    [Fact]
    public void Login_WrongPin_WrongPinWithTheTokensWarningAndNothingWritten()
    {
        var token = tokens.NewToken();
        using (var module = CardModule.Load(token.ModulePath))
        using (var card = SharedFolder.Open(module, token.Label))
        {
            var error = Assert.Throws<CardException>(() => card.Login("not-the-pin"));

            Assert.Equal(CardProblem.WrongPin, error.Problem);
            Assert.Equal("CKR_PIN_INCORRECT", error.ReturnCode);
            // SoftHSM flags "count low" after a wrong PIN (it never locks); the message passes that on.
            Assert.Equal(UserPinState.CountLow, card.Description.UserPin);
            Assert.Contains("few tries are left", error.Message, StringComparison.Ordinal);
            Assert.DoesNotContain("not-the-pin", error.Message, StringComparison.Ordinal);
            Assert.Throws<InvalidOperationException>(() => card.CreateTransportKey(TransportKeyMode.Software));
        }

        Assert.Empty(Pkcs11Tool.Objects(token));
    }

    [Fact]
    public void Login_TwoCardsOfOneProcessOnOneToken_BothLoggedIn()
    {
        var token = tokens.NewToken();
        using var module = CardModule.Load(token.ModulePath);
        using var first = SharedFolder.Open(module, token.Label);
        using var second = SharedFolder.Open(module, token.Label);
        first.Login(SoftHsmTokens.UserPin);

        second.Login(SoftHsmTokens.UserPin);

        Assert.Empty(second.Contents().Certificates);
    }

    [Fact]
    public void ChangeUserPin_LoggedIn_NewPinLogsInAndOldOneIsWrong()
    {
        var token = tokens.NewToken();
        using (var module = CardModule.Load(token.ModulePath))
        using (var card = SharedFolder.Open(module, token.Label))
        {
            card.Login(SoftHsmTokens.UserPin);
            card.ChangeUserPin(SoftHsmTokens.UserPin, "a-new-pin-4321");
        }

        var later = tokens.NewModuleCopy();
        using var again = CardModule.Load(later);
        using var reopened = SharedFolder.Open(again, token.Label);
        Assert.Equal(CardProblem.WrongPin, Assert.Throws<CardException>(() => reopened.Login(SoftHsmTokens.UserPin)).Problem);
        reopened.Login("a-new-pin-4321");
    }

    [Fact]
    public void Initialize_TokenAlreadyInitialised_RefusedAndUntouched()
    {
        var token = tokens.NewToken();
        using var module = CardModule.Load(token.ModulePath);
        using var card = SharedFolder.Open(module, token.Label);

        var error = Assert.Throws<CardException>(() => card.Initialize("other", SoftHsmTokens.SoPin, "1234"));

        Assert.Equal(CardProblem.AlreadyInitialized, error.Problem);
        card.Login(SoftHsmTokens.UserPin);
        Assert.Equal(token.Label, card.Description.Label);
    }
}
