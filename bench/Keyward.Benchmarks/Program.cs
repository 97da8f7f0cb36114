using BenchmarkDotNet.Running;
using Keyward.Benchmarks.Cards;
using Keyward.Benchmarks.DirectorySync;
using Keyward.Benchmarks.People;
using Keyward.Benchmarks.Recovery;
using Keyward.Benchmarks.Scale;
using Keyward.Benchmarks.Support;

namespace Keyward.Benchmarks;

/// <summary>
/// Runs Keyward's benchmarks. Everything: <c>dotnet run -c Release --project bench/Keyward.Benchmarks -- --filter '*'</c>;
/// one class: <c>--filter '*ArchiveEnvelope*'</c>; the interleaved ratio cross-check: <c>-- --interleaved</c>;
/// end-to-end key recovery over HTTP against a real server: <c>-- recovery [options]</c> (<c>-- recovery --help</c>);
/// collecting keys onto a SoftHSM2 token beside the raw PKCS#11 writes: <c>-- cards [options]</c> (<c>-- cards --help</c>);
/// directory sync of a generated slapd directory into a real server beside the raw paged search: <c>-- directory [--people N]</c>
/// (<c>-- directory --help</c>);
/// importing people (40,000 and 50,000 in one request, 1,000,000 in parts) through <c>keyward people import</c>:
/// <c>-- import [options]</c> (<c>-- import --help</c>);
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

        if (args is ["directory", .. var directory])
        {
            if (directory is ["--help"] or ["-h"])
            {
                Console.WriteLine(DirectorySyncLoad.Usage);
                return 0;
            }

            return DirectorySyncLoad.RunAsync(directory).GetAwaiter().GetResult();
        }

        if (args is ["import", .. var import])
        {
            if (import is ["--help"] or ["-h"])
            {
                Console.WriteLine(ImportLoad.Usage);
                return 0;
            }

            return ImportLoad.RunAsync(import).GetAwaiter().GetResult();
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
