using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using Keyward.Benchmarks.Recovery;
using Keyward.Cards;
using Keyward.Cli.Client;
using Keyward.Cli.Collecting;

namespace Keyward.Benchmarks.Cards;

/// <summary>
/// <c>-- cards</c>: collecting N recovered keys onto a fresh SoftHSM2 token with Keyward's own collector
/// (<see cref="CardCollector.CollectAsync"/>, in-process, against the real server in a child process), next to the raw
/// PKCS#11 writes of the same keys and certificates (<see cref="RawTokenWrite"/>) in the same run, interleaved round by
/// round; plus a replica of the collection's steps that times each (<see cref="CollectionSteps"/>). docs/performance.md,
/// "Collecting onto a token (SoftHSM2)", records the figures.
/// </summary>
internal static class CardsLoad
{
    private const string SmartCardProfile = "Key Recovery - Smart Card";

    public static async Task<int> RunAsync(IReadOnlyList<string> args)
    {
        var options = CardsOptions.Parse(args);
        if (SoftHsm.TokenDirectory is null)
        {
            return SoftHsm.RunWithPrivateConfiguration(options.TokenDirectory, options.ToArguments());
        }

        SoftHsm.RegisterLibdlResolver();
        var cancellationToken = CancellationToken.None;
        var machine = MachineReport.Capture();
        Progress($"cards: keys {string.Join(", ", options.Keys)}, {options.Rounds} rounds each, tokens in {SoftHsm.TokenDirectory}; load {machine.LoadBefore}");

        var started = Stopwatch.StartNew();
        await using var server = await ServerProcess.StartAsync(null, countSql: false, logFile: null, cancellationToken).ConfigureAwait(false);
        using var api = await RecoveryApi.SignInAsync(server.Address, cancellationToken).ConfigureAwait(false);
        using var olivia = new KeywardClient(server.Address, "olivia-cli", "olivia-secret");
        await olivia.GetAsync("/api/people?logonName=carol", cancellationToken).ConfigureAwait(false); // Sign in before any clock runs.
        var serverStart = started.Elapsed;

        started.Restart();
        var certificates = new List<string>();
        for (var i = 0; i < options.Keys.Max(); i++)
        {
            certificates.Add((await api.IssueArchivedCertificateAsync(cancellationToken).ConfigureAwait(false)).Id);
        }

        Progress($"server up in {serverStart.TotalSeconds:F0} s; {certificates.Count} archived certificates issued to carol in {started.Elapsed.TotalSeconds:F0} s");
        var parse = QuietParseResult();

        // A server that has been running a while runs its hot paths as code the runtime's optimising tier compiled after
        // watching them (tiered compilation with dynamic PGO: a method is promoted after 30 calls, instrumented, and
        // compiled again after 30 more). One that has just started runs them unoptimised and spends a core recompiling
        // them in the background, beside the token's writes on this shared machine. Both sides are measured against a
        // warm, idle server: many one-key collections for the per-collection code, then a few of the largest count for
        // the per-key loops.
        started.Restart();
        var warmUps = Enumerable.Repeat(1, options.WarmUp).Concat(Enumerable.Repeat(certificates.Count, 3));
        var warmed = 0;
        foreach (var keys in warmUps)
        {
            var label = $"kw-warm-up-{warmed++}";
            SoftHsm.InitializeToken(label);
            try
            {
                await CollectAsync(api, olivia, parse, certificates.Take(keys).ToList(), label, cancellationToken).ConfigureAwait(false);
            }
            finally
            {
                SoftHsm.DeleteToken(label);
            }
        }

        var idle = await server.WaitIdleAsync(cancellationToken).ConfigureAwait(false);
        Progress($"{options.WarmUp} one-key collections and 3 of {certificates.Count} keys to warm the server in {started.Elapsed.TotalSeconds:F0} s, idle {idle.TotalSeconds:F1} s later");
        var results = new List<KeyCountResult>();
        foreach (var count in options.Keys)
        {
            var ids = certificates.Take(count).ToList();
            var raw = new RawTokenWrite(await RecoveredKeysAsync(api, ids, cancellationToken).ConfigureAwait(false));
            var result = new KeyCountResult(count);
            for (var round = 0; round <= options.Rounds; round++)
            {
                var measured = round > 0;
                await server.WaitIdleAsync(cancellationToken).ConfigureAwait(false);
                var sides = round % 2 == 0 ? new[] { Side.Raw, Side.Keyward, Side.RawUnwrap, Side.Steps } : [Side.Steps, Side.RawUnwrap, Side.Keyward, Side.Raw];
                double rawMs = 0, keywardMs = 0, unwrapMs = 0;
                foreach (var side in sides)
                {
                    var label = $"kw-{side}-{count}-{round}".ToLowerInvariant();
                    SoftHsm.InitializeToken(label);
                    try
                    {
                        switch (side)
                        {
                            case Side.Raw:
                                var clock = Stopwatch.StartNew();
                                raw.WriteAll(label);
                                rawMs = clock.Elapsed.TotalMilliseconds;
                                break;
                            case Side.RawUnwrap:
                                var unwrapClock = Stopwatch.StartNew();
                                raw.UnwrapAll(label);
                                unwrapMs = unwrapClock.Elapsed.TotalMilliseconds;
                                break;
                            case Side.Keyward:
                                keywardMs = await CollectAsync(api, olivia, parse, ids, label, cancellationToken).ConfigureAwait(false);
                                break;
                            default:
                                var request = await SmartCardRequestAsync(api, ids, cancellationToken).ConfigureAwait(false);
                                var (segments, serverCpu) = await CollectionSteps.RunAsync(olivia, request, label, server.RunTime, cancellationToken).ConfigureAwait(false);
                                if (measured)
                                {
                                    result.AddSegments(segments, serverCpu);
                                }

                                break;
                        }
                    }
                    finally
                    {
                        SoftHsm.DeleteToken(label);
                    }
                }

                if (measured)
                {
                    result.Raw.Add(rawMs);
                    result.RawUnwrap.Add(unwrapMs);
                    result.Keyward.Add(keywardMs);
                    result.Ratios.Add(keywardMs / rawMs);
                }

                Progress($"  {count} key(s), {(measured ? $"round {round}" : "warm-up")}: raw {rawMs:F1} ms, raw unwrap {unwrapMs:F1} ms, Keyward {keywardMs:F1} ms ({keywardMs / rawMs:F2}×); load {MachineReport.LoadAverage()}");
            }

            results.Add(result);
        }

        machine.LoadAfter = MachineReport.LoadAverage();
        Console.Out.Write(Report(machine, options, serverStart, results));
        return 0;
    }

    /// <summary>A collection timed as <c>keyward collect ID --module … --token … --pin-stdin</c> runs it, from its first GET to the completed answer.</summary>
    private static async Task<double> CollectAsync(RecoveryApi api, KeywardClient olivia, ParseResult parse, List<string> ids, string label, CancellationToken cancellationToken)
    {
        var requestId = await SmartCardRequestAsync(api, ids, cancellationToken).ConfigureAwait(false);
        var output = new StringWriter(CultureInfo.InvariantCulture);
        Console.SetIn(new StringReader(SoftHsm.UserPin + "\n"));
        var clock = Stopwatch.StartNew();
        var request = await olivia.GetAsync(Keyward.Cli.Commands.RequestsCommand.RequestPath(requestId), cancellationToken).ConfigureAwait(false);
        var exit = await CardCollector.CollectAsync(parse, olivia, output, request, new CardOptions(SoftHsm.Module, label, PinsFromStandardInput: true, AssumeYes: false, TransportKeyMode.Auto), cancellationToken).ConfigureAwait(false);
        var elapsed = clock.Elapsed.TotalMilliseconds;
        var said = output.ToString();
        if (exit != 0 || !said.Contains($": {ids.Count} key(s) written, 0 already on the card", StringComparison.Ordinal) || !said.Contains("key unwrapped inside the token", StringComparison.Ordinal))
        {
            throw new InvalidOperationException($"The collection of request {requestId} did not write every key inside the token (exit {exit}):\n{said}");
        }

        return elapsed;
    }

    /// <summary>olivia asks for carol's keys on a new smart card and victor approves (set-up, not timed).</summary>
    private static async Task<string> SmartCardRequestAsync(RecoveryApi api, List<string> ids, CancellationToken cancellationToken)
    {
        var created = await api.CreateAsync(ids, cancellationToken, SmartCardProfile).ConfigureAwait(false);
        var approved = created.Ok ? await api.ApproveAsync(created.RequestId!, cancellationToken).ConfigureAwait(false) : created;
        return approved.Ok ? approved.RequestId! : throw new InvalidOperationException($"A smart-card request for {ids.Count} certificate(s): {approved.Status} {approved.Code}");
    }

    /// <summary>The keys Keyward recovers, as the yardstick writes them: a File Store collection of the same certificates.</summary>
    private static async Task<List<X509Certificate2>> RecoveredKeysAsync(RecoveryApi api, List<string> ids, CancellationToken cancellationToken)
    {
        var created = await api.CreateAsync(ids, cancellationToken).ConfigureAwait(false);
        var approved = created.Ok ? await api.ApproveAsync(created.RequestId!, cancellationToken).ConfigureAwait(false) : created;
        var collected = approved.Ok ? await api.CollectAsync(approved.RequestId!, cancellationToken).ConfigureAwait(false) : approved;
        if (!collected.Ok)
        {
            throw new InvalidOperationException($"Collecting a PFX of {ids.Count} certificate(s): {collected.Status} {collected.Code}");
        }

        var keys = X509CertificateLoader.LoadPkcs12Collection(collected.Pfx!, collected.Password, X509KeyStorageFlags.EphemeralKeySet)
            .Where(c => c.HasPrivateKey)
            .ToList();
        return keys.Count == ids.Count ? keys : throw new InvalidOperationException($"The PFX holds {keys.Count} keys, not {ids.Count}.");
    }

    /// <summary>What <see cref="CardCollector"/> takes from the command line: an invocation whose output and errors go nowhere (no spinner).</summary>
    private static ParseResult QuietParseResult()
    {
        ParseResult? captured = null;
        var root = new RootCommand();
        root.SetAction(p => captured = p);
        root.Parse([]).Invoke(new InvocationConfiguration { Output = TextWriter.Null, Error = TextWriter.Null });
        return captured is not null && ReferenceEquals(captured.InvocationConfiguration.Error, TextWriter.Null)
            ? captured
            : throw new InvalidOperationException("The parse result does not carry the quiet invocation configuration.");
    }

    private static string Report(MachineReport machine, CardsOptions options, TimeSpan serverStart, List<KeyCountResult> results)
    {
        var c = CultureInfo.InvariantCulture;
        var s = new StringBuilder();
        s.AppendLine(c, $"Run of {machine.Started:yyyy-MM-dd HH:mm} UTC, commit {machine.Commit}: `dotnet run -c Release --project bench/Keyward.Benchmarks -- cards --keys {string.Join(',', options.Keys)} --rounds {options.Rounds} --warm-up {options.WarmUp} --token-dir {options.TokenDirectory}`");
        s.AppendLine();
        s.AppendLine("| Machine | |");
        s.AppendLine("| --- | --- |");
        s.AppendLine(c, $"| CPU | {machine.Cpu}, `nproc` = {machine.Cores} |");
        s.AppendLine(c, $"| OS | {machine.System} |");
        s.AppendLine(c, $"| .NET | {machine.Runtime} |");
        s.AppendLine(c, $"| Token folder | {options.TokenDirectory} ({FileSystemOf(options.TokenDirectory)}) |");
        s.AppendLine(c, $"| Load average (1 / 5 / 15 min) | before {machine.LoadBefore}; after {machine.LoadAfter} |");
        s.AppendLine();
        s.AppendLine("| Keys | Raw PKCS#11 p50 / p90 | **Keyward collect** p50 / p90 | Keyward / raw (p50s) | Median of per-round ratios [range] | Raw key+cert writes / s | Raw unwrap p50 (unwrap / raw) |");
        s.AppendLine("| ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
        foreach (var r in results)
        {
            var (rawP50, rawP90, _, _) = r.Raw.Percentiles();
            var (kP50, kP90, _, _) = r.Keyward.Percentiles();
            var (ratio, _, _, _) = r.Ratios.Percentiles();
            s.AppendLine(c, $"| {r.Count} | {rawP50:F0} / {rawP90:F0} ms | **{kP50:F0} / {kP90:F0} ms** | **{kP50 / rawP50:F2}** | {ratio:F2} [{r.Ratios.Min:F2}–{r.Ratios.Max:F2}] | {r.Count / rawP50 * 1000:F0} | {r.RawUnwrap.Percentiles().P50:F0} ms ({r.RawUnwrap.Percentiles().P50 / rawP50:F2}) |");
        }

        s.AppendLine();
        s.Append("| Step (replica), p50 ms: clock / server CPU |");
        s.AppendLine(string.Concat(results.Select(r => string.Create(c, $" {r.Count} key(s) |"))));
        s.Append("| --- |");
        s.AppendLine(string.Concat(results.Select(_ => " ---: |")));
        for (var i = 0; i < CollectionSteps.Names.Length; i++)
        {
            s.Append(c, $"| {CollectionSteps.Names[i]} |");
            s.AppendLine(string.Concat(results.Select(r => string.Create(c, $" {r.Segments[i].Percentiles().P50:F1} / {r.ServerCpu[i].Percentiles().P50:F1} |"))));
        }

        s.Append("| Replica total (p50) |");
        s.AppendLine(string.Concat(results.Select(r => string.Create(c, $" {r.SegmentTotals.Percentiles().P50:F1} / {r.ServerCpuTotals.Percentiles().P50:F1} |"))));
        s.AppendLine();
        s.AppendLine(c, $"Server start (set-up, not measured): {serverStart.TotalSeconds:F0} s. {options.WarmUp} one-key collections and 3 of {options.Keys.Max()} keys warmed the server, and it was idle (ServerProcess.WaitIdleAsync) before each round; {options.Rounds} measured rounds per key count after one warm-up round; in each round the raw writes, the raw unwraps, the timed collection and the replica each get a fresh token, in alternating order.");
        return s.ToString();
    }

    private static string FileSystemOf(string path)
    {
        try
        {
            var full = Path.GetFullPath(path);
            var mounts = File.ReadLines("/proc/mounts").Select(l => l.Split(' ')).Where(f => f.Length > 2 && full.StartsWith(f[1], StringComparison.Ordinal));
            return mounts.OrderByDescending(f => f[1].Length).Select(f => f[2]).FirstOrDefault() ?? "?";
        }
        catch (IOException)
        {
            return "?";
        }
    }

    private static void Progress(string line) => Console.Error.WriteLine($"[{DateTime.UtcNow:HH:mm:ss}] {line}");

    private enum Side
    {
        Raw,
        RawUnwrap,
        Keyward,
        Steps,
    }

    private sealed class KeyCountResult(int count)
    {
        public int Count { get; } = count;

        public Samples Raw { get; } = new();

        public Samples RawUnwrap { get; } = new();

        public Samples Keyward { get; } = new();

        public RatioList Ratios { get; } = new();

        public Samples[] Segments { get; } = [.. CollectionSteps.Names.Select(_ => new Samples())];

        public Samples SegmentTotals { get; } = new();

        public Samples[] ServerCpu { get; } = [.. CollectionSteps.Names.Select(_ => new Samples())];

        public Samples ServerCpuTotals { get; } = new();

        public void AddSegments(double[] milliseconds, double[] serverCpu)
        {
            for (var i = 0; i < milliseconds.Length; i++)
            {
                Segments[i].Add(milliseconds[i]);
                ServerCpu[i].Add(serverCpu[i]);
            }

            SegmentTotals.Add(milliseconds.Sum());
            ServerCpuTotals.Add(serverCpu.Sum());
        }
    }

    /// <summary>Per-round ratios with their range.</summary>
    private sealed class RatioList
    {
        private readonly Samples _samples = new();
        private readonly List<double> _values = [];

        public double Min => _values.Count == 0 ? double.NaN : _values.Min();

        public double Max => _values.Count == 0 ? double.NaN : _values.Max();

        public void Add(double value)
        {
            _values.Add(value);
            _samples.Add(value);
        }

        public (double P50, double P90, double P99, double Max) Percentiles() => _samples.Percentiles();
    }
}
