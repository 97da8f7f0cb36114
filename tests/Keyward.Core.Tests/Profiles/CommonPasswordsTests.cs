using Keyward.Profiles;

namespace Keyward.Tests.Profiles;

/// <summary>
/// Chosen passwords that are common, or trivial variations of common ones, are refused (finding 9 of the hardening
/// review); what docs/pfx.md promises the check catches, it catches, and strong passwords pass.
/// </summary>
public class CommonPasswordsTests
{
    private const string Listed = "is too common: it is a well-known password or a simple variation of one";
    private const string Pattern = "is too common: it is a keyboard pattern, a sequence or a repetition";

    [Theory]
    [InlineData("password")]
    [InlineData("PASSWORD")]
    [InlineData("PassWord")]
    [InlineData("iloveyou")]
    [InlineData("trustno1")]
    [InlineData("letmein")]
    [InlineData("keyward")]
    public void Check_ListedPasswordInAnyCase_Refused(string candidate)
    {
        Assert.Equal(Listed, CommonPasswords.BuiltIn.Check(candidate));
    }

    [Theory]
    [InlineData("Password1234")]
    [InlineData("Password2024!")]
    [InlineData("password!!!!")]
    [InlineData("123Password!")]
    [InlineData("!!Sunshine99")]
    [InlineData("Football2023")]
    [InlineData("Monkey123456")]
    [InlineData("Dragon!!!!12")]
    [InlineData("Welcome12345")]
    [InlineData("Admin1234567")]
    [InlineData("Keyward2026!")]
    public void Check_ListedPasswordWithDigitsAndSymbolsAtItsEnds_Refused(string candidate)
    {
        Assert.Equal(Listed, CommonPasswords.BuiltIn.Check(candidate));
    }

    [Theory]
    [InlineData("P@ssw0rd")]
    [InlineData("P@$$w0rd2024!")]
    [InlineData("Pa55word1234")]
    [InlineData("L3tm31n!2024")]
    [InlineData("1L0v3Y0u2024")]
    [InlineData("$unshine1234")]
    [InlineData("Hell0W0rld!!")]
    [InlineData("Tr0ub4dor&33")]
    [InlineData("Tru57n01!!!!")]
    [InlineData("Adm1n1strat0r")]
    public void Check_ListedPasswordInLeetspeak_Refused(string candidate)
    {
        Assert.Equal(Listed, CommonPasswords.BuiltIn.Check(candidate));
    }

    [Theory]
    [InlineData("qwertyuiop")]
    [InlineData("Qwerty123456")]
    [InlineData("Qwertyuiop1!")]
    [InlineData("1qaz2wsx3edC")]
    [InlineData("Zaq12wsxZaq1")]
    [InlineData("Asdfghjkl123")]
    [InlineData("Poiuytrewq12")]
    [InlineData("!@#$%^&*()_+")]
    [InlineData("Abcdefgh1234")]
    [InlineData("Zyxwvuts9876")]
    [InlineData("123456789012")]
    [InlineData("0987654321")]
    [InlineData("Abc123Abc123")]
    public void Check_KeyboardWalkOrSequence_Refused(string candidate)
    {
        Assert.Equal(Pattern, CommonPasswords.BuiltIn.Check(candidate));
    }

    [Theory]
    [InlineData("aaaaaaaaaaaa")]
    [InlineData("Aaaaaaaaaaa1")]
    [InlineData("Mmmmmmmmmmm1!")]
    [InlineData("111111111111")]
    [InlineData("abababababab")]
    [InlineData("Xyxyxyxyxy12")]
    [InlineData("Ab1!Ab1!Ab1!")]
    [InlineData("Passw0rdPassw0rd")]
    public void Check_RepeatedCharacterOrGroup_Refused(string candidate)
    {
        Assert.Equal(Pattern, CommonPasswords.BuiltIn.Check(candidate));
    }

    [Theory]
    [InlineData("Correct-Horse-Battery-42")]
    [InlineData("vT7#qLp2!xR9wZ")]
    [InlineData("k3Wm9-Rf2x-PzQ7")]
    [InlineData("Ginger-Staple-Orbit-81")]
    [InlineData("mY7cAts&2dOgs")]
    [InlineData("Xj4nBq8RtLw2Ys6Vp3Kd9Hf")]
    [InlineData("480917")]
    [InlineData("aa-9#4!2@7%3")]
    public void Check_StrongPassword_Accepted(string candidate)
    {
        Assert.Null(CommonPasswords.BuiltIn.Check(candidate));
    }

    [Fact]
    public void BuiltIn_List_HoldsSeveralHundredPasswords()
    {
        Assert.InRange(CommonPasswords.BuiltIn.Count, 500, 10_000);
    }

    [Fact]
    public void With_OrganisationsLines_RefusesThemAndTheirVariations()
    {
        string[] lines = ["# Acme's own list", string.Empty, "Acme", "  Gizmotron  ", "Widgets-Inc"];

        var common = CommonPasswords.BuiltIn.With(lines);

        Assert.Equal(CommonPasswords.BuiltIn.Count + 3, common.Count);
        Assert.Equal(Listed, common.Check("ACME20242024"));
        Assert.Equal(Listed, common.Check("G1zm0tr0n-2025"));
        Assert.Equal(Listed, common.Check("widgets-inc"));
        Assert.Equal(Listed, common.Check("Password1234"));
        Assert.Null(common.Check("# Acme's own list"));
        Assert.Null(CommonPasswords.BuiltIn.Check("G1zm0tr0n-2025"));
    }

    [Fact]
    public void Check_LongestPasswordAPolicyAllows_AnswersQuickly()
    {
        // 1,024 characters, the longest any policy allows, of the worst shape for the end-stripping search.
        var candidate = new string('1', 511) + "x" + new string('2', 512);
        var watch = System.Diagnostics.Stopwatch.StartNew();

        Assert.Null(CommonPasswords.BuiltIn.Check(candidate));

        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(1), $"{watch.Elapsed.TotalMilliseconds} ms.");
    }
}
