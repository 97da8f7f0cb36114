using BenchmarkDotNet.Running;
using Keyward.Benchmarks.Support;

namespace Keyward.Benchmarks;

/// <summary>
/// Runs Keyward's benchmarks. Everything: <c>dotnet run -c Release --project bench/Keyward.Benchmarks -- --filter '*'</c>;
/// one class: <c>--filter '*ArchiveEnvelope*'</c>; the interleaved ratio cross-check: <c>-- --interleaved</c>.
/// docs/performance.md records the figures and how to read them.
/// </summary>
public static class Program
{
    public static void Main(string[] args)
    {
        if (args is ["--interleaved"])
        {
            InterleavedCheck.Run(Console.Out);
            return;
        }

        BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
    }
}
