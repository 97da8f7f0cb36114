using System.Diagnostics;
using System.Globalization;

namespace Keyward.Benchmarks.Recovery;

/// <summary>Latency samples of one kind (a step, a whole flow, a PFX build).</summary>
internal sealed class Samples
{
    private readonly List<double> _values = [];

    public int Count => _values.Count;

    public void Add(double milliseconds) => _values.Add(milliseconds);

    public void AddRange(IEnumerable<double> milliseconds) => _values.AddRange(milliseconds);

    /// <summary>p50, p90, p99 (nearest rank) and the maximum, in milliseconds.</summary>
    public (double P50, double P90, double P99, double Max) Percentiles()
    {
        if (_values.Count == 0)
        {
            return (double.NaN, double.NaN, double.NaN, double.NaN);
        }

        var sorted = _values.Order().ToArray();
        double At(double p) => sorted[Math.Clamp((int)Math.Ceiling(p * sorted.Length) - 1, 0, sorted.Length - 1)];
        return (At(0.50), At(0.90), At(0.99), sorted[^1]);
    }
}

/// <summary>What the workers of one phase saw: latencies of successful steps, failures by step and code.</summary>
internal sealed class PhaseRecorder
{
    private readonly object _gate = new();
    private readonly Dictionary<string, Samples> _steps = new(StringComparer.Ordinal);
    private readonly SortedDictionary<string, int> _errors = new(StringComparer.Ordinal);
    private int _lost;

    /// <summary>Certificates left in a request that cannot be cancelled (InProgress after a failed collect).</summary>
    public int Lost => _lost;

    public int ErrorCount
    {
        get
        {
            lock (_gate)
            {
                return _errors.Values.Sum();
            }
        }
    }

    public IReadOnlyDictionary<string, int> Errors
    {
        get
        {
            lock (_gate)
            {
                return new SortedDictionary<string, int>(_errors, StringComparer.Ordinal);
            }
        }
    }

    public void Add(string step, double milliseconds)
    {
        lock (_gate)
        {
            if (!_steps.TryGetValue(step, out var samples))
            {
                _steps[step] = samples = new Samples();
            }

            samples.Add(milliseconds);
        }
    }

    public void Error(string step, StepResult result)
    {
        var key = string.Create(CultureInfo.InvariantCulture, $"{step}: {result.Status} {result.Code}");
        lock (_gate)
        {
            _errors[key] = _errors.GetValueOrDefault(key) + 1;
        }
    }

    public void LoseCertificates() => Interlocked.Increment(ref _lost);

    public Samples Step(string step)
    {
        lock (_gate)
        {
            return _steps.TryGetValue(step, out var samples) ? samples : new Samples();
        }
    }
}

/// <summary>CPU used during a phase by the server, the load driver, PostgreSQL, and everything else on the machine.</summary>
internal sealed record CpuUse(double Seconds, double Server, double Driver, double Postgres, double Machine)
{
    /// <summary>Cores' worth of CPU used by processes that are not part of the run.</summary>
    public double Other => Math.Max(0, Machine - Server - Driver - Postgres);
}

/// <summary>Snapshots CPU counters at the start of a phase and reports the difference at its end.</summary>
internal sealed class CpuMeter
{
    private readonly ServerProcess _server;
    private readonly int? _postgresPid;
    private long _started;
    private TimeSpan _server0;
    private TimeSpan _driver0;
    private TimeSpan _postgres0;
    private double _machine0;

    public CpuMeter(ServerProcess server, int? postgresPid)
    {
        _server = server;
        _postgresPid = postgresPid;
    }

    public void Start()
    {
        _started = Stopwatch.GetTimestamp();
        _server0 = _server.CpuTime();
        _driver0 = DriverCpu();
        _postgres0 = _postgresPid is { } pid ? ProcessStats.TreeCpuTime(pid) : TimeSpan.Zero;
        _machine0 = MachineBusySeconds();
    }

    public CpuUse Stop()
    {
        var wall = Stopwatch.GetElapsedTime(_started).TotalSeconds;
        var server = (_server.CpuTime() - _server0).TotalSeconds;
        var driver = (DriverCpu() - _driver0).TotalSeconds;
        var postgres = _postgresPid is { } pid ? (ProcessStats.TreeCpuTime(pid) - _postgres0).TotalSeconds : 0;
        var machine = MachineBusySeconds() - _machine0;
        return new CpuUse(wall, server / wall, driver / wall, postgres / wall, machine / wall);
    }

    private static TimeSpan DriverCpu()
    {
        using var self = Process.GetCurrentProcess();
        return self.TotalProcessorTime;
    }

    /// <summary>Busy CPU seconds of the whole machine since boot (all cores): /proc/stat less idle and iowait.</summary>
    private static double MachineBusySeconds()
    {
        try
        {
            var line = File.ReadLines("/proc/stat").First(l => l.StartsWith("cpu ", StringComparison.Ordinal));
            var fields = line.Split(' ', StringSplitOptions.RemoveEmptyEntries).Skip(1).Take(8).Select(f => long.Parse(f, CultureInfo.InvariantCulture)).ToArray();
            var idle = fields[3] + fields[4];
            return (fields.Sum() - idle) / 100.0;
        }
        catch (IOException)
        {
            return 0;
        }
    }
}

/// <summary>Samples the server's resident memory every 250 ms and remembers the highest value per phase.</summary>
internal sealed class MemorySampler : IAsyncDisposable
{
    private readonly ServerProcess _server;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;
    private readonly object _gate = new();
    private readonly Dictionary<string, long> _maxByPhase = new(StringComparer.Ordinal);
    private volatile string _phase = "start";

    public MemorySampler(ServerProcess server)
    {
        _server = server;
        _loop = Task.Run(LoopAsync);
    }

    public string Phase
    {
        set
        {
            _phase = value;
            Sample();
        }
    }

    public long Max
    {
        get
        {
            lock (_gate)
            {
                return _maxByPhase.Count == 0 ? 0 : _maxByPhase.Values.Max();
            }
        }
    }

    public long MaxOf(string phase)
    {
        lock (_gate)
        {
            return _maxByPhase.GetValueOrDefault(phase);
        }
    }

    public int Samples { get; private set; }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        try
        {
            await _loop.ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
        }

        _stop.Dispose();
    }

    private async Task LoopAsync()
    {
        using var timer = new PeriodicTimer(TimeSpan.FromMilliseconds(250));
        while (await timer.WaitForNextTickAsync(_stop.Token).ConfigureAwait(false))
        {
            Sample();
        }
    }

    private void Sample()
    {
        var (rss, _) = _server.Memory();
        lock (_gate)
        {
            Samples++;
            var phase = _phase;
            if (rss > _maxByPhase.GetValueOrDefault(phase))
            {
                _maxByPhase[phase] = rss;
            }
        }
    }
}
