using System.Diagnostics;
using System.Globalization;
using System.Text;
using CsvHelper;
using Keyward.Benchmarks.Recovery;

namespace Keyward.Benchmarks.People;

/// <summary>
/// People import against a real <c>keyward server --demo</c> in a child process, through the real
/// <c>keyward people import</c> binary: files of 40,000 and 50,000 people in one request each, then a file of N people
/// (default 1,000,000) streamed in parts. Reports people/s and the server's peak resident memory (VmHWM, reset
/// before each phase), the client's too, and beside them the yardstick of the same run: how fast the file alone is
/// parsed. Run with <c>-- import</c>; prints Markdown for docs/performance.md.
/// </summary>
internal static class ImportLoad
{
    public const string Usage = """
        dotnet run -c Release --project bench/Keyward.Benchmarks -- import [options]

          --rows N                          people in the file imported in parts (default 1000000)
          --database sqlite|postgres|both   which database(s) to run on (default sqlite)
          --part-rows N                     people per part (default: keyward's own, 2000)
          --parts-only                      skip the 40,000- and 50,000-person single requests
          --server-log FILE                 also write the server's console output to FILE
        """;

    /// <summary>Groups per level below Acme: 5 × 5 × 5 × 5 × 8 = 5,000 leaves, 5,781 groups, 6 levels.</summary>
    private static readonly (string Name, int Count)[] Levels = [("Division", 5), ("Region", 5), ("Site", 5), ("Department", 5), ("Team", 8)];

    public static async Task<int> RunAsync(IReadOnlyList<string> args)
    {
        int rows = 1_000_000;
        int? partRows = null;
        string? serverLog = null;
        var partsOnly = false;
        var databases = new List<LoadDatabase> { LoadDatabase.Sqlite };
        try
        {
            for (var i = 0; i < args.Count; i++)
            {
                string Value() => i + 1 < args.Count ? args[++i] : throw new ArgumentException($"{args[i]} needs a value.");
                switch (args[i])
                {
                    case "--rows":
                        rows = int.TryParse(Value(), NumberStyles.None, CultureInfo.InvariantCulture, out var r) && r >= 1 ? r : throw new ArgumentException("--rows needs a whole number of at least 1.");
                        break;
                    case "--part-rows":
                        partRows = int.TryParse(Value(), NumberStyles.None, CultureInfo.InvariantCulture, out var p) && p >= 1 ? p : throw new ArgumentException("--part-rows needs a whole number of at least 1.");
                        break;
                    case "--parts-only":
                        partsOnly = true;
                        break;
                    case "--server-log":
                        serverLog = Value();
                        break;
                    case "--database":
                        databases = Value().ToUpperInvariant() switch
                        {
                            "SQLITE" => [LoadDatabase.Sqlite],
                            "POSTGRES" or "POSTGRESQL" => [LoadDatabase.Postgres],
                            "BOTH" => [LoadDatabase.Sqlite, LoadDatabase.Postgres],
                            var other => throw new ArgumentException($"Unknown database '{other}': sqlite, postgres or both."),
                        };
                        break;
                    default:
                        throw new ArgumentException($"Unknown option '{args[i]}'.");
                }
            }
        }
        catch (ArgumentException ex)
        {
            await Console.Error.WriteLineAsync($"{ex.Message}\n\n{Usage}").ConfigureAwait(false);
            return 2;
        }

        using var cancel = new CancellationTokenSource();
        Console.CancelKeyPress += (_, e) =>
        {
            e.Cancel = true;
            cancel.Cancel();
        };

        var machine = MachineReport.Capture();
        var folder = Directory.CreateTempSubdirectory("keyward-import-").FullName;
        try
        {
            Progress($"writing files of 40,000, 50,000 and {rows:N0} people");
            var forty = await WriteFileAsync(Path.Combine(folder, "people-40k.csv"), "a", 40_000, cancel.Token).ConfigureAwait(false);
            var fifty = await WriteFileAsync(Path.Combine(folder, "people-50k.csv"), "b", 50_000, cancel.Token).ConfigureAwait(false);
            var large = await WriteFileAsync(Path.Combine(folder, "people-large.csv"), "c", rows, cancel.Token).ConfigureAwait(false);
            var parse = ParseRate(large);
            var report = new StringBuilder();
            report.AppendLine(CultureInfo.InvariantCulture, $"People import, {machine.Started:yyyy-MM-dd HH:mm} UTC, commit {machine.Commit}: {machine.Cpu}, {machine.Cores} cores, {machine.Memory}, {machine.System}, {machine.Runtime}; load before {machine.LoadBefore}.");
            report.AppendLine();
            report.AppendLine(CultureInfo.InvariantCulture, $"Yardstick: parsing the {rows:N0}-row file ({new FileInfo(large).Length / 1024.0 / 1024.0:N1} MiB) with CsvHelper alone, in this process: {parse:N0} rows/s.");
            report.AppendLine();
            report.AppendLine("| Database | Import | People | Seconds | People/s | Server peak RSS | Client peak RSS | Server RSS after start |");
            report.AppendLine("| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |");
            foreach (var database in databases)
            {
                (string, string, int, int?)[] imports = partsOnly
                    ? [("in parts", large, rows, partRows)]
                    : [("in parts", large, rows, partRows), ("one request", forty, 40_000, null), ("one request", fifty, 50_000, null)];
                await RunOnAsync(database, imports, serverLog, report, cancel.Token).ConfigureAwait(false);
            }

            report.AppendLine();
            report.AppendLine(CultureInfo.InvariantCulture, $"Load after: {MachineReport.LoadAverage()}.");
            Console.WriteLine(report.ToString());
            return 0;
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    /// <summary>Each import on a server (and PostgreSQL) of its own, started for it, so that no import starts on another's heap.</summary>
    private static async Task RunOnAsync(LoadDatabase database, IReadOnlyList<(string How, string File, int People, int? PartRows)> imports, string? serverLog, StringBuilder report, CancellationToken cancellationToken)
    {
        foreach (var (how, file, people, partRows) in imports)
        {
            Progress($"{database}: starting a server");
            var postgres = database == LoadDatabase.Postgres ? await PostgresInstance.StartAsync(cancellationToken).ConfigureAwait(false) : null;
            try
            {
                var server = await ServerProcess.StartAsync(postgres?.ConnectionString, countSql: false, serverLog, cancellationToken).ConfigureAwait(false);
                await using (server.ConfigureAwait(false))
                {
                    var afterStart = server.Memory().Rss;
                    Progress($"{database}: importing {people:N0} people {how}");
                    var reset = ResetPeak(server.Pid);
                    var (seconds, clientPeak) = await ImportAsync(server, file, partRows, cancellationToken).ConfigureAwait(false);
                    var serverPeak = server.Memory().Peak;
                    report.AppendLine(CultureInfo.InvariantCulture,
                        $"| {(postgres is null ? "SQLite" : $"PostgreSQL {postgres.Version}")} | {how}{(partRows is { } p ? $" of {p:N0}" : string.Empty)} | {people:N0} | {seconds:N1} | {people / seconds:N0} | {Mib(serverPeak)}{(reset ? string.Empty : " (since start)")} | {Mib(clientPeak)} | {Mib(afterStart)} |");
                }
            }
            finally
            {
                if (postgres is not null)
                {
                    await postgres.DisposeAsync().ConfigureAwait(false);
                }
            }
        }
    }

    /// <summary>Runs <c>keyward people import FILE</c> as the demo's administrator; answers its time and its own peak RSS.</summary>
    private static async Task<(double Seconds, long ClientPeak)> ImportAsync(ServerProcess server, string file, int? partRows, CancellationToken cancellationToken)
    {
        var binary = Path.Combine(AppContext.BaseDirectory, OperatingSystem.IsWindows() ? "keyward.exe" : "keyward");
        var start = new ProcessStartInfo(binary) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        string[] arguments = ["people", "import", file, "--server", server.Address.ToString(), "--client-id", "admin-cli", "--client-secret", "admin-secret"];
        foreach (var argument in partRows is { } p ? [.. arguments, "--part-rows", p.ToString(CultureInfo.InvariantCulture)] : arguments)
        {
            start.ArgumentList.Add(argument);
        }

        var started = Stopwatch.GetTimestamp();
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"Could not start {binary}.");
        var output = process.StandardOutput.ReadToEndAsync(cancellationToken);
        var error = process.StandardError.ReadToEndAsync(cancellationToken);
        long clientPeak = 0;
        while (!process.HasExited)
        {
            clientPeak = Math.Max(clientPeak, ProcessStats.Memory(process.Id).Peak);
            await Task.Delay(100, cancellationToken).ConfigureAwait(false);
        }

        await process.WaitForExitAsync(cancellationToken).ConfigureAwait(false);
        var seconds = Stopwatch.GetElapsedTime(started).TotalSeconds;
        var text = await output.ConfigureAwait(false) + await error.ConfigureAwait(false);
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"keyward people import exited with {process.ExitCode}:\n{text}\nserver:\n{server.Tail}");
        }

        Progress(text.Trim().Split('\n')[^1]);
        return (seconds, clientPeak);
    }

    /// <summary>Resets the process's peak RSS (VmHWM) to its current RSS (Linux: <c>5</c> into clear_refs); false if not allowed.</summary>
    private static bool ResetPeak(int pid)
    {
        try
        {
            File.WriteAllText($"/proc/{pid}/clear_refs", "5");
            return true;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    /// <summary>
    /// Writes <paramref name="count"/> people (logon names <c>{prefix}0000001</c>…) spread over the 5,000 leaves of a
    /// six-level tree under Acme, every tenth one disabled.
    /// </summary>
    private static async Task<string> WriteFileAsync(string path, string prefix, int count, CancellationToken cancellationToken)
    {
        var leaves = Leaves();
        await using var writer = new StreamWriter(path, append: false, new UTF8Encoding(false), 1 << 16);
        await writer.WriteLineAsync("logonName,name,email,group,enabled").ConfigureAwait(false);
        for (var n = 1; n <= count; n++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            await writer.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
                $"{prefix}{n:D7},\"Person {n}, {prefix.ToUpperInvariant()}\",{prefix}{n:D7}@acme.example,{leaves[n % leaves.Count]},{(n % 10 == 0 ? "false" : "true")}")).ConfigureAwait(false);
        }

        return path;
    }

    private static List<string> Leaves()
    {
        var level = new List<string> { "Acme" };
        foreach (var (name, count) in Levels)
        {
            level = [.. level.SelectMany(parent => Enumerable.Range(1, count).Select(i => string.Create(CultureInfo.InvariantCulture, $"{parent}/{name} {i}")))];
        }

        return level;
    }

    /// <summary>Rows per second CsvHelper parses the file at (every field read), single-threaded, best of two.</summary>
    private static double ParseRate(string path)
    {
        var best = 0.0;
        for (var round = 0; round < 2; round++)
        {
            var started = Stopwatch.GetTimestamp();
            using var reader = new StreamReader(path);
            using var csv = new CsvReader(reader, CultureInfo.InvariantCulture);
            csv.Read();
            csv.ReadHeader();
            long rows = 0, chars = 0;
            while (csv.Read())
            {
                for (var i = 0; i < 5; i++)
                {
                    chars += csv.GetField(i)?.Length ?? 0;
                }

                rows++;
            }

            best = Math.Max(best, rows / Stopwatch.GetElapsedTime(started).TotalSeconds);
            GC.KeepAlive(chars);
        }

        return best;
    }

    private static string Mib(long bytes) => string.Create(CultureInfo.InvariantCulture, $"{bytes / 1024.0 / 1024.0:N0} MiB");

    private static void Progress(string text) => Console.Error.WriteLine($"[{DateTime.UtcNow:HH:mm:ss}] {text}");
}
