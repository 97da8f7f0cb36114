using System.Security.Cryptography;

namespace Keyward.Crypto.Recovery;

/// <summary>Random passwords and PINs for secret policies (<see cref="PfxPackager.GeneratePassword"/>).</summary>
internal static class PasswordGenerator
{
    /// <summary>Without I and O (1 and 0).</summary>
    public const string Upper = "ABCDEFGHJKLMNPQRSTUVWXYZ";

    /// <summary>Without l and o (1 and 0).</summary>
    public const string Lower = "abcdefghijkmnpqrstuvwxyz";

    /// <summary>Without 0 and 1 (O and l, I).</summary>
    public const string Digits = "23456789";

    /// <summary>For a digits-only policy there is nothing to confuse a digit with.</summary>
    public const string AllDigits = "0123456789";

    /// <summary>Symbols that need no quoting in a shell argument list and survive copying: no quotes, backslash, space or brackets.</summary>
    public const string Symbols = "!#$%&*+-=?@^_~";

    public static GeneratedPassword Generate(int minLength, int maxLength, bool requireUpper, bool requireLower, bool requireDigit, bool requireSymbol, bool digitsOnly)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(minLength, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxLength, minLength);
        if (digitsOnly && (requireUpper || requireLower || requireSymbol))
        {
            throw new ArgumentException("A digits-only policy cannot require letters or symbols.", nameof(digitsOnly));
        }

        string alphabet;
        var required = new List<string>();
        if (digitsOnly)
        {
            alphabet = AllDigits;
            if (requireDigit)
            {
                required.Add(AllDigits);
            }
        }
        else
        {
            alphabet = Upper + Lower + Digits + (requireSymbol ? Symbols : string.Empty);
            AddIf(required, requireUpper, Upper);
            AddIf(required, requireLower, Lower);
            AddIf(required, requireDigit, Digits);
            AddIf(required, requireSymbol, Symbols);
        }

        if (required.Count > maxLength)
        {
            throw new ArgumentException($"The policy requires {required.Count} kinds of characters but allows at most {maxLength} characters.", nameof(maxLength));
        }

        var classSizes = required.ConvertAll(c => c.Length);
        var length = Math.Max(minLength, required.Count);
        while (length < maxLength && EntropyBits(alphabet.Length, classSizes, length) < GeneratedPassword.FullEntropyBits)
        {
            length++;
        }

        var buffer = new char[length];
        try
        {
            do
            {
                for (var i = 0; i < buffer.Length; i++)
                {
                    buffer[i] = alphabet[RandomNumberGenerator.GetInt32(alphabet.Length)];
                }
            }
            while (!required.TrueForAll(set => buffer.AsSpan().IndexOfAny(set) >= 0));

            return new GeneratedPassword(new string(buffer), EntropyBits(alphabet.Length, classSizes, length));
        }
        finally
        {
            Array.Clear(buffer);
        }
    }

    /// <summary>
    /// log2 of the number of strings of <paramref name="length"/> characters over an alphabet of
    /// <paramref name="alphabetSize"/> that contain at least one character of each required (disjoint) class:
    /// the entropy of a uniform draw among them. Inclusion–exclusion over the classes that are missing.
    /// </summary>
    public static double EntropyBits(int alphabetSize, IReadOnlyList<int> requiredClassSizes, int length)
    {
        var validFraction = 0.0;
        for (var missing = 0; missing < 1 << requiredClassSizes.Count; missing++)
        {
            var left = alphabetSize;
            var sign = 1;
            for (var c = 0; c < requiredClassSizes.Count; c++)
            {
                if ((missing & (1 << c)) != 0)
                {
                    left -= requiredClassSizes[c];
                    sign = -sign;
                }
            }

            validFraction += sign * Math.Pow((double)left / alphabetSize, length);
        }

        return validFraction <= 0 ? double.NegativeInfinity : (length * Math.Log2(alphabetSize)) + Math.Log2(validFraction);
    }

    private static void AddIf(List<string> required, bool condition, string characters)
    {
        if (condition)
        {
            required.Add(characters);
        }
    }
}
