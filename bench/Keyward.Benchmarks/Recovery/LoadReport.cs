using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;

namespace Keyward.Benchmarks.Recovery;

/// <summary>The machine the run is on, and how busy it was before and after.</summary>
internal sealed class MachineReport
{
    public string Cpu { get; init; } = "?";

    public int Cores { get; init; }

    public string Memory { get; init; } = "?";

    public string System { get; init; } = "?";

    public string Runtime { get; init; } = RuntimeInformation.FrameworkDescription;

    public string Commit { get; init; } = "?";

    public DateTime Started { get; init; } = DateTime.UtcNow;

    public string LoadBefore { get; init; } = "?";

    public string LoadAfter { get; set; } = "?";

    public static MachineReport Capture() => new()
    {
        Cpu = Read("/proc/cpuinfo", l => l.StartsWith("model name", StringComparison.Ordinal) ? l[(l.IndexOf(':', StringComparison.Ordinal) + 1)..].Trim() : null) ?? RuntimeInformation.ProcessArchitecture.ToString(),
        Cores = Environment.ProcessorCount,
        Memory = Read("/proc/meminfo", l => l.StartsWith("MemTotal:", StringComparison.Ordinal)
            ? string.Create(CultureInfo.InvariantCulture, $"{long.Parse(l.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) / 1024.0 / 1024.0:F1} GiB")
            : null) ?? "?",
        System = $"{Read("/etc/os-release", l => l.StartsWith("PRETTY_NAME=", StringComparison.Ordinal) ? l[12..].Trim('"') : null) ?? RuntimeInformation.OSDescription}, Linux {Read("/proc/sys/kernel/osrelease", l => l.Trim()) ?? "?"}",
        Commit = Git("rev-parse --short HEAD") + (string.IsNullOrWhiteSpace(Git("status --porcelain --untracked-files=no")) ? string.Empty : " (with uncommitted changes)"),
        LoadBefore = LoadAverage(),
    };

    /// <summary>The 1, 5 and 15 minute load averages.</summary>
    public static string LoadAverage() =>
        Read("/proc/loadavg", l => string.Join(" / ", l.Split(' ').Take(3))) ?? "?";

    private static string? Read(string path, Func<string, string?> pick)
    {
        try
        {
            return File.ReadLines(path).Select(pick).FirstOrDefault(v => v is not null);
        }
        catch (IOException)
        {
            return null;
        }
    }

    private static string Git(string arguments)
    {
        try
        {
            var start = new ProcessStartInfo("git", arguments) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
            using var git = Process.Start(start);
            if (git is null)
            {
                return "?";
            }

            var output = git.StandardOutput.ReadToEnd().Trim();
            git.WaitForExit();
            return git.ExitCode == 0 ? output : "?";
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return "?";
        }
    }
}

/// <summary>Prints a run as Markdown that can go into docs/performance.md as it is.</summary>
internal static class LoadReport
{
    // docs/performance.md, "Recovery throughput targets": for a 2-core machine, both databases, 8 workers.
    private const double StepCpuTarget = 3.0;
    private const double HealthCpuTarget = 0.2;
    private const double ReadCpuTarget = 0.6;
    private const double CollectTarget = 0.75;
    private const double SqliteFlowTarget = 140;
    private const double PostgresFlowTarget = 110;
    private const long MemoryTarget = 250L * 1000 * 1000;

    public static void Write(TextWriter output, LoadOptions options, MachineReport machine, IReadOnlyList<DatabaseResult> results)
    {
        var c = options.Concurrency;
        void Line(FormattableString text) => output.WriteLine(text.ToString(CultureInfo.InvariantCulture));

        Line($"Run of {machine.Started:yyyy-MM-dd HH:mm} UTC, commit {machine.Commit}: `dotnet run -c Release --project bench/Keyward.Benchmarks -- recovery --database {string.Join(",", options.Databases).ToLowerInvariant()} --concurrency {c} --duration {options.DurationSeconds} --warmup {options.WarmupSeconds} --certificates {options.Certificates} --keys {options.KeysPerRequest}{(options.CountSql ? " --count-sql" : string.Empty)}`");
        output.WriteLine();
        output.WriteLine("| Machine | |");
        output.WriteLine("| --- | --- |");
        Line($"| CPU | {machine.Cpu}, `nproc` = {machine.Cores} |");
        Line($"| Memory | {machine.Memory} |");
        Line($"| OS | {machine.System} |");
        Line($"| .NET | {machine.Runtime} (load driver; the server is the `keyward` binary of the same build) |");
        Line($"| Load average (1 / 5 / 15 min) | before {machine.LoadBefore}; after {machine.LoadAfter} |");
        output.WriteLine();

        var header = "| | " + string.Join(" | ", results.Select(Name)) + " |";
        var rule = "| --- | " + string.Join(" | ", results.Select(_ => "---:")) + " |";
        void Row(string label, Func<DatabaseResult, string> cell) => output.WriteLine($"| {label} | {string.Join(" | ", results.Select(cell))} |");

        output.WriteLine(header);
        output.WriteLine(rule);
        Row("Set-up (not measured): server start / certificates issued", r => F($"{r.StartSeconds:F0} s / {options.Certificates} in {r.SetupSeconds:F0} s"));
        Row($"**Whole flows** ({c} workers, {options.DurationSeconds} s): recoveries / s", r => F($"**{Rate(r.Flows.Step("flow").Count, r.FlowSeconds):F1}** ({r.Flows.Step("flow").Count} in {r.FlowSeconds:F1} s)"));
        Row("Whole flow latency p50 / p90 / p99 / max", r => Latency(r.Flows.Step("flow")));
        Row("… create (olivia) p50 / p90 / p99 / max", r => Latency(r.Flows.Step("create")));
        Row("… approve (victor) p50 / p90 / p99 / max", r => Latency(r.Flows.Step("approve")));
        Row("… collect (carol) p50 / p90 / p99 / max", r => Latency(r.Flows.Step("collect")));
        Row("Failed steps in the flows (see below)", r => F($"{r.Flows.ErrorCount} of {Attempts(r.Flows)}"));
        Row($"**Collect only** ({c} workers, {r0(results)} rounds): collects / s", r => F($"**{Rate(r.Rounds.Sum(x => x.Collected), r.Rounds.Sum(x => x.CollectSeconds)):F1}** ({r.Rounds.Sum(x => x.Collected)} in {r.Rounds.Sum(x => x.CollectSeconds):F1} s)"));
        Row("Collect-only latency p50 / p90 / p99 / max", r => Latency(r.Collects.Step("collect")));
        Row("Failed collects (collect only)", r => F($"{r.Collects.ErrorCount}"));
        Row($"**Crypto floor**, {c} threads: PFX builds / s", r => F($"**{Rate(r.Rounds.Sum(x => x.Requests), r.Rounds.Sum(x => x.FloorSeconds)):F1}**"));
        Row("Crypto floor, 1 thread: PFX builds / s (p50 per build)", r => F($"{Rate(r.Rounds.Sum(x => x.Requests), r.Rounds.Sum(x => x.FloorSingleSeconds)):F1} ({r.FloorSingleBuilds.Percentiles().P50:F2} ms)"));
        Row($"**Collect / floor ({c} threads)**: all rounds; median of rounds [range]", r => r.Rounds.Count == 0 ? "—" : F($"**{CollectRatio(r):P0}**; {Median(r.Rounds.Select(x => x.CollectRate / x.FloorRate)):P0} [{r.Rounds.Min(x => x.CollectRate / x.FloorRate):P0}–{r.Rounds.Max(x => x.CollectRate / x.FloorRate):P0}]"));
        Row("CPU per collect (server, collect only) / per PFX build (floor)", r => F($"{ServerCpuPerCollect(r):F1} / {FloorCpuPerBuild(r):F1} ms"));
        Row("**CPU-normalised collect / floor** (floor CPU per build ÷ server CPU per collect)", r => F($"**{FloorCpuPerBuild(r) / ServerCpuPerCollect(r):P0}**"));
        Row("Whole flows / floor", r => F($"{Rate(r.Flows.Step("flow").Count, r.FlowSeconds) / FloorRate(r):P0}"));
        Row("CPU during flows, cores: server / driver / PostgreSQL / other processes", r => Cpu(r.FlowCpu));
        Row("CPU per recovery: server / driver / PostgreSQL", r => PerOperation(r.FlowCpu, Rate(r.Flows.Step("flow").Count, r.FlowSeconds)));
        Row("CPU during collect only, cores: server / driver / PostgreSQL / other", r => Cpu(r.CollectCpu));
        Row("CPU per collect: server / driver / PostgreSQL", r => PerOperation(r.CollectCpu, Rate(r.Rounds.Sum(x => x.Collected), r.Rounds.Sum(x => x.CollectSeconds))));
        Row("One worker, one flow at a time: create / approve / collect p50", r => F($"{r.Sequential.Step("create").Percentiles().P50:F1} / {r.Sequential.Step("approve").Percentiles().P50:F1} / {r.Sequential.Step("collect").Percentiles().P50:F1} ms"));
        Row("… server CPU per step, one at a time: create / approve / collect", r => F($"{r.SequentialCpu.GetValueOrDefault("create"):F1} / {r.SequentialCpu.GetValueOrDefault("approve"):F1} / {r.SequentialCpu.GetValueOrDefault("collect"):F1} ms"));
        foreach (var (path, _) in RecoveryLoad.Reads)
        {
            Row($"Sequential `GET {path}`, one connection: server CPU per request (requests / s)", r => F($"{r.ReadCpu.GetValueOrDefault(path):F2} ms ({r.ReadRate.GetValueOrDefault(path):F0} / s)"));
        }

        if (options.CountSql)
        {
            Row("SQL commands per step: create / approve / collect", r => F($"{r.SqlPerStep.GetValueOrDefault("create"):F1} / {r.SqlPerStep.GetValueOrDefault("approve"):F1} / {r.SqlPerStep.GetValueOrDefault("collect"):F1}"));
            Row("SQL time EF Core logged per step (whole ms per command): create / approve / collect", r => F($"{r.SqlTimePerStep.GetValueOrDefault("create"):F1} / {r.SqlTimePerStep.GetValueOrDefault("approve"):F1} / {r.SqlTimePerStep.GetValueOrDefault("collect"):F1} ms"));
        }

        Row("Durable 4 KB write (write + fsync) in the data folder: p50 / p90", r => F($"{r.Fsync.P50:F2} / {r.Fsync.P90:F2} ms"));

        Row("Server RSS after start (demo seeded)", r => Mb(r.RssAfterStart));
        Row("Server RSS, highest sample: set-up / flows / collect only", r => $"{Mb(r.RssBySetup)} / {Mb(r.RssByFlows)} / {Mb(r.RssByCollects)}");
        Row("**Server RSS peak** (kernel high-water mark, VmHWM)", r => $"**{Mb(r.RssPeak)}**");
        output.WriteLine();

        output.WriteLine("| Target | " + string.Join(" | ", results.Select(Name)) + " |");
        output.WriteLine("| --- | " + string.Join(" | ", results.Select(_ => "---")) + " |");
        Row("Server CPU, one flow at a time: create and approve ≤ 3 ms each", r => Verdict(
            r.SequentialCpu.GetValueOrDefault("create") <= StepCpuTarget && r.SequentialCpu.GetValueOrDefault("approve") <= StepCpuTarget,
            F($"{r.SequentialCpu.GetValueOrDefault("create"):F1} / {r.SequentialCpu.GetValueOrDefault("approve"):F1} ms")));
        Row("Sequential `GET /health` ≤ 0.2 ms of server CPU", r => Verdict(r.ReadCpu.GetValueOrDefault("/health") <= HealthCpuTarget, F($"{r.ReadCpu.GetValueOrDefault("/health"):F2} ms")));
        Row("Sequential authenticated reads (`/api/me`, a page of people) ≤ 0.6 ms each", r => Verdict(
            RecoveryLoad.Reads.Where(x => x.Authenticated).All(x => r.ReadCpu.GetValueOrDefault(x.Path) <= ReadCpuTarget),
            string.Join(" / ", RecoveryLoad.Reads.Where(x => x.Authenticated).Select(x => F($"{r.ReadCpu.GetValueOrDefault(x.Path):F2} ms")))));
        Row("Collect ≥ 75 % of its crypto floor, CPU-normalised", r => Verdict(FloorCpuPerBuild(r) / ServerCpuPerCollect(r) >= CollectTarget, F($"{FloorCpuPerBuild(r) / ServerCpuPerCollect(r):P0}")));
        Row("Whole flows ≥ 140 / s (SQLite), ≥ 110 / s (PostgreSQL)", r => Verdict(
            Rate(r.Flows.Step("flow").Count, r.FlowSeconds) >= (r.Database == LoadDatabase.Sqlite ? SqliteFlowTarget : PostgresFlowTarget),
            F($"{Rate(r.Flows.Step("flow").Count, r.FlowSeconds):F1} / s")));
        Row("Server RSS < 250 MB throughout", r => Verdict(r.RssPeak < MemoryTarget, $"peak {Mb(r.RssPeak)}"));
        Row("0 failed steps; the first PFX opens with its password", r => Verdict(
            r.Flows.ErrorCount + r.Collects.ErrorCount == 0 && r.PfxOpened,
            F($"{r.Flows.ErrorCount + r.Collects.ErrorCount} failed; {(r.PfxOpened ? "opened" : "not checked")}")));
        output.WriteLine();

        foreach (var r in results)
        {
            Line($"- {Name(r)}: {r.PfxCheck}; PBKDF2 iterations {r.Iterations}; set-up issuances retried after a 409: {r.IssueConflicts}; memory sampled {r.MemorySamples} times (every 250 ms){(r.SqlitePragmas is null ? string.Empty : $"; SQLite {r.SqlitePragmas}")}{(r.PostgresSettings is null ? string.Empty : $"; PostgreSQL {r.PostgresVersion}: {r.PostgresSettings}")}; data folder under {Path.GetTempPath()}.");
            var errors = r.Flows.Errors.Select(e => $"flows {e.Key} × {e.Value}")
                .Concat(r.Collects.Errors.Select(e => $"collect only {e.Key} × {e.Value}"))
                .Concat(r.Prepare.Errors.Select(e => $"round set-up {e.Key} × {e.Value}"))
                .ToList();
            var lost = r.Flows.Lost + r.Collects.Lost + r.Prepare.Lost;
            if (errors.Count > 0 || lost > 0)
            {
                Line($"  Failures: {string.Join("; ", errors)}{(lost > 0 ? $"; certificates left in requests that cannot be cancelled: {lost}" : string.Empty)}.");
            }
        }
    }

    private static int r0(IReadOnlyList<DatabaseResult> results) => results.Count == 0 ? 0 : results.Max(r => r.Rounds.Count);

    private static string Name(DatabaseResult r) => r.Database == LoadDatabase.Sqlite ? "SQLite (embedded default)" : $"PostgreSQL {r.PostgresVersion}";

    private static double Rate(int count, double seconds) => seconds > 0 ? count / seconds : double.NaN;

    private static double FloorRate(DatabaseResult r) => Rate(r.Rounds.Sum(x => x.Requests), r.Rounds.Sum(x => x.FloorSeconds));

    private static double CollectRatio(DatabaseResult r) => Rate(r.Rounds.Sum(x => x.Collected), r.Rounds.Sum(x => x.CollectSeconds)) / FloorRate(r);

    /// <summary>Server CPU per successful collect in the collect-only rounds (failed collects' work included), ms.</summary>
    private static double ServerCpuPerCollect(DatabaseResult r) => r.Rounds.Sum(x => x.ServerCpuSeconds) * 1000 / r.Rounds.Sum(x => x.Collected);

    /// <summary>Driver CPU per PFX build of the C-thread floor, ms.</summary>
    private static double FloorCpuPerBuild(DatabaseResult r) => r.Rounds.Sum(x => x.FloorCpuSeconds) * 1000 / r.Rounds.Sum(x => x.Requests);

    private static int Attempts(PhaseRecorder recorder) =>
        recorder.Step("create").Count + recorder.Step("approve").Count + recorder.Step("collect").Count + recorder.ErrorCount;

    private static double Median(IEnumerable<double> values)
    {
        var sorted = values.Order().ToList();
        return sorted.Count == 0 ? double.NaN : sorted[sorted.Count / 2];
    }

    private static string Latency(Samples samples)
    {
        var (p50, p90, p99, max) = samples.Percentiles();
        return F($"{p50:F1} / {p90:F1} / {p99:F1} / {max:F0} ms");
    }

    private static string Cpu(CpuUse? use) =>
        use is null ? "—" : F($"{use.Server:F2} / {use.Driver:F2} / {use.Postgres:F2} / {use.Other:F2}");

    private static string PerOperation(CpuUse? use, double perSecond) =>
        use is null || !(perSecond > 0) ? "—" : F($"{use.Server / perSecond * 1000:F1} / {use.Driver / perSecond * 1000:F1} / {use.Postgres / perSecond * 1000:F1} ms");

    private static string Mb(long bytes) => F($"{bytes / 1_000_000.0:F0} MB");

    private static string Verdict(bool met, string figure) => met ? $"**met**: {figure}" : $"**missed**: {figure}";

    private static string F(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
