using Keyward.Common;

namespace Keyward.Profiles;

/// <summary>
/// Length and character-class rules for a secret a person chooses (a PFX password or a card PIN), and the
/// refusal of common ones. Checking a candidate never records or logs it.
/// </summary>
public sealed record SecretPolicy(int MinLength, int MaxLength, bool RequireUpper, bool RequireLower, bool RequireDigit, bool RequireSymbol, bool DigitsOnly)
{
    public static SecretPolicy DefaultPassword { get; } = new(12, 128, true, true, true, false, false);

    /// <summary>PIV and most PKCS#11 tokens take 6 to 8 characters.</summary>
    public static SecretPolicy DefaultPin { get; } = new(6, 8, false, false, false, false, true);

    /// <summary>Null when the candidate satisfies the policy; otherwise a sentence fragment naming the first rule it breaks.</summary>
    /// <remarks>
    /// <para>Character classes count ASCII only — A–Z, a–z, 0–9, and printable ASCII punctuation, symbols and the
    /// space — because a password is retyped on other keyboards and read by other programs: an Arabic-Indic digit,
    /// an accented capital or a no-break space may look right and not be typed back the same way. Other characters
    /// are allowed; they just do not count for a class.</para>
    /// <para>Last, the candidate must not be common (<paramref name="commonPasswords"/>).</para>
    /// </remarks>
    public string? Check(string candidate, CommonPasswords commonPasswords)
    {
        ArgumentNullException.ThrowIfNull(candidate);
        ArgumentNullException.ThrowIfNull(commonPasswords);
        if (candidate.Length < MinLength || candidate.Length > MaxLength)
        {
            return $"must be {MinLength} to {MaxLength} characters long";
        }

        if (DigitsOnly && !candidate.All(char.IsAsciiDigit))
        {
            return "must contain digits (0-9) only";
        }

        if (RequireUpper && !candidate.Any(char.IsAsciiLetterUpper))
        {
            return "must contain an upper-case letter (A-Z)";
        }

        if (RequireLower && !candidate.Any(char.IsAsciiLetterLower))
        {
            return "must contain a lower-case letter (a-z)";
        }

        if (RequireDigit && !candidate.Any(char.IsAsciiDigit))
        {
            return "must contain a digit (0-9)";
        }

        if (RequireSymbol && !candidate.Any(IsAsciiSymbol))
        {
            return "must contain a symbol (ASCII punctuation such as ! # - _ or a space)";
        }

        return commonPasswords.Check(candidate);
    }

    /// <summary>Printable ASCII that is neither a letter nor a digit: the space and <c>!"#$%&amp;'()*+,-./:;&lt;=&gt;?@[\]^_`{|}~</c>.</summary>
    private static bool IsAsciiSymbol(char c) => c is >= ' ' and <= '~' && !char.IsAsciiLetterOrDigit(c);

    internal Error? Validate(string what)
    {
        if (MinLength < 1 || MaxLength < MinLength || MaxLength > 1024)
        {
            return ProfileErrors.Invalid.WithDetail($"The {what} needs 1 <= minimum length <= maximum length <= 1024.");
        }

        if (DigitsOnly && (RequireUpper || RequireLower || RequireSymbol))
        {
            return ProfileErrors.Invalid.WithDetail($"The {what} cannot be digits-only and require letters or symbols.");
        }

        return null;
    }
}
