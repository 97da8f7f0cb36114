using BenchmarkDotNet.Running;
using Keyward.Benchmarks.Cards;
using Keyward.Benchmarks.Recovery;
using Keyward.Benchmarks.Scale;
using Keyward.Benchmarks.Support;

namespace Keyward.Benchmarks;

/// <summary>
/// Runs Keyward's benchmarks. Everything: <c>dotnet run -c Release --project bench/Keyward.Benchmarks -- --filter '*'</c>;
/// one class: <c>--filter '*ArchiveEnvelope*'</c>; the interleaved ratio cross-check: <c>-- --interleaved</c>;
/// end-to-end key recovery over HTTP against a real server: <c>-- recovery [options]</c> (<c>-- recovery --help</c>);
/// collecting keys onto a SoftHSM2 token beside the raw PKCS#11 writes: <c>-- cards [options]</c> (<c>-- cards --help</c>);
/// the read queries of a large organisation per scope: <c>-- scale [options]</c> (<c>-- scale --help</c>).
/// docs/performance.md records the figures and how to read them.
/// </summary>
public static class Program
{
    public static int Main(string[] args)
    {
        if (args is ["recovery", .. var rest])
        {
            if (rest is ["--help"] or ["-h"])
            {
                Console.WriteLine(LoadOptions.Usage);
                return 0;
            }

            return RecoveryLoad.RunAsync(rest).GetAwaiter().GetResult();
        }

        if (args is ["cards", .. var cards])
        {
            if (cards is ["--help"] or ["-h"])
            {
                Console.WriteLine(CardsOptions.Usage);
                return 0;
            }

            return CardsLoad.RunAsync(cards).GetAwaiter().GetResult();
        }

        if (args is ["scale", .. var scale])
        {
            if (scale is ["--help"] or ["-h"])
            {
                Console.WriteLine(ScaleOptions.Usage);
                return 0;
            }

            return ScaleRun.RunAsync(scale).GetAwaiter().GetResult();
        }

        if (args is ["--interleaved"])
        {
            InterleavedCheck.Run(Console.Out);
            return 0;
        }

        BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
        return 0;
    }
}
