using System.Globalization;

namespace Keyward.Benchmarks.Cards;

/// <summary>Options of <c>-- cards</c>; the report repeats them.</summary>
internal sealed record CardsOptions
{
    /// <summary>Keys per collection; each count is measured in turn. A PIV card's key history holds 20.</summary>
    public IReadOnlyList<int> Keys { get; init; } = [1, 5, 20];

    /// <summary>Measured rounds per key count (one untimed warm-up round comes first).</summary>
    public int Rounds { get; init; } = 7;

    /// <summary>
    /// One-key collections (then 3 of the largest key count) made before any measurement, so that the server's code is compiled by the runtime's
    /// optimising tier as in a server that has been running a while (docs/performance.md, "Collecting onto a token").
    /// </summary>
    public int WarmUp { get; init; } = 100;

    /// <summary>Where SoftHSM2 keeps the run's tokens. The default is on disk, as a card's writes are not free.</summary>
    public string TokenDirectory { get; init; } = Path.Combine(Path.GetTempPath(), $"keyward-cards-{Environment.ProcessId}");

    public const string Usage = """
        dotnet run -c Release --project bench/Keyward.Benchmarks -- cards [options]

          --keys N[,N…]      keys per collection, each measured in turn (default 1,5,20)
          --rounds R         measured rounds per key count, after one warm-up round (default 7)
          --warm-up W        one-key collections (then 3 of the largest count) before any measurement, to warm the
                             server (default 100)
          --token-dir DIR    SoftHSM2 token folder (default: a new folder under the temporary folder, on disk here;
                             /dev/shm/… puts the tokens in memory)
        """;

    public static CardsOptions Parse(IReadOnlyList<string> args)
    {
        var options = new CardsOptions();
        for (var i = 0; i < args.Count; i++)
        {
            string Value() => i + 1 < args.Count ? args[++i] : throw new ArgumentException($"{args[i]} needs a value.");
            options = args[i] switch
            {
                "--keys" => options with { Keys = [.. Value().Split(',').Select(Positive)] },
                "--rounds" => options with { Rounds = Positive(Value()) },
                "--warm-up" => options with { WarmUp = Positive(Value()) },
                "--token-dir" => options with { TokenDirectory = Path.GetFullPath(Value()) },
                _ => throw new ArgumentException($"Unknown option {args[i]}.\n{Usage}"),
            };
        }

        return options;
    }

    /// <summary>The arguments that give these options again (for the re-started process).</summary>
    public IEnumerable<string> ToArguments() =>
        ["cards", "--keys", string.Join(',', Keys), "--rounds", Rounds.ToString(CultureInfo.InvariantCulture), "--warm-up", WarmUp.ToString(CultureInfo.InvariantCulture), "--token-dir", TokenDirectory];

    private static int Positive(string text) =>
        int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n > 0 ? n : throw new ArgumentException($"'{text}' is not a positive whole number.");
}
