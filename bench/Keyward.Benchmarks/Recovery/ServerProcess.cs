using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Security.Cryptography;

namespace Keyward.Benchmarks.Recovery;

/// <summary>
/// The product's own <c>keyward server --demo</c> in a child process on a loopback port: the real binary, its
/// own runtime settings, and a process of its own, so that the memory and CPU sampled are the server's alone
/// (an in-process server would share a heap, a GC and a working set with the load driver).
/// </summary>
internal sealed class ServerProcess : IAsyncDisposable
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromMinutes(20);
    private readonly Process _process;
    private readonly string _dataDirectory;
    private readonly Queue<string> _tail = new();
    private readonly StreamWriter? _log;
    private readonly object _gate = new();
    private readonly bool _keepData;
    private long _sqlCommands;
    private long _sqlMilliseconds;

    private ServerProcess(Process process, string dataDirectory, Uri address, string passphrase, StreamWriter? log, bool keepData)
    {
        _process = process;
        _keepData = keepData;
        _dataDirectory = dataDirectory;
        Address = address;
        Passphrase = passphrase;
        _log = log;
    }

    public Uri Address { get; }

    public int Pid => _process.Id;

    public string DataDirectory => _dataDirectory;

    /// <summary>The key store passphrase the server was given (the crypto floor opens the same key store).</summary>
    public string Passphrase { get; }

    /// <summary>SQL commands the server logged so far (only with <c>--count-sql</c>).</summary>
    public long SqlCommands => Interlocked.Read(ref _sqlCommands);

    /// <summary>The execution time EF Core logged for those commands, summed (whole milliseconds per command).</summary>
    public long SqlMilliseconds => Interlocked.Read(ref _sqlMilliseconds);

    /// <summary>The last lines the server wrote, for a failure report.</summary>
    public string Tail
    {
        get
        {
            lock (_gate)
            {
                return string.Join('\n', _tail);
            }
        }
    }

    /// <param name="databaseConnectionString">A PostgreSQL connection string, or null for the embedded SQLite default.</param>
    /// <param name="countSql">Have the server log its SQL commands so that <see cref="SqlCommands"/> counts them.</param>
    /// <param name="logFile">A file that also receives the server's console output, or null.</param>
    /// <param name="cancellationToken">Cancels waiting for the server.</param>
    /// <param name="dataDirectory">
    /// A data folder to keep (the scale run's data set, with <paramref name="passphrase"/>), or null for a temporary one
    /// that is deleted when the server stops.
    /// </param>
    /// <param name="passphrase">The key store passphrase of <paramref name="dataDirectory"/>; null makes a new one.</param>
    /// <param name="environment">More environment variables for the server (settings such as <c>Keyward__Directory__Url</c>).</param>
    public static async Task<ServerProcess> StartAsync(
        string? databaseConnectionString, bool countSql, string? logFile, CancellationToken cancellationToken, string? dataDirectory = null, string? passphrase = null,
        IReadOnlyDictionary<string, string>? environment = null)
    {
        var keepData = dataDirectory is not null;
        var data = dataDirectory ?? Directory.CreateTempSubdirectory("keyward-load-").FullName;
        passphrase ??= Convert.ToBase64String(RandomNumberGenerator.GetBytes(24));
        var port = Keyward.Testing.LoopbackPorts.Free();
        var address = new Uri($"http://127.0.0.1:{port}");
        var binary = Path.Combine(AppContext.BaseDirectory, OperatingSystem.IsWindows() ? "keyward.exe" : "keyward");
        var start = new ProcessStartInfo(binary)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = data,
        };
        foreach (var argument in new[] { "server", "--demo", "--urls", address.ToString().TrimEnd('/'), "--data", data })
        {
            start.ArgumentList.Add(argument);
        }

        start.Environment["KEYWARD_KEYSTORE_PASSPHRASE"] = passphrase;
        foreach (var (name, value) in environment ?? new Dictionary<string, string>())
        {
            start.Environment[name] = value;
        }
        if (databaseConnectionString is not null)
        {
            start.Environment["Keyward__Database__Provider"] = "Postgres";
            start.Environment["Keyward__Database__ConnectionString"] = databaseConnectionString;
        }

        if (countSql)
        {
            // More specific than the server's own "Microsoft.EntityFrameworkCore: Warning" filter, so it wins.
            start.Environment["Logging__LogLevel__Microsoft.EntityFrameworkCore.Database.Command"] = "Information";
            start.Environment["Logging__Console__FormatterName"] = "simple";
        }

        var process = Process.Start(start) ?? throw new InvalidOperationException($"Could not start {binary}.");
        var log = logFile is null ? null : new StreamWriter(logFile, append: true) { AutoFlush = true };
        var server = new ServerProcess(process, data, address, passphrase, log, keepData);
        process.OutputDataReceived += (_, e) => server.Line(e.Data);
        process.ErrorDataReceived += (_, e) => server.Line(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();

        using var probe = new HttpClient { BaseAddress = address, Timeout = TimeSpan.FromSeconds(10) };
        var deadline = Stopwatch.StartNew();
        while (true)
        {
            if (process.HasExited)
            {
                var tail = server.Tail;
                await server.DisposeAsync().ConfigureAwait(false);
                throw new InvalidOperationException($"keyward server exited with {process.ExitCode} before it answered:\n{tail}");
            }

            try
            {
                using var response = await probe.GetAsync(new Uri("/health", UriKind.Relative), cancellationToken).ConfigureAwait(false);
                if (response.StatusCode == HttpStatusCode.OK)
                {
                    return server;
                }
            }
            catch (HttpRequestException)
            {
            }
            catch (TaskCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
            }

            if (deadline.Elapsed > StartTimeout)
            {
                var tail = server.Tail;
                await server.DisposeAsync().ConfigureAwait(false);
                throw new TimeoutException($"keyward server did not answer /health within {StartTimeout}:\n{tail}");
            }

            await Task.Delay(250, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Resident set size now and its peak so far (VmRSS, VmHWM), in bytes.</summary>
    public (long Rss, long Peak) Memory() => ProcessStats.Memory(_process.Id);

    /// <summary>User + system CPU time the server has used so far.</summary>
    public TimeSpan CpuTime() => ProcessStats.CpuTime(_process.Id);

    /// <summary>
    /// CPU time the server's live threads have run so far, to the nanosecond (<see cref="ProcessStats.RunTime"/>): for
    /// one step of a few milliseconds, which the clock ticks of <see cref="CpuTime"/> cannot resolve.
    /// </summary>
    public TimeSpan RunTime() => ProcessStats.RunTime(_process.Id);

    /// <summary>A mark of each server thread's CPU time, for <see cref="RunTimeSince"/>.</summary>
    public Dictionary<int, long> RunTimeMark() => ProcessStats.ThreadRunTimes(_process.Id);

    /// <summary>The server's CPU time since <paramref name="mark"/>, to the nanosecond (<see cref="ProcessStats.RunTimeSince"/>).</summary>
    public TimeSpan RunTimeSince(IReadOnlyDictionary<int, long> mark) => ProcessStats.RunTimeSince(_process.Id, mark);

    /// <summary>
    /// Waits until the server is idle: two half-second windows in a row in which it used under 2 % of a core. After a
    /// start or a burst of new work the runtime keeps recompiling hot methods on a thread of its own for tens of
    /// seconds (tiered compilation); a measurement of one request's CPU must not be charged with that. Gives up after a
    /// minute. Returns how long it waited.
    /// </summary>
    public async Task<TimeSpan> WaitIdleAsync(CancellationToken cancellationToken)
    {
        var window = TimeSpan.FromMilliseconds(500);
        var budget = window * 0.02;
        var waited = Stopwatch.StartNew();
        var quiet = 0;
        while (quiet < 2 && waited.Elapsed < TimeSpan.FromMinutes(1))
        {
            var before = CpuTime();
            await Task.Delay(window, cancellationToken).ConfigureAwait(false);
            quiet = CpuTime() - before < budget ? quiet + 1 : 0;
        }

        return waited.Elapsed;
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            // SIGTERM: the host shuts down cleanly and closes the database.
            using (var kill = Process.Start("kill", ["-TERM", _process.Id.ToString(CultureInfo.InvariantCulture)]))
            {
                await kill.WaitForExitAsync().ConfigureAwait(false);
            }

            using var wait = new CancellationTokenSource(TimeSpan.FromSeconds(20));
            try
            {
                await _process.WaitForExitAsync(wait.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                _process.Kill(entireProcessTree: true);
                await _process.WaitForExitAsync().ConfigureAwait(false);
            }
        }

        _process.Dispose();
        if (_log is not null)
        {
            await _log.DisposeAsync().ConfigureAwait(false);
        }

        if (_keepData)
        {
            return;
        }

        try
        {
            Directory.Delete(_dataDirectory, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    private void Line(string? line)
    {
        if (line is null)
        {
            return;
        }

        var executed = line.IndexOf("Executed DbCommand (", StringComparison.Ordinal);
        if (executed >= 0)
        {
            Interlocked.Increment(ref _sqlCommands);
            var from = executed + "Executed DbCommand (".Length;
            var to = line.IndexOf("ms)", from, StringComparison.Ordinal);
            if (to > from && long.TryParse(line.AsSpan(from, to - from), NumberStyles.AllowThousands, CultureInfo.InvariantCulture, out var ms))
            {
                Interlocked.Add(ref _sqlMilliseconds, ms);
            }
        }

        lock (_gate)
        {
            _log?.WriteLine(line);
            _tail.Enqueue(line);
            while (_tail.Count > 60)
            {
                _tail.Dequeue();
            }
        }
    }

    /// <summary>
    /// How long a durable 4 KB write takes in the data folder (write + fsync, 50 times): the floor of every commit
    /// SQLite makes there in its default synchronous mode, and of PostgreSQL's WAL flush on the same disk.
    /// </summary>
    public static (double P50, double P90) FsyncMilliseconds(string folder)
    {
        var path = Path.Combine(folder, "fsync-probe.bin");
        var block = new byte[4096];
        var samples = new Samples();
        using (var file = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None, 4096, FileOptions.None))
        {
            for (var i = 0; i < 50; i++)
            {
                var started = Stopwatch.GetTimestamp();
                file.Write(block);
                file.Flush(flushToDisk: true);
                samples.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
            }
        }

        File.Delete(path);
        var (p50, p90, _, _) = samples.Percentiles();
        return (p50, p90);
    }

}

/// <summary>Reads a process's memory and CPU time from /proc (Linux).</summary>
internal static class ProcessStats
{
    private const double TicksPerSecond = 100; // USER_HZ: 100 on every Linux the project runs on.

    public static (long Rss, long Peak) Memory(int pid)
    {
        long rss = 0, peak = 0;
        try
        {
            foreach (var line in File.ReadLines($"/proc/{pid}/status"))
            {
                if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
                {
                    rss = Kilobytes(line) * 1024;
                }
                else if (line.StartsWith("VmHWM:", StringComparison.Ordinal))
                {
                    peak = Kilobytes(line) * 1024;
                }
            }
        }
        catch (IOException)
        {
        }

        return (rss, peak);
    }

    /// <summary>
    /// Time the live threads of a process have spent on a CPU, summed from each thread's <c>/proc/PID/task/TID/schedstat</c>
    /// (nanoseconds). Threads that have exited are not counted, so it suits short intervals, not a whole run.
    /// </summary>
    public static TimeSpan RunTime(int pid) => TimeSpan.FromTicks(ThreadRunTimes(pid).Values.Sum() / 100);

    /// <summary>
    /// The CPU time the process's threads have run since <paramref name="mark"/> (a <see cref="ThreadRunTimes"/>), to the
    /// nanosecond: each live thread's time less its time at the mark (a thread started since counts whole, one that
    /// ended since counts nothing), so a thread the runtime retires in between cannot make the difference negative.
    /// </summary>
    public static TimeSpan RunTimeSince(int pid, IReadOnlyDictionary<int, long> mark)
    {
        long nanoseconds = 0;
        foreach (var (thread, now) in ThreadRunTimes(pid))
        {
            nanoseconds += now - mark.GetValueOrDefault(thread);
        }

        return TimeSpan.FromTicks(nanoseconds / 100);
    }

    /// <summary>Each live thread's time on a CPU so far, in nanoseconds, by thread id.</summary>
    public static Dictionary<int, long> ThreadRunTimes(int pid)
    {
        var times = new Dictionary<int, long>();
        try
        {
            foreach (var task in Directory.EnumerateDirectories($"/proc/{pid}/task"))
            {
                try
                {
                    var line = File.ReadAllText(Path.Combine(task, "schedstat"));
                    times[int.Parse(Path.GetFileName(task), CultureInfo.InvariantCulture)] = long.Parse(line.AsSpan(0, line.IndexOf(' ', StringComparison.Ordinal)), CultureInfo.InvariantCulture);
                }
                catch (IOException)
                {
                    // The thread ended between the listing and the read.
                }
            }
        }
        catch (IOException)
        {
        }

        return times;
    }

    /// <param name="pid">The process.</param>
    /// <param name="withReapedChildren">Also count the children it has waited for (cutime, cstime).</param>
    public static TimeSpan CpuTime(int pid, bool withReapedChildren = false)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");

            // Fields after the command name (which may contain spaces) start after the last ')'.
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            var user = long.Parse(fields[11], CultureInfo.InvariantCulture);
            var system = long.Parse(fields[12], CultureInfo.InvariantCulture);
            var children = withReapedChildren ? long.Parse(fields[13], CultureInfo.InvariantCulture) + long.Parse(fields[14], CultureInfo.InvariantCulture) : 0;
            return TimeSpan.FromSeconds((user + system + children) / TicksPerSecond);
        }
        catch (IOException)
        {
            return TimeSpan.Zero;
        }
    }

    /// <summary>CPU time of a process and all its live children (PostgreSQL: the postmaster and its backends).</summary>
    public static TimeSpan TreeCpuTime(int rootPid)
    {
        var total = CpuTime(rootPid, withReapedChildren: true);
        foreach (var folder in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(folder), NumberStyles.None, CultureInfo.InvariantCulture, out var pid) || pid == rootPid)
            {
                continue;
            }

            try
            {
                var stat = File.ReadAllText(Path.Combine(folder, "stat"));
                var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
                if (int.Parse(fields[1], CultureInfo.InvariantCulture) == rootPid)
                {
                    total += CpuTime(pid);
                }
            }
            catch (IOException)
            {
            }
        }

        return total;
    }

    private static long Kilobytes(string line) =>
        long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture);
}
