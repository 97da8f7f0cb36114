using Net.Pkcs11Interop.Common;

namespace Keyward.Cards.Tests.Rules;

/// <summary>
/// The return codes SoftHSM cannot be made to give honestly (it has no memory limit, no write protection and never
/// locks a PIN), mapped as a card would give them.
/// </summary>
public sealed class Pkcs11ErrorsTests
{
    [Theory]
    [InlineData(CKR.CKR_DEVICE_MEMORY, CardProblem.TokenFull)]
    [InlineData(CKR.CKR_TOKEN_WRITE_PROTECTED, CardProblem.ReadOnly)]
    [InlineData(CKR.CKR_PIN_LOCKED, CardProblem.PinLocked)]
    [InlineData(CKR.CKR_MECHANISM_INVALID, CardProblem.UnsupportedMechanism)]
    [InlineData(CKR.CKR_USER_PIN_NOT_INITIALIZED, CardProblem.NotInitialized)]
    [InlineData(CKR.CKR_DEVICE_REMOVED, CardProblem.NoToken)]
    [InlineData(CKR.CKR_PIN_LEN_RANGE, CardProblem.PinRefused)]
    [InlineData(CKR.CKR_WRAPPED_KEY_INVALID, CardProblem.PackageUnreadable)]
    [InlineData(CKR.CKR_DEVICE_ERROR, CardProblem.Failed)]
    public void Map_ReturnCode_ProblemAndTheCodesNameInTheMessage(CKR code, CardProblem problem)
    {
        var error = Pkcs11Errors.Map(new Pkcs11Exception("C_Something", code), "writing the key of 'Alice'");

        Assert.Equal(problem, error.Problem);
        Assert.StartsWith("Writing the key of 'Alice': ", error.Message, StringComparison.Ordinal);
        Assert.EndsWith($"({code}).", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', error.Message);
    }

    [Theory]
    [InlineData(UserPinState.FinalTry, "one try is left")]
    [InlineData(UserPinState.CountLow, "few tries are left")]
    public void Map_WrongPinWithTheTokensWarning_WarningInTheMessage(UserPinState state, string warning)
    {
        var token = new TokenDescription("1", "card", "Maker", "Model", true, true, false, state, null, null);

        var error = Pkcs11Errors.Map(new Pkcs11Exception("C_Login", CKR.CKR_PIN_INCORRECT), "logging in", token);

        Assert.Equal(CardProblem.WrongPin, error.Problem);
        Assert.Contains(warning, error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Yubico (www.yubico.com)", true)]
    [InlineData("piv_II", true)]
    [InlineData("SoftHSM project", false)]
    public void IsPiv_Manufacturer_PivModulesRecognised(string manufacturer, bool piv)
    {
        Assert.Equal(piv, new TokenDescription("1", "card", manufacturer, "Model", true, true, false, UserPinState.Ok, null, null).IsPiv);
    }
}
