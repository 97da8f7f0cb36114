namespace Keyward.Profiles;

/// <summary>
/// Passwords too common to protect anything: a built-in list of well-known passwords (the embedded
/// <c>Profiles/CommonPasswords.txt</c>), an organisation's own list if it has one, trivial variations of both,
/// and keyboard patterns, sequences and repetitions. <see cref="SecretPolicy.Check"/> asks it last.
/// What exactly is caught is documented in <c>docs/pfx.md</c> (Common passwords).
/// </summary>
/// <remarks>
/// <para>Compared case-insensitively, and after reading look-alike digits and symbols as the letters they stand
/// for; both the list's entries and the candidate go through the same reading (<see cref="Skeleton"/>), so the
/// comparison is a plain lookup. A candidate is never logged, stored or put in a message.</para>
/// <para>Immutable and thread-safe: one instance serves the whole process.</para>
/// </remarks>
public sealed class CommonPasswords
{
    /// <summary>What is left of a password once digits and symbols are taken off its ends must be this long to be compared.</summary>
    public const int MinCoreLength = 4;

    /// <summary>A group of at most this many characters, repeated, is a pattern.</summary>
    public const int MaxRepeatedGroup = 4;

    private const string Resource = "Keyward.Profiles.CommonPasswords.txt";

    /// <summary>Keyboard rows and diagonal columns (US layout), the alphabet and the digits: runs along any of them, either way, are patterns.</summary>
    private static readonly string[] Lines = WithReversed(
    [
        "`1234567890-=", "~!@#$%^&*()_+", "qwertyuiop[]\\", "asdfghjkl;'", "zxcvbnm,./",
        "1qaz", "2wsx", "3edc", "4rfv", "5tgb", "6yhn", "7ujm", "8ik,", "9ol.", "0p;/",
        "abcdefghijklmnopqrstuvwxyz", "0123456789",
    ]);

    private static readonly Lazy<CommonPasswords> BuiltInList = new(LoadBuiltIn);

    private readonly HashSet<string> _entries;
    private readonly HashSet<string>.AlternateLookup<ReadOnlySpan<char>> _lookup;
    private readonly int _longest;

    private CommonPasswords(HashSet<string> entries)
    {
        _entries = entries;
        _lookup = entries.GetAlternateLookup<ReadOnlySpan<char>>();
        _longest = entries.Count == 0 ? 0 : entries.Max(e => e.Length);
    }

    /// <summary>The built-in list alone.</summary>
    public static CommonPasswords BuiltIn => BuiltInList.Value;

    /// <summary>How many distinct entries the list holds (after reading them as <see cref="Skeleton"/>s).</summary>
    public int Count => _entries.Count;

    /// <summary>
    /// This list and <paramref name="lines"/>: one password per line, surrounding white space ignored, blank lines
    /// and lines starting with <c>#</c> skipped.
    /// </summary>
    public CommonPasswords With(IEnumerable<string> lines)
    {
        ArgumentNullException.ThrowIfNull(lines);
        var entries = new HashSet<string>(_entries, StringComparer.Ordinal);
        Add(entries, lines);
        return new CommonPasswords(entries);
    }

    /// <summary>Null when <paramref name="candidate"/> is not common; otherwise a sentence fragment saying why it is (never quoting it).</summary>
    public string? Check(string candidate)
    {
        ArgumentNullException.ThrowIfNull(candidate);
        var lower = candidate.ToLowerInvariant();
        var core = Core(lower);
        if (IsListed(lower))
        {
            return "is too common: it is a well-known password or a simple variation of one";
        }

        if (IsPattern(lower) || (core.Length >= MinCoreLength && IsPattern(core)))
        {
            return "is too common: it is a keyboard pattern, a sequence or a repetition";
        }

        return null;
    }

    /// <summary>
    /// The form in which entries and candidates are compared: lower case, look-alike digits and symbols read as
    /// letters (0 o, 1 i, 3 e, 4 a, 5 s, 7 t, @ a, $ s), and l read as i, since 1 stands for either.
    /// </summary>
    internal static string Skeleton(string lower) => string.Create(lower.Length, lower, static (buffer, text) =>
    {
        for (var i = 0; i < text.Length; i++)
        {
            buffer[i] = text[i] switch
            {
                '0' => 'o',
                '1' or 'l' => 'i',
                '3' => 'e',
                '4' or '@' => 'a',
                '5' or '$' => 's',
                '7' => 't',
                var c => c,
            };
        }
    });

    /// <summary>On the list as it is, or once any digits and symbols at its ends are dropped (when it has letters).</summary>
    private bool IsListed(string lower)
    {
        var skeleton = Skeleton(lower).AsSpan();
        if (_lookup.Contains(skeleton))
        {
            return true;
        }

        var first = IndexOfLetter(lower);
        if (first < 0)
        {
            // Digits and symbols only: compared as a whole, or every PIN would contain some listed number.
            return false;
        }

        var last = LastIndexOfLetter(lower);
        for (var start = 0; start <= first; start++)
        {
            for (var end = lower.Length; end > last; end--)
            {
                var length = end - start;
                if (length >= MinCoreLength && length <= _longest && _lookup.Contains(skeleton[start..end]))
                {
                    return true;
                }
            }
        }

        return false;
    }

    /// <summary>Made entirely of runs (<see cref="Lines"/>, or one character three times or more), or a short group or a listed password repeated.</summary>
    private bool IsPattern(string text) => IsRuns(text) || IsRepetition(text);

    private static bool IsRuns(string text)
    {
        // covered[i]: the first i characters are runs of three or more. Runs are at most a line long.
        var covered = new bool[text.Length + 1];
        covered[0] = true;
        for (var start = 0; start < text.Length; start++)
        {
            if (!covered[start])
            {
                continue;
            }

            for (var end = start + 3; end <= text.Length && end - start <= 26; end++)
            {
                var run = text.AsSpan(start, end - start);
                if (!covered[end] && (IsSameCharacter(run) || IsAlongALine(run)))
                {
                    covered[end] = true;
                }
            }
        }

        return text.Length > 0 && covered[text.Length];
    }

    private bool IsRepetition(string text)
    {
        for (var unit = 1; unit <= text.Length / 2; unit++)
        {
            if (text.Length % unit != 0 || !IsRepeated(text, unit))
            {
                continue;
            }

            // The shortest group that repeats decides: short, or a listed password typed again.
            return unit <= MaxRepeatedGroup || _entries.Contains(Skeleton(text[..unit]));
        }

        return false;
    }

    private static bool IsRepeated(string text, int unit)
    {
        for (var i = unit; i < text.Length; i++)
        {
            if (text[i] != text[i - unit])
            {
                return false;
            }
        }

        return true;
    }

    private static bool IsSameCharacter(ReadOnlySpan<char> run) => !run.ContainsAnyExcept(run[0]);

    private static bool IsAlongALine(ReadOnlySpan<char> run)
    {
        foreach (var line in Lines)
        {
            if (line.AsSpan().IndexOf(run, StringComparison.Ordinal) >= 0)
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>The text without the digits and symbols at its ends (ASCII only: other characters count as letters).</summary>
    private static string Core(string lower)
    {
        var first = IndexOfLetter(lower);
        return first < 0 ? string.Empty : lower[first..(LastIndexOfLetter(lower) + 1)];
    }

    private static int IndexOfLetter(string text)
    {
        for (var i = 0; i < text.Length; i++)
        {
            if (IsLetter(text[i]))
            {
                return i;
            }
        }

        return -1;
    }

    private static int LastIndexOfLetter(string text)
    {
        for (var i = text.Length - 1; i >= 0; i--)
        {
            if (IsLetter(text[i]))
            {
                return i;
            }
        }

        return -1;
    }

    private static bool IsLetter(char c) => !char.IsAscii(c) || char.IsAsciiLetter(c);

    private static string[] WithReversed(string[] lines) =>
        [.. lines, .. lines.Select(l => new string(l.Reverse().ToArray()))];

    private static void Add(HashSet<string> entries, IEnumerable<string> lines)
    {
        foreach (var line in lines)
        {
            var entry = line.Trim();
            if (entry.Length > 0 && entry[0] != '#')
            {
                entries.Add(Skeleton(entry.ToLowerInvariant()));
            }
        }
    }

    private static CommonPasswords LoadBuiltIn()
    {
        var assembly = typeof(CommonPasswords).Assembly;
        using var stream = assembly.GetManifestResourceStream(Resource)
                           ?? throw new InvalidOperationException($"The embedded resource {Resource} is missing from {assembly.GetName().Name}.");
        using var reader = new StreamReader(stream);
        var lines = new List<string>();
        while (reader.ReadLine() is { } line)
        {
            lines.Add(line);
        }

        var entries = new HashSet<string>(StringComparer.Ordinal);
        Add(entries, lines);
        return new CommonPasswords(entries);
    }
}
