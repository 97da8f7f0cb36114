using System.Globalization;
using Keyward.Benchmarks.Recovery;

namespace Keyward.Benchmarks.Scale;

/// <summary>Options of <c>-- scale</c>.</summary>
internal sealed record ScaleOptions
{
    public const string Usage = """
        dotnet run -c Release --project bench/Keyward.Benchmarks -- scale [options]

        Generates a large organisation (people, groups, certificates, devices, requests, a chained audit trail), starts
        the real keyward server on it and measures the read queries per scope with concurrent clients, a full audit
        verification, and recovery at scale beside recovery on an empty database.

          --database postgres|sqlite   which database (default postgres)
          --people N                   people to generate (default 1000000 on PostgreSQL, 100000 on SQLite)
          --reuse DIR                  keep the data set in DIR: generate it there if DIR holds none, reuse it otherwise
          --clients N                  concurrent clients per query (default 8)
          --requests N                 measured requests per query and scope (default 160)
          --recovery-seconds N         seconds of whole recoveries, at scale and on an empty database (default 30; 0 skips)
          --skip-verify                skip the full audit-chain verification
          --verify-only                measure the full audit-chain verification alone (no queries, no recovery)
          --server-log FILE            also write the server's output to FILE
          --warmup-seconds N           before each scope's first cell, at least N seconds of the queries to measure,
                                       unmeasured, then until the server's CPU per request settles (at most 4 N;
                                       default 30; 0 skips)
          --queries TEXT               measure only the queries whose name contains TEXT (e.g. "people: list")
          --scopes LIST                measure only these operator scopes, comma-separated (All,Division,Department,Self)
        """;

    public LoadDatabase Database { get; init; } = LoadDatabase.Postgres;

    public int? People { get; init; }

    public string? Reuse { get; init; }

    public int Clients { get; init; } = 8;

    public int Requests { get; init; } = 160;

    public int RecoverySeconds { get; init; } = 30;

    public bool SkipVerify { get; init; }

    public bool VerifyOnly { get; init; }

    public string? ServerLog { get; init; }

    public string? Queries { get; init; }

    public int WarmupSeconds { get; init; } = 30;

    public IReadOnlyList<string>? Scopes { get; init; }

    public int PeopleOrDefault => People ?? (Database == LoadDatabase.Postgres ? 1_000_000 : 100_000);

    public static ScaleOptions Parse(IReadOnlyList<string> args)
    {
        var options = new ScaleOptions();
        for (var i = 0; i < args.Count; i++)
        {
            string Next() => i + 1 < args.Count ? args[++i] : throw new ArgumentException($"{args[i]} needs a value.\n\n{Usage}");
            int Number() => int.Parse(Next(), NumberStyles.Integer, CultureInfo.InvariantCulture);
            options = args[i] switch
            {
                "--database" => options with
                {
                    Database = Next() switch
                    {
                        "postgres" => LoadDatabase.Postgres,
                        "sqlite" => LoadDatabase.Sqlite,
                        var other => throw new ArgumentException($"Unknown database '{other}'.\n\n{Usage}"),
                    },
                },
                "--people" => options with { People = Number() },
                "--reuse" => options with { Reuse = Next() },
                "--clients" => options with { Clients = Number() },
                "--requests" => options with { Requests = Number() },
                "--recovery-seconds" => options with { RecoverySeconds = Number() },
                "--skip-verify" => options with { SkipVerify = true },
                "--verify-only" => options with { VerifyOnly = true },
                "--server-log" => options with { ServerLog = Next() },
                "--queries" => options with { Queries = Next() },
                "--warmup-seconds" => options with { WarmupSeconds = Number() },
                "--scopes" => options with { Scopes = Next().Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries) },
                var unknown => throw new ArgumentException($"Unknown option '{unknown}'.\n\n{Usage}"),
            };
        }

        return options;
    }
}
