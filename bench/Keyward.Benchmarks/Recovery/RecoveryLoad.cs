using System.Collections.Concurrent;
using System.Diagnostics;
using System.Security.Cryptography.X509Certificates;

namespace Keyward.Benchmarks.Recovery;

/// <summary>
/// End-to-end soft-certificate recovery under load: a real <c>keyward server --demo</c> on a loopback port, C
/// concurrent workers looping create (olivia) → approve (victor) → collect (carol, generated password) over HTTP,
/// then the collect step alone against pre-approved requests, interleaved round by round with the crypto floor
/// of the same collects in-process. Run with <c>-- recovery</c>; prints Markdown for docs/performance.md.
/// </summary>
internal static class RecoveryLoad
{
    private const int MaxCollectRounds = 500;

    public static async Task<int> RunAsync(IReadOnlyList<string> args)
    {
        LoadOptions options;
        try
        {
            options = LoadOptions.Parse(args);
        }
        catch (ArgumentException ex)
        {
            await Console.Error.WriteLineAsync($"{ex.Message}\n\n{LoadOptions.Usage}").ConfigureAwait(false);
            return 2;
        }

        using var cancel = new CancellationTokenSource();
        Console.CancelKeyPress += (_, e) =>
        {
            e.Cancel = true;
            cancel.Cancel();
        };

        var machine = MachineReport.Capture();
        var results = new List<DatabaseResult>();
        foreach (var database in options.Databases)
        {
            results.Add(await RunOnAsync(database, options, cancel.Token).ConfigureAwait(false));
        }

        machine.LoadAfter = MachineReport.LoadAverage();
        LoadReport.Write(Console.Out, options, machine, results);
        return 0;
    }

    private static async Task<DatabaseResult> RunOnAsync(LoadDatabase database, LoadOptions options, CancellationToken cancellationToken)
    {
        Progress($"{database}: starting");
        PostgresInstance? postgres = null;
        if (database == LoadDatabase.Postgres)
        {
            postgres = await PostgresInstance.StartAsync(cancellationToken).ConfigureAwait(false);
        }

        try
        {
            var result = new DatabaseResult(database) { PostgresSettings = postgres is null ? null : await postgres.DurabilitySettingsAsync(cancellationToken).ConfigureAwait(false), PostgresVersion = postgres?.Version };
            var started = Stopwatch.GetTimestamp();
            var server = await ServerProcess.StartAsync(postgres?.ConnectionString, options.CountSql, options.ServerLog, cancellationToken).ConfigureAwait(false);
            await using (server.ConfigureAwait(false))
            {
                result.StartSeconds = Stopwatch.GetElapsedTime(started).TotalSeconds;
                result.RssAfterStart = server.Memory().Rss;
                var memory = new MemorySampler(server);
                await using (memory.ConfigureAwait(false))
                {
                    await MeasureAsync(server, postgres, memory, options, result, cancellationToken).ConfigureAwait(false);
                    memory.Phase = "end";
                    result.RssMaxSampled = memory.Max;
                    result.RssBySetup = memory.MaxOf("setup");
                    result.RssByFlows = memory.MaxOf("flows");
                    result.RssByCollects = memory.MaxOf("collect-only");
                    result.MemorySamples = memory.Samples;
                }

                result.RssPeak = server.Memory().Peak;
            }

            return result;
        }
        catch (Exception ex) when (ex is InvalidOperationException or TimeoutException or HttpRequestException)
        {
            await Console.Error.WriteLineAsync($"{database}: {ex}").ConfigureAwait(false);
            throw;
        }
        finally
        {
            if (postgres is not null)
            {
                await postgres.DisposeAsync().ConfigureAwait(false);
            }
        }
    }

    private static async Task MeasureAsync(ServerProcess server, PostgresInstance? postgres, MemorySampler memory, LoadOptions options, DatabaseResult result, CancellationToken cancellationToken)
    {
        var c = options.Concurrency;
        using var api = await RecoveryApi.SignInAsync(server.Address, cancellationToken).ConfigureAwait(false);
        var cpu = new CpuMeter(server, postgres?.Pid);

        // Set-up (not measured): carol gets the certificates the run recovers, issued through the API.
        memory.Phase = "setup";
        Progress($"issuing {options.Certificates} archived certificates to carol");
        var setup = Stopwatch.GetTimestamp();
        var issued = new ConcurrentBag<string>();
        var toIssue = options.Certificates;
        var issueConflicts = 0;
        await Task.WhenAll(Enumerable.Range(0, Environment.ProcessorCount).Select(async _ =>
        {
            while (Interlocked.Decrement(ref toIssue) >= 0)
            {
                var (id, conflicts) = await api.IssueArchivedCertificateAsync(cancellationToken).ConfigureAwait(false);
                issued.Add(id);
                Interlocked.Add(ref issueConflicts, conflicts);
            }
        })).ConfigureAwait(false);
        result.SetupSeconds = Stopwatch.GetElapsedTime(setup).TotalSeconds;
        result.IssueConflicts = issueConflicts;
        var groups = issued.Order(StringComparer.Ordinal).Chunk(options.KeysPerRequest).Where(g => g.Length == options.KeysPerRequest).Select(g => (IReadOnlyList<string>)g).ToList();
        var pool = new ConcurrentQueue<IReadOnlyList<string>>(groups);
        var ca = await api.CaCertificateAsync(cancellationToken).ConfigureAwait(false);
        using var floor = await CryptoFloor.OpenAsync(server, postgres?.ConnectionString, groups, ca, cancellationToken).ConfigureAwait(false);
        result.Iterations = floor.Iterations;

        result.Fsync = ServerProcess.FsyncMilliseconds(server.DataDirectory);
        if (postgres is null)
        {
            result.SqlitePragmas = await SqlitePragmasAsync(server.DataDirectory, cancellationToken).ConfigureAwait(false);
        }

        // Warm-up: whole flows, not measured; the first PFX is opened with its password to prove the answers are real.
        memory.Phase = "warmup";
        Progress($"warm-up {options.WarmupSeconds} s");
        var warmup = new PhaseRecorder();
        var verify = new PfxCheck(options.KeysPerRequest);
        await FlowsAsync(api, pool, warmup, c, TimeSpan.FromSeconds(options.WarmupSeconds), verify, cancellationToken).ConfigureAwait(false);
        if (verify.Verified is null)
        {
            // A warm-up too short to finish a flow: run one.
            await FlowsAsync(api, pool, warmup, 1, TimeSpan.FromMilliseconds(1), verify, cancellationToken).ConfigureAwait(false);
        }

        result.PfxCheck = verify.Verified ?? "no PFX was collected in the warm-up";
        result.PfxOpened = verify.Verified is not null;

        // One worker, one flow at a time, once the server is idle after the warm-up (its JIT done): each step's latency
        // and server CPU without queueing (and, with --count-sql, its SQL).
        memory.Phase = "sequential";
        Progress($"server idle after {(await server.WaitIdleAsync(cancellationToken).ConfigureAwait(false)).TotalSeconds:0.0} s");
        Progress(options.CountSql ? "sequential flows, counting SQL commands per step" : "sequential flows");
        await SequentialAsync(api, server, pool, result, options.CountSql, cancellationToken).ConfigureAwait(false);

        // Certificates kept for the whole flows: a collect that fails after taking its request strands its
        // certificate for good, and the collect-only rounds must not use up what the flows need.
        var reserve = new ConcurrentQueue<IReadOnlyList<string>>();
        while (reserve.Count < Math.Min(2 * c, pool.Count / 2) && pool.TryDequeue(out var kept))
        {
            reserve.Enqueue(kept);
        }


        // The collect step alone: rounds of up to 4 x C pre-approved requests, each collected under load next to
        // the same number of PFX builds in-process (C threads and one thread), alternating which goes first.
        Progress($"collect only, interleaved with the crypto floor, {c} workers / threads");
        var collectTime = TimeSpan.Zero;
        var cpuCollect = new List<CpuUse>();
        for (var round = 0; round < MaxCollectRounds && (collectTime < TimeSpan.FromSeconds(options.DurationSeconds) || round < 3); round++)
        {
            memory.Phase = "setup";
            var ready = await PrepareAsync(api, pool, Math.Min(pool.Count, 4 * c), c, result.Prepare, cancellationToken).ConfigureAwait(false);
            if (ready.Count < c)
            {
                Progress($"only {ready.Count} requests could be prepared (certificates lost: {result.Flows.Lost + result.Collects.Lost + result.Prepare.Lost}); stopping the collect-only rounds");
                foreach (var (requestId, group) in ready)
                {
                    await CleanUpAsync(api, requestId, group, pool, result.Prepare, cancellationToken).ConfigureAwait(false);
                }

                break;
            }

            var n = ready.Count;
            RoundResult entry = new(n);
            async Task CollectPart()
            {
                memory.Phase = "collect-only";
                cpu.Start();
                var watch = Stopwatch.GetTimestamp();
                var before = result.Collects.Step("collect").Count;
                await CollectAllAsync(api, ready, pool, result.Collects, c, cancellationToken).ConfigureAwait(false);
                entry.CollectSeconds = Stopwatch.GetElapsedTime(watch).TotalSeconds;
                entry.Collected = result.Collects.Step("collect").Count - before;
                var use = cpu.Stop();
                entry.ServerCpuSeconds = use.Server * use.Seconds;
                cpuCollect.Add(use);
                memory.Phase = "floor";
            }

            void FloorPart()
            {
                // The driver is otherwise idle meanwhile, so its CPU time is the floor's.
                var cpu0 = DriverCpu();
                var (many, manyTimes) = floor.Run(n, c);
                entry.FloorSeconds = many.TotalSeconds;
                entry.FloorCpuSeconds = (DriverCpu() - cpu0).TotalSeconds;
                result.FloorBuilds.AddRange(manyTimes);
                var (one, oneTimes) = floor.Run(n, 1);
                entry.FloorSingleSeconds = one.TotalSeconds;
                result.FloorSingleBuilds.AddRange(oneTimes);
            }

            if (round % 2 == 0)
            {
                await CollectPart().ConfigureAwait(false);
                FloorPart();
            }
            else
            {
                FloorPart();
                await CollectPart().ConfigureAwait(false);
            }

            result.Rounds.Add(entry);
            collectTime += TimeSpan.FromSeconds(entry.CollectSeconds);
        }

        result.CollectCpu = Average(cpuCollect);

        // Whole flows under load, on the reserve and whatever the rounds left.
        while (reserve.TryDequeue(out var kept))
        {
            pool.Enqueue(kept);
        }

        memory.Phase = "flows";
        Progress($"create → approve → collect, {c} workers, {options.DurationSeconds} s");
        var sql0 = server.SqlCommands;
        cpu.Start();
        var flowWatch = Stopwatch.GetTimestamp();
        await FlowsAsync(api, pool, result.Flows, c, TimeSpan.FromSeconds(options.DurationSeconds), null, cancellationToken).ConfigureAwait(false);
        result.FlowSeconds = Stopwatch.GetElapsedTime(flowWatch).TotalSeconds;
        result.FlowCpu = cpu.Stop();
        result.FlowSql = server.SqlCommands - sql0;

        Progress($"{result.Database}: done");
    }

    /// <summary>C workers loop whole flows until the time is up; each takes a free group of certificates and gives it back afterwards.</summary>
    private static async Task FlowsAsync(RecoveryApi api, ConcurrentQueue<IReadOnlyList<string>> pool, PhaseRecorder recorder, int workers, TimeSpan duration, PfxCheck? verify, CancellationToken cancellationToken)
    {
        var deadline = Stopwatch.GetTimestamp() + (long)(duration.TotalSeconds * Stopwatch.Frequency);
        await Task.WhenAll(Enumerable.Range(0, workers).Select(_ => Task.Run(
            async () =>
            {
                do
                {
                    if (!pool.TryDequeue(out var group))
                    {
                        await Task.Delay(5, cancellationToken).ConfigureAwait(false);
                        continue;
                    }

                    var started = Stopwatch.GetTimestamp();
                    var create = await api.CreateAsync(group, cancellationToken).ConfigureAwait(false);
                    if (!create.Ok)
                    {
                        recorder.Error("create", create);
                        pool.Enqueue(group);
                        continue;
                    }

                    recorder.Add("create", create.Milliseconds);
                    var approve = await api.ApproveAsync(create.RequestId!, cancellationToken).ConfigureAwait(false);
                    if (!approve.Ok)
                    {
                        recorder.Error("approve", approve);
                        await CleanUpAsync(api, create.RequestId!, group, pool, recorder, cancellationToken).ConfigureAwait(false);
                        continue;
                    }

                    recorder.Add("approve", approve.Milliseconds);
                    var collect = await api.CollectAsync(create.RequestId!, cancellationToken).ConfigureAwait(false);
                    if (!collect.Ok)
                    {
                        recorder.Error("collect", collect);
                        await CleanUpAsync(api, create.RequestId!, group, pool, recorder, cancellationToken).ConfigureAwait(false);
                        continue;
                    }

                    recorder.Add("collect", collect.Milliseconds);
                    recorder.Add("flow", Stopwatch.GetElapsedTime(started).TotalMilliseconds);
                    pool.Enqueue(group);
                    verify?.Check(collect);
                }
                while (Stopwatch.GetTimestamp() < deadline && !cancellationToken.IsCancellationRequested);
            },
            cancellationToken))).ConfigureAwait(false);
    }

    /// <summary>Creates and approves a request for every free group of certificates (set-up of a collect-only round).</summary>
    private static async Task<ConcurrentQueue<(string RequestId, IReadOnlyList<string> Group)>> PrepareAsync(
        RecoveryApi api, ConcurrentQueue<IReadOnlyList<string>> pool, int count, int workers, PhaseRecorder recorder, CancellationToken cancellationToken)
    {
        var ready = new ConcurrentQueue<(string, IReadOnlyList<string>)>();
        var groups = new ConcurrentQueue<IReadOnlyList<string>>();
        while (groups.Count < count && pool.TryDequeue(out var free))
        {
            groups.Enqueue(free);
        }

        // A step that fails (a 409 from a lost race) is tried again with the same certificates, a bounded number of times.
        var attempts = 10 * count;
        await Task.WhenAll(Enumerable.Range(0, workers).Select(_ => Task.Run(
            async () =>
            {
                while (Interlocked.Decrement(ref attempts) >= 0 && groups.TryDequeue(out var group))
                {
                    var create = await api.CreateAsync(group, cancellationToken).ConfigureAwait(false);
                    if (!create.Ok)
                    {
                        recorder.Error("create", create);
                        groups.Enqueue(group);
                        continue;
                    }

                    var approve = await api.ApproveAsync(create.RequestId!, cancellationToken).ConfigureAwait(false);
                    if (!approve.Ok)
                    {
                        recorder.Error("approve", approve);
                        var retry = new ConcurrentQueue<IReadOnlyList<string>>();
                        await CleanUpAsync(api, create.RequestId!, group, retry, recorder, cancellationToken).ConfigureAwait(false);
                        if (retry.TryDequeue(out var again))
                        {
                            groups.Enqueue(again);
                        }

                        continue;
                    }

                    ready.Enqueue((create.RequestId!, group));
                }
            },
            cancellationToken))).ConfigureAwait(false);
        while (groups.TryDequeue(out var left))
        {
            pool.Enqueue(left);
        }

        return ready;
    }

    /// <summary>C workers collect every prepared request.</summary>
    private static async Task CollectAllAsync(
        RecoveryApi api, ConcurrentQueue<(string RequestId, IReadOnlyList<string> Group)> ready, ConcurrentQueue<IReadOnlyList<string>> pool, PhaseRecorder recorder, int workers, CancellationToken cancellationToken)
    {
        var failed = new ConcurrentQueue<(string, IReadOnlyList<string>)>();
        await Task.WhenAll(Enumerable.Range(0, workers).Select(_ => Task.Run(
            async () =>
            {
                while (ready.TryDequeue(out var item))
                {
                    var collect = await api.CollectAsync(item.RequestId, cancellationToken).ConfigureAwait(false);
                    if (collect.Ok)
                    {
                        recorder.Add("collect", collect.Milliseconds);
                        pool.Enqueue(item.Group);
                    }
                    else
                    {
                        recorder.Error("collect", collect);
                        failed.Enqueue(item);
                    }
                }
            },
            cancellationToken))).ConfigureAwait(false);

        // Outside the timed work's critical path only in spirit: the window closes when the last worker is done.
        foreach (var (requestId, group) in failed)
        {
            await CleanUpAsync(api, requestId, group, pool, recorder, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>After a failed step: frees the certificates when the request can be cancelled or is over; otherwise they are lost to the run.</summary>
    private static async Task CleanUpAsync(RecoveryApi api, string requestId, IReadOnlyList<string> group, ConcurrentQueue<IReadOnlyList<string>> pool, PhaseRecorder recorder, CancellationToken cancellationToken)
    {
        var status = await api.StatusAsync(requestId, cancellationToken).ConfigureAwait(false);
        var free = status switch
        {
            "AwaitingValidation" or "AwaitingIssue" => await api.CancelAsync(requestId, cancellationToken).ConfigureAwait(false),
            "Completed" or "Cancelled" or "Rejected" => true,
            _ => false,
        };
        if (free)
        {
            pool.Enqueue(group);
        }
        else
        {
            recorder.LoseCertificates();
        }
    }

    /// <summary>
    /// A hundred flows one at a time (twenty when counting SQL). The server's CPU time is read from <c>/proc</c> in
    /// clock ticks of 10 ms, so a step's mean needs many steps to be worth a tenth of a millisecond. With SQL counting,
    /// the commands the server logs (and their logged time) are attributed to the step that ran: the driver waits until
    /// the count stops moving between steps.
    /// </summary>
    private static async Task SequentialAsync(RecoveryApi api, ServerProcess server, ConcurrentQueue<IReadOnlyList<string>> pool, DatabaseResult result, bool countSql, CancellationToken cancellationToken)
    {
        var flows = countSql ? 20 : 100;
        var commands = new Dictionary<string, long>(StringComparer.Ordinal) { ["create"] = 0, ["approve"] = 0, ["collect"] = 0 };
        var time = new Dictionary<string, long>(StringComparer.Ordinal) { ["create"] = 0, ["approve"] = 0, ["collect"] = 0 };
        async Task Settle()
        {
            if (!countSql)
            {
                return;
            }

            // The console logger writes on its own thread: wait until the count stops moving.
            var last = -1L;
            while (server.SqlCommands != last)
            {
                last = server.SqlCommands;
                await Task.Delay(300, cancellationToken).ConfigureAwait(false);
            }
        }

        async Task<StepResult> Step(string name, Func<Task<StepResult>> call)
        {
            await Settle().ConfigureAwait(false);
            // To the nanosecond: a step costs a few milliseconds, and /proc's CPU clock counts in 10 ms ticks.
            var (c0, t0, mark) = (server.SqlCommands, server.SqlMilliseconds, server.RunTimeMark());
            var outcome = await call().ConfigureAwait(false);
            var cpu = server.RunTimeSince(mark);
            await Settle().ConfigureAwait(false);
            commands[name] += server.SqlCommands - c0;
            time[name] += server.SqlMilliseconds - t0;
            result.SequentialCpu[name] = result.SequentialCpu.GetValueOrDefault(name) + cpu.TotalMilliseconds / flows;
            if (!outcome.Ok)
            {
                throw new InvalidOperationException($"A sequential {name} failed: {outcome.Status} {outcome.Code}");
            }

            result.Sequential.Add(name, outcome.Milliseconds);
            return outcome;
        }

        if (!pool.TryDequeue(out var group))
        {
            return;
        }

        for (var i = 0; i < flows; i++)
        {
            var create = await Step("create", () => api.CreateAsync(group, cancellationToken)).ConfigureAwait(false);
            await Step("approve", () => api.ApproveAsync(create.RequestId!, cancellationToken)).ConfigureAwait(false);
            await Step("collect", () => api.CollectAsync(create.RequestId!, cancellationToken)).ConfigureAwait(false);
        }

        pool.Enqueue(group);
        await ReadsAsync(api, server, result, cancellationToken).ConfigureAwait(false);
        if (countSql)
        {
            result.SqlPerStep = commands.ToDictionary(t => t.Key, t => (double)t.Value / flows, StringComparer.Ordinal);
            result.SqlTimePerStep = time.ToDictionary(t => t.Key, t => (double)t.Value / flows, StringComparer.Ordinal);
        }
    }

    /// <summary>The reads whose server CPU per request the run reports: path, and whether it carries a token.</summary>
    internal static readonly (string Path, bool Authenticated)[] Reads =
        [("/health", false), ("/api/me", true), ("/api/people?pageSize=10", true)];

    /// <summary>
    /// Sequential reads on one keep-alive connection: the fixed cost of a request (routing, authentication, resolving
    /// the caller) without the work of a step, in the steady state. Per read, 2,000 unmeasured requests first, then a
    /// wait until the server is idle (<see cref="ServerProcess.WaitIdleAsync"/>: the runtime recompiles the methods they
    /// made hot on a thread of its own, whose CPU would otherwise be charged to the measured requests), then 2,000
    /// measured.
    /// </summary>
    private static async Task ReadsAsync(RecoveryApi api, ServerProcess server, DatabaseResult result, CancellationToken cancellationToken)
    {
        const int warmup = 2_000, measured = 2_000;
        foreach (var (path, authenticated) in Reads)
        {
            for (var i = 0; i < warmup + measured; i++)
            {
                if (i == warmup)
                {
                    await server.WaitIdleAsync(cancellationToken).ConfigureAwait(false);
                    result.ReadCpu[path] = server.CpuTime().TotalMilliseconds;
                    result.ReadRate[path] = Stopwatch.GetTimestamp();
                }

                if (!await api.ReadAsync(path, authenticated, cancellationToken).ConfigureAwait(false))
                {
                    throw new InvalidOperationException($"GET {path} did not answer 200.");
                }
            }

            result.ReadCpu[path] = (server.CpuTime().TotalMilliseconds - result.ReadCpu[path]) / measured;
            result.ReadRate[path] = measured / Stopwatch.GetElapsedTime((long)result.ReadRate[path]).TotalSeconds;
        }
    }

    /// <summary>The journal mode and synchronous level a connection to the server's SQLite file gets by default.</summary>
    private static async Task<string> SqlitePragmasAsync(string dataDirectory, CancellationToken cancellationToken)
    {
        var builder = new Microsoft.Data.Sqlite.SqliteConnectionStringBuilder { DataSource = Path.Combine(dataDirectory, "keyward.db"), Pooling = false };
        var connection = new Microsoft.Data.Sqlite.SqliteConnection(builder.ToString());
        await using (connection.ConfigureAwait(false))
        {
            await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
            var values = new List<string>();
            foreach (var pragma in new[] { "journal_mode", "synchronous", "busy_timeout" })
            {
                var command = connection.CreateCommand();
                await using (command.ConfigureAwait(false))
                {
                    command.CommandText = $"PRAGMA {pragma}";
                    values.Add($"{pragma}={await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false)}");
                }
            }

            return string.Join(", ", values) + " (synchronous: 0 OFF, 1 NORMAL, 2 FULL)";
        }
    }

    private static CpuUse? Average(List<CpuUse> uses)
    {
        if (uses.Count == 0)
        {
            return null;
        }

        var seconds = uses.Sum(u => u.Seconds);
        double Weighted(Func<CpuUse, double> f) => uses.Sum(u => f(u) * u.Seconds) / seconds;
        return new CpuUse(seconds, Weighted(u => u.Server), Weighted(u => u.Driver), Weighted(u => u.Postgres), Weighted(u => u.Machine));
    }

    private static TimeSpan DriverCpu()
    {
        using var self = Process.GetCurrentProcess();
        return self.TotalProcessorTime;
    }

    private static void Progress(string message) => Console.Error.WriteLine($"[{DateTime.UtcNow:HH:mm:ss}] {message}");

    /// <summary>Opens the first collected PFX with its password: the keys are there and match their certificates.</summary>
    private sealed class PfxCheck(int keys)
    {
        private int _done;

        public string? Verified { get; private set; }

        public void Check(StepResult collect)
        {
            if (Interlocked.Exchange(ref _done, 1) == 1)
            {
                return;
            }

            var certificates = X509CertificateLoader.LoadPkcs12Collection(collect.Pfx!, collect.Password);
            try
            {
                var withKey = certificates.Count(c => c.HasPrivateKey);
                Verified = withKey == keys
                    ? $"the first PFX opened with its generated password: {withKey} certificate(s) with private key, {certificates.Count - withKey} chain certificate(s)"
                    : throw new InvalidOperationException($"The collected PFX holds {withKey} keys; {keys} were asked for.");
            }
            finally
            {
                foreach (var certificate in certificates)
                {
                    certificate.Dispose();
                }
            }
        }
    }
}

/// <summary>One collect-only round: n pre-approved requests collected over HTTP, and n PFX builds in-process.</summary>
internal sealed class RoundResult(int requests)
{
    public int Requests { get; } = requests;

    public int Collected { get; set; }

    public double CollectSeconds { get; set; }

    public double FloorSeconds { get; set; }

    public double FloorSingleSeconds { get; set; }

    /// <summary>CPU time the driver used for the C-thread floor builds.</summary>
    public double FloorCpuSeconds { get; set; }

    /// <summary>CPU time the server used while collecting this round.</summary>
    public double ServerCpuSeconds { get; set; }

    public double CollectRate => Collected / CollectSeconds;

    public double FloorRate => Requests / FloorSeconds;

    public double FloorSingleRate => Requests / FloorSingleSeconds;
}

/// <summary>Everything measured on one database.</summary>
internal sealed class DatabaseResult(LoadDatabase database)
{
    public LoadDatabase Database { get; } = database;

    public string? PostgresVersion { get; init; }

    public string? PostgresSettings { get; init; }

    public double StartSeconds { get; set; }

    public double SetupSeconds { get; set; }

    public int IssueConflicts { get; set; }

    public int Iterations { get; set; }

    public string PfxCheck { get; set; } = string.Empty;

    /// <summary>Whether the first collected PFX opened with its generated password and held the keys asked for.</summary>
    public bool PfxOpened { get; set; }

    public PhaseRecorder Flows { get; } = new();

    public double FlowSeconds { get; set; }

    public CpuUse? FlowCpu { get; set; }

    public long FlowSql { get; set; }

    public PhaseRecorder Prepare { get; } = new();

    public PhaseRecorder Collects { get; } = new();

    public CpuUse? CollectCpu { get; set; }


    public List<RoundResult> Rounds { get; } = [];

    public Samples FloorBuilds { get; } = new();

    public Samples FloorSingleBuilds { get; } = new();

    public Dictionary<string, double> SqlPerStep { get; set; } = [];

    public Dictionary<string, double> SqlTimePerStep { get; set; } = [];

    public PhaseRecorder Sequential { get; } = new();

    /// <summary>Server CPU per step, one flow at a time (ms; /proc counts in 10 ms ticks, so read it as an average).</summary>
    public Dictionary<string, double> SequentialCpu { get; } = new(StringComparer.Ordinal);

    /// <summary>Server CPU per request (ms) of each sequential read (<see cref="RecoveryLoad.Reads"/>).</summary>
    public Dictionary<string, double> ReadCpu { get; } = new(StringComparer.Ordinal);

    /// <summary>Sequential requests per second of each read.</summary>
    public Dictionary<string, double> ReadRate { get; } = new(StringComparer.Ordinal);

    public (double P50, double P90) Fsync { get; set; }

    public string? SqlitePragmas { get; set; }

    public long RssAfterStart { get; set; }

    public long RssBySetup { get; set; }

    public long RssByFlows { get; set; }

    public long RssByCollects { get; set; }

    public long RssMaxSampled { get; set; }

    public long RssPeak { get; set; }

    public int MemorySamples { get; set; }
}
