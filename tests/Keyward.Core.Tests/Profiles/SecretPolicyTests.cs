using Keyward.Profiles;

namespace Keyward.Tests.Profiles;

public class SecretPolicyTests
{
    [Theory]
    [InlineData("Correct-Horse1", null)]
    [InlineData("Correcthorse1", null)]
    [InlineData("Short1a", "must be 12 to 128 characters long")]
    [InlineData("correcthorse1", "must contain an upper-case letter")]
    [InlineData("CORRECTHORSE1", "must contain a lower-case letter")]
    [InlineData("CorrectHorseBattery", "must contain a digit")]
    public void Check_DefaultPassword_NamesFirstBrokenRule(string candidate, string? expected)
    {
        Assert.Equal(expected, SecretPolicy.DefaultPassword.Check(candidate));
    }

    [Fact]
    public void Check_DefaultPasswordTooLong_Refused()
    {
        Assert.Equal("must be 12 to 128 characters long", SecretPolicy.DefaultPassword.Check("Aa1" + new string('x', 126)));
        Assert.Null(SecretPolicy.DefaultPassword.Check("Aa1" + new string('x', 125)));
    }

    [Theory]
    [InlineData("123456", null)]
    [InlineData("12345678", null)]
    [InlineData("12345", "must be 6 to 8 characters long")]
    [InlineData("123456789", "must be 6 to 8 characters long")]
    [InlineData("12a456", "must contain digits only")]
    [InlineData("12 456", "must contain digits only")]
    [InlineData("١٢٣٤٥٦", "must contain digits only")]
    public void Check_DefaultPin_DigitsOnlySixToEight(string candidate, string? expected)
    {
        Assert.Equal(expected, SecretPolicy.DefaultPin.Check(candidate));
    }

    [Theory]
    [InlineData("Correcthorse1", "must contain a symbol")]
    [InlineData("Correct horse1", null)]
    [InlineData("Correct-horse1", null)]
    public void Check_SymbolRequired_LettersAndDigitsAloneRefused(string candidate, string? expected)
    {
        var policy = SecretPolicy.DefaultPassword with { RequireSymbol = true };

        Assert.Equal(expected, policy.Check(candidate));
    }

    [Fact]
    public void Check_EmptyCandidate_RefusedForLength()
    {
        Assert.Equal("must be 12 to 128 characters long", SecretPolicy.DefaultPassword.Check(string.Empty));
    }
}
