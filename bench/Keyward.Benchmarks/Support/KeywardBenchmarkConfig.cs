using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Diagnosers;
using BenchmarkDotNet.Jobs;

namespace Keyward.Benchmarks.Support;

/// <summary>
/// What every Keyward benchmark reports: operations per second next to the mean, allocations, and the ratio to
/// the raw-primitive yardstick of its category. The job is short (3 warm-up and 10 measured iterations) so the
/// whole suite runs in a few minutes on two cores; the error column says how far to trust each figure.
/// </summary>
public class KeywardBenchmarkConfig : ManualConfig
{
    public KeywardBenchmarkConfig()
        : this(Job.Default.WithWarmupCount(3).WithIterationCount(10))
    {
    }

    protected KeywardBenchmarkConfig(Job job)
    {
        ArgumentNullException.ThrowIfNull(job);
        AddJob(job.WithId("Keyward"));
        AddColumn(StatisticColumn.OperationsPerSecond);
        AddColumn(CategoriesColumn.Default);
        AddDiagnoser(MemoryDiagnoser.Default);
        AddLogicalGroupRules(BenchmarkLogicalGroupRule.ByCategory);
        WithOrderer(new BenchmarkDotNet.Order.DefaultOrderer(BenchmarkDotNet.Order.SummaryOrderPolicy.Declared));
    }
}
