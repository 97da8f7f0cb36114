using BenchmarkDotNet.Running;

namespace Keyward.Benchmarks;

/// <summary>
/// Runs Keyward's benchmarks. Everything: <c>dotnet run -c Release --project bench/Keyward.Benchmarks -- --filter '*'</c>;
/// one class: <c>--filter '*ArchiveEnvelope*'</c>. docs/performance.md records the figures and how to read them.
/// </summary>
public static class Program
{
    public static void Main(string[] args) => BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
}
