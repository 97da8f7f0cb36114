using Keyward.Profiles;

namespace Keyward.Tests.Profiles;

public class SecretPolicyTests
{
    private static readonly CommonPasswords Common = CommonPasswords.BuiltIn;

    [Theory]
    [InlineData("Correct-Horse1", null)]
    [InlineData("Correcthorse1", null)]
    [InlineData("Short1a", "must be 12 to 128 characters long")]
    [InlineData("correcthorse1", "must contain an upper-case letter (A-Z)")]
    [InlineData("CORRECTHORSE1", "must contain a lower-case letter (a-z)")]
    [InlineData("CorrectHorseBattery", "must contain a digit (0-9)")]
    public void Check_DefaultPassword_NamesFirstBrokenRule(string candidate, string? expected)
    {
        Assert.Equal(expected, SecretPolicy.DefaultPassword.Check(candidate, Common));
    }

    [Fact]
    public void Check_DefaultPasswordTooLong_Refused()
    {
        Assert.Equal("must be 12 to 128 characters long", SecretPolicy.DefaultPassword.Check("Aa1" + new string('x', 126), Common));
        Assert.Null(SecretPolicy.DefaultPassword.Check("Aa1" + new string('x', 125), Common));
    }

    [Theory]
    [InlineData("480917", null)]
    [InlineData("48091735", null)]
    [InlineData("12345", "must be 6 to 8 characters long")]
    [InlineData("123456789", "must be 6 to 8 characters long")]
    [InlineData("12a456", "must contain digits (0-9) only")]
    [InlineData("12 456", "must contain digits (0-9) only")]
    [InlineData("١٢٣٤٥٦", "must contain digits (0-9) only")]
    public void Check_DefaultPin_DigitsOnlySixToEight(string candidate, string? expected)
    {
        Assert.Equal(expected, SecretPolicy.DefaultPin.Check(candidate, Common));
    }

    [Theory]
    [InlineData("Correcthorse1", "must contain a symbol (ASCII punctuation such as ! # - _ or a space)")]
    [InlineData("Correct horse1", null)]
    [InlineData("Correct-horse1", null)]
    public void Check_SymbolRequired_LettersAndDigitsAloneRefused(string candidate, string? expected)
    {
        var policy = SecretPolicy.DefaultPassword with { RequireSymbol = true };

        Assert.Equal(expected, policy.Check(candidate, Common));
    }

    [Fact]
    public void Check_EmptyCandidate_RefusedForLength()
    {
        Assert.Equal("must be 12 to 128 characters long", SecretPolicy.DefaultPassword.Check(string.Empty, Common));
    }

    // Finding 9: a character that looks like a digit, a capital or a symbol, but that a person cannot reliably type
    // again on another keyboard, does not count for the class.
    [Theory]
    [InlineData("Correcthorse٣")]
    [InlineData("Correcthorse۳")]
    [InlineData("Correcthorse３")]
    public void Check_RequireDigitWithOnlyANonAsciiDigit_Refused(string candidate)
    {
        Assert.Equal("must contain a digit (0-9)", SecretPolicy.DefaultPassword.Check(candidate, Common));
    }

    [Theory]
    [InlineData("Ärgerlich-warten-7")]
    [InlineData("Ωmega-horse-staple-7")]
    public void Check_RequireUpperWithOnlyANonAsciiCapital_Refused(string candidate)
    {
        Assert.Equal("must contain an upper-case letter (A-Z)", SecretPolicy.DefaultPassword.Check(candidate, Common));
    }

    [Theory]
    [InlineData("ÄRGERLICH-WARTEN-7ß")]
    [InlineData("STRASSE-ÉTÉ-HORSE-7é")]
    public void Check_RequireLowerWithOnlyANonAsciiSmallLetter_Refused(string candidate)
    {
        Assert.Equal("must contain a lower-case letter (a-z)", SecretPolicy.DefaultPassword.Check(candidate, Common));
    }

    [Theory]
    [InlineData("Correcthorse1\u00A0")]
    [InlineData("Correcthorse1\u0301")]
    [InlineData("Correcthorse1€")]
    [InlineData("Correcthorse1\t")]
    public void Check_RequireSymbolWithOnlyANonAsciiOrControlCharacter_Refused(string candidate)
    {
        var policy = SecretPolicy.DefaultPassword with { RequireSymbol = true };

        Assert.Equal("must contain a symbol (ASCII punctuation such as ! # - _ or a space)", policy.Check(candidate, Common));
    }

    [Fact]
    public void Check_NonAsciiCharactersBesideEveryClass_Accepted()
    {
        // Other characters are allowed; they just do not count for a class.
        var policy = SecretPolicy.DefaultPassword with { RequireSymbol = true };

        Assert.Null(policy.Check("Grüße-aus-Köln-7", Common));
    }

    [Theory]
    [InlineData("Password1234")]
    [InlineData("Welcome2024!")]
    [InlineData("Qwerty123456")]
    public void Check_CommonPassword_RefusedAsTooCommon(string candidate)
    {
        Assert.StartsWith("is too common", SecretPolicy.DefaultPassword.Check(candidate, Common), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("123456")]
    [InlineData("111111")]
    [InlineData("121212")]
    [InlineData("654321")]
    [InlineData("147258")]
    public void Check_PinThatIsASequenceARepetitionOrListed_RefusedAsTooCommon(string candidate)
    {
        Assert.StartsWith("is too common", SecretPolicy.DefaultPin.Check(candidate, Common), StringComparison.Ordinal);
    }
}
