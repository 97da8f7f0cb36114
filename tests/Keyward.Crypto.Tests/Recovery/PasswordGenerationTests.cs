using System.Buffers;
using Keyward.Crypto.Recovery;

namespace Keyward.Crypto.Tests.Recovery;

/// <summary>
/// Generated recovery passwords and PINs: they satisfy the profile's policy, carry at least 128 bits of entropy
/// when the policy's length allows it, contain no look-alike characters, and never repeat.
/// </summary>
public sealed class PasswordGenerationTests
{
    // Letters and digits without the look-alikes 0 O o 1 l I (24 + 24 + 8 = 56), and the documented symbols (14).
    private const string Upper = "ABCDEFGHJKLMNPQRSTUVWXYZ";
    private const string Lower = "abcdefghijkmnpqrstuvwxyz";
    private const string Digits = "23456789";
    private const string Symbols = "!#$%&*+-=?@^_~";
    private static readonly SearchValues<char> LookAlikes = SearchValues.Create("0Oo1lI");

    [Fact]
    public void GeneratePassword_DefaultPasswordPolicy_HasEveryRequiredClassAnd128Bits()
    {
        var passwords = Generate(1_000, () => PfxPackager.GeneratePassword(12, 128, true, true, true, false, false));

        foreach (var password in passwords)
        {
            Assert.InRange(password.Length, 12, 128);
            Assert.Contains(password, char.IsAsciiLetterUpper);
            Assert.Contains(password, char.IsAsciiLetterLower);
            Assert.Contains(password, char.IsAsciiDigit);
            Assert.All(password, c => Assert.Contains(c, Upper + Lower + Digits));
            Assert.True(EntropyAtLeast(password.Length, Upper + Lower + Digits, [Upper, Lower, Digits]) >= 128, $"{password.Length} characters carry less than 128 bits.");
        }

        Assert.Equal(passwords.Count, passwords.Distinct(StringComparer.Ordinal).Count());
    }

    [Fact]
    public void GeneratePassword_SymbolRequired_HasASymbolAnd128Bits()
    {
        var passwords = Generate(1_000, () => PfxPackager.GeneratePassword(12, 128, true, true, true, true, false));

        foreach (var password in passwords)
        {
            Assert.Contains(password, c => !char.IsLetterOrDigit(c));
            Assert.Contains(password, char.IsAsciiLetterUpper);
            Assert.Contains(password, char.IsAsciiLetterLower);
            Assert.Contains(password, char.IsAsciiDigit);
            Assert.All(password, c => Assert.Contains(c, Upper + Lower + Digits + Symbols));
            Assert.True(EntropyAtLeast(password.Length, Upper + Lower + Digits + Symbols, [Upper, Lower, Digits, Symbols]) >= 128, $"{password.Length} characters carry less than 128 bits.");
        }

        Assert.Equal(passwords.Count, passwords.Distinct(StringComparer.Ordinal).Count());
    }

    [Fact]
    public void GeneratePassword_DigitsOnlyPin_IsDigitsAsLongAsAllowed()
    {
        var pins = Generate(1_000, () => PfxPackager.GeneratePassword(6, 8, false, false, false, false, true));

        // 128 bits are out of reach in 8 digits: the longest PIN the policy allows, from all ten digits.
        Assert.All(pins, pin => Assert.Equal(8, pin.Length));
        Assert.All(pins, pin => Assert.All(pin, c => Assert.True(char.IsAsciiDigit(c))));
        Assert.Equal(10, pins.SelectMany(p => p).Distinct().Count());
        Assert.True(pins.Distinct(StringComparer.Ordinal).Count() > 990, "8-digit PINs repeat far more often than chance.");
    }

    [Fact]
    public void GeneratePassword_ShortMaximum_UsesTheMaximum()
    {
        var password = PfxPackager.GeneratePassword(8, 16, true, true, true, false, false).Value;

        Assert.Equal(16, password.Length);
    }

    [Theory]
    [InlineData(12, 128, true, true, true, false, false, 23)]
    [InlineData(12, 128, true, true, true, true, false, 21)]
    [InlineData(12, 23, true, true, true, false, false, 23)]
    [InlineData(40, 64, true, true, true, false, false, 40)]
    public void GeneratePassword_PolicyThatAllows128Bits_HasFullEntropy(int minLength, int maxLength, bool upper, bool lower, bool digit, bool symbol, bool digitsOnly, int length)
    {
        var drawn = PfxPackager.GeneratePassword(minLength, maxLength, upper, lower, digit, symbol, digitsOnly);

        Assert.Equal(length, drawn.Value.Length);
        Assert.True(drawn.HasFullEntropy, $"{drawn.EntropyBits:F1} bits.");
        Assert.True(drawn.EntropyBits >= GeneratedPassword.FullEntropyBits);
    }

    [Theory]
    [InlineData(8, 16, true, true, true, false, false, 16)]
    [InlineData(12, 22, true, true, true, false, false, 22)]
    [InlineData(12, 20, true, true, true, true, false, 20)]
    [InlineData(6, 8, false, false, false, false, true, 8)]
    public void GeneratePassword_MaximumTooShortFor128Bits_ReportsTheLowerEntropy(int minLength, int maxLength, bool upper, bool lower, bool digit, bool symbol, bool digitsOnly, int length)
    {
        var drawn = PfxPackager.GeneratePassword(minLength, maxLength, upper, lower, digit, symbol, digitsOnly);

        // A PFX under this password must not get the 2,048 iterations that only 128 bits justify (finding 9).
        Assert.Equal(length, drawn.Value.Length);
        Assert.False(drawn.HasFullEntropy, $"{drawn.EntropyBits:F1} bits counted as full entropy.");
        var alphabet = digitsOnly ? "0123456789" : Upper + Lower + Digits + (symbol ? Symbols : string.Empty);
        string[] required = digitsOnly ? [] : [.. new[] { (upper, Upper), (lower, Lower), (digit, Digits), (symbol, Symbols) }.Where(c => c.Item1).Select(c => c.Item2)];
        Assert.InRange(drawn.EntropyBits, EntropyAtLeast(length, alphabet, required), length * Math.Log2(alphabet.Length));
        Assert.DoesNotContain(drawn.Value, drawn.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void GeneratePassword_LongMinimum_NeverShorterThanIt()
    {
        var password = PfxPackager.GeneratePassword(40, 64, true, true, true, false, false).Value;

        Assert.Equal(40, password.Length);
    }

    [Fact]
    public void GeneratePassword_NoRequiredClass_StillLettersAndDigitsOf128Bits()
    {
        var password = PfxPackager.GeneratePassword(1, 128, false, false, false, false, false).Value;

        Assert.All(password, c => Assert.Contains(c, Upper + Lower + Digits));
        Assert.True(password.Length * Math.Log2(56) >= 128);
    }

    [Fact]
    public void GeneratePassword_ManyPasswords_NoLookAlikeCharacters()
    {
        var passwords = Generate(1_000, () => PfxPackager.GeneratePassword(12, 128, true, true, true, true, false));

        Assert.All(passwords, p => Assert.True(p.AsSpan().IndexOfAny(LookAlikes) < 0, $"'{p}' holds a look-alike character."));
    }

    [Fact]
    public void GeneratePassword_AsManyRequiredClassesAsCharacters_SatisfiesThemAll()
    {
        var passwords = Generate(200, () => PfxPackager.GeneratePassword(4, 4, true, true, true, true, false));

        Assert.All(passwords, p =>
        {
            Assert.Equal(4, p.Length);
            Assert.Contains(p, char.IsAsciiLetterUpper);
            Assert.Contains(p, char.IsAsciiLetterLower);
            Assert.Contains(p, char.IsAsciiDigit);
            Assert.Contains(p, c => !char.IsLetterOrDigit(c));
        });
    }

    [Theory]
    [InlineData(6, 8, true, false, false, false, true)]
    [InlineData(6, 8, false, false, false, true, true)]
    [InlineData(3, 3, true, true, true, true, false)]
    [InlineData(12, 8, true, true, true, false, false)]
    [InlineData(0, 8, false, false, false, false, false)]
    public void GeneratePassword_PolicyThatCannotBeMet_Refused(int minLength, int maxLength, bool upper, bool lower, bool digit, bool symbol, bool digitsOnly)
    {
        Assert.ThrowsAny<ArgumentException>(() => PfxPackager.GeneratePassword(minLength, maxLength, upper, lower, digit, symbol, digitsOnly));
    }

    private static List<string> Generate(int count, Func<GeneratedPassword> next) => Enumerable.Range(0, count).Select(_ => next().Value).ToList();

    /// <summary>
    /// A lower bound on the entropy of a uniform draw among the strings of <paramref name="length"/> characters of
    /// <paramref name="alphabet"/> holding each required class: the union bound on the strings that miss one.
    /// </summary>
    private static double EntropyAtLeast(int length, string alphabet, string[] required)
    {
        var missingFraction = required.Sum(c => Math.Pow((alphabet.Length - c.Length) / (double)alphabet.Length, length));
        return (length * Math.Log2(alphabet.Length)) + Math.Log2(1 - missingFraction);
    }
}
