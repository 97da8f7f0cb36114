using System.Globalization;

namespace Keyward.Benchmarks.Recovery;

/// <summary>The databases the recovery load runs on.</summary>
internal enum LoadDatabase
{
    /// <summary>The embedded default: SQLite in the data folder, software key store beside it.</summary>
    Sqlite,

    /// <summary>A PostgreSQL server started for the run on a loopback port, with its default (durable) settings.</summary>
    Postgres,
}

/// <summary>
/// Options of <c>-- recovery</c>. Every figure the run prints depends on these, so the report repeats them.
/// </summary>
internal sealed record LoadOptions
{
    public IReadOnlyList<LoadDatabase> Databases { get; init; } = [LoadDatabase.Sqlite, LoadDatabase.Postgres];

    /// <summary>Concurrent workers (HTTP) and threads (crypto floor).</summary>
    public int Concurrency { get; init; } = 8;

    /// <summary>Seconds of the measured create → approve → collect window; also the collect-only phase's timed total.</summary>
    public int DurationSeconds { get; init; } = 30;

    /// <summary>Seconds of whole flows run before measuring (not counted).</summary>
    public int WarmupSeconds { get; init; } = 10;

    /// <summary>Archived encryption certificates issued to the recovered person in the set-up.</summary>
    public int Certificates { get; init; } = 64;

    /// <summary>Certificates (keys) per recovery request.</summary>
    public int KeysPerRequest { get; init; } = 1;

    /// <summary>Have the server log every SQL command and count them per step (slows the server: for profiling only).</summary>
    public bool CountSql { get; init; }

    /// <summary>Where the server's output goes besides the driver's tail buffer (optional).</summary>
    public string? ServerLog { get; init; }

    public const string Usage = """
        dotnet run -c Release --project bench/Keyward.Benchmarks -- recovery [options]

          --database sqlite|postgres|both   which database(s) to run on (default both)
          --concurrency N                   concurrent HTTP workers and crypto-floor threads (default 8)
          --duration S                      measured seconds of whole flows, and of collect-only load (default 30)
          --warmup S                        seconds of unmeasured whole flows first (default 10)
          --certificates N                  archived certificates issued for the run, set-up only (default 64)
          --keys K                          keys per request (default 1)
          --count-sql                       log the server's SQL and count commands per step (profiling; slows the server)
          --server-log FILE                 also write the server's console output to FILE
        """;

    public static LoadOptions Parse(IReadOnlyList<string> args)
    {
        var options = new LoadOptions();
        for (var i = 0; i < args.Count; i++)
        {
            string Value() => i + 1 < args.Count ? args[++i] : throw new ArgumentException($"{args[i]} needs a value.");
            int Number(int min) =>
                int.TryParse(Value(), NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n >= min
                    ? n
                    : throw new ArgumentException($"{args[i - 1]} needs a whole number of at least {min}.");
            options = args[i] switch
            {
                "--database" => options with
                {
                    Databases = Value().ToUpperInvariant() switch
                    {
                        "SQLITE" => [LoadDatabase.Sqlite],
                        "POSTGRES" or "POSTGRESQL" => [LoadDatabase.Postgres],
                        "BOTH" => [LoadDatabase.Sqlite, LoadDatabase.Postgres],
                        var other => throw new ArgumentException($"Unknown database '{other}': sqlite, postgres or both."),
                    },
                },
                "--concurrency" => options with { Concurrency = Number(1) },
                "--duration" => options with { DurationSeconds = Number(1) },
                "--warmup" => options with { WarmupSeconds = Number(0) },
                "--certificates" => options with { Certificates = Number(1) },
                "--keys" => options with { KeysPerRequest = Number(1) },
                "--count-sql" => options with { CountSql = true },
                "--server-log" => options with { ServerLog = Value() },
                var unknown => throw new ArgumentException($"Unknown option '{unknown}'."),
            };
        }

        if (options.KeysPerRequest > 50)
        {
            throw new ArgumentException("A request names at most 50 certificates.");
        }

        if (options.Certificates < options.KeysPerRequest * options.Concurrency * 2)
        {
            throw new ArgumentException(
                $"--certificates must be at least 2 x concurrency x keys ({options.KeysPerRequest * options.Concurrency * 2}) so that concurrent flows never ask for the same certificate.");
        }

        return options;
    }
}
