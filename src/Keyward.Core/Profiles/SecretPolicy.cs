using Keyward.Common;

namespace Keyward.Profiles;

/// <summary>
/// Length and character-class rules for a secret a person chooses (a PFX password or a card PIN).
/// Checking a candidate never records or logs it.
/// </summary>
public sealed record SecretPolicy(int MinLength, int MaxLength, bool RequireUpper, bool RequireLower, bool RequireDigit, bool RequireSymbol, bool DigitsOnly)
{
    public static SecretPolicy DefaultPassword { get; } = new(12, 128, true, true, true, false, false);

    /// <summary>PIV and most PKCS#11 tokens take 6 to 8 characters.</summary>
    public static SecretPolicy DefaultPin { get; } = new(6, 8, false, false, false, false, true);

    /// <summary>Null when the candidate satisfies the policy; otherwise a sentence naming the first rule it breaks.</summary>
    public string? Check(string candidate)
    {
        ArgumentNullException.ThrowIfNull(candidate);
        if (candidate.Length < MinLength || candidate.Length > MaxLength)
        {
            return $"must be {MinLength} to {MaxLength} characters long";
        }

        if (DigitsOnly && !candidate.All(char.IsAsciiDigit))
        {
            return "must contain digits only";
        }

        if (RequireUpper && !candidate.Any(char.IsUpper))
        {
            return "must contain an upper-case letter";
        }

        if (RequireLower && !candidate.Any(char.IsLower))
        {
            return "must contain a lower-case letter";
        }

        if (RequireDigit && !candidate.Any(char.IsDigit))
        {
            return "must contain a digit";
        }

        if (RequireSymbol && candidate.All(char.IsLetterOrDigit))
        {
            return "must contain a symbol";
        }

        return null;
    }

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
