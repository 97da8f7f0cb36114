using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using Keyward.Crypto.KeyArchive;

namespace Keyward.Benchmarks.Support;

/// <summary>
/// A cross-check of the envelope's ratios that survives a shared machine: BenchmarkDotNet measures one method after
/// the other, so load that comes and goes between them lands in the ratio. Here each round times the raw work and
/// the product back to back (alternating which goes first), and the ratio reported is the median of the per-round
/// ratios. Run with <c>-- --interleaved</c>.
/// </summary>
internal static class InterleavedCheck
{
    private const int Rounds = 31;
    private const int OperationsPerRound = 1_000;

    public static void Run(TextWriter output)
    {
        using var store = new TemporaryKeyStore();
        byte[] pkcs8;
        using (var rsa = RSA.Create(2048))
        {
            pkcs8 = rsa.ExportPkcs8PrivateKey();
        }

        var sha256 = Convert.ToHexStringLower(SHA256.HashData(pkcs8));
        var binding = new CertificateBinding("interleaved", sha256);
        using var raw = new RawPrimitives("interleaved", sha256);
        var envelope = ArchiveEnvelope.Seal(store.Store, pkcs8, binding).Envelope;
        var rawSealed = raw.Seal(pkcs8);
        var rawWrapped = rawSealed.AsSpan(0, RawPrimitives.WrappedKeySize).ToArray();
        var oldKeyEnvelope = envelope;
        store.Store.CreateStorageKey();
        using var aes = Aes.Create();
        var block = new byte[16];
        var blockOut = new byte[16];
        var dataKey = RandomNumberGenerator.GetBytes(32);

        output.WriteLine($"Interleaved pairs: {Rounds} rounds of {OperationsPerRound} operations each side; times are medians per operation.");
        output.WriteLine();
        output.WriteLine("| Pair | Yardstick | Yardstick, per op | Measured | Measured, per op | Ratio (median of rounds) | Rounds at or below 1.25 |");
        output.WriteLine("| --- | --- | ---: | --- | ---: | ---: | ---: |");
        Pair(output, "Seal", "RawSeal", () => raw.Seal(pkcs8), "Seal", () => ArchiveEnvelope.Seal(store.Store, pkcs8, binding));
        Pair(output, "Open", "RawOpen", () => raw.Open(rawSealed), "Open", () => ArchiveEnvelope.Open(store.Store, envelope, binding));
        Pair(output, "Rewrap", "RawRewrap", () => raw.Rewrap(rawWrapped), "Rewrap", () => ArchiveEnvelope.Rewrap(store.Store, oldKeyEnvelope));

        // Where the raw time goes: RFC 5649 of a 32-byte key is 24 AES block operations.
        Pair(
            output,
            "AES-KWP vs 24 AES blocks",
            "24 x EncryptEcb (one block each)",
            () =>
            {
                for (var i = 0; i < 24; i++)
                {
                    aes.EncryptEcb(block, blockOut, PaddingMode.None);
                }
            },
            "EncryptKeyWrapPadded (32 bytes)",
            () => aes.EncryptKeyWrapPadded(dataKey));
    }

    private static void Pair(TextWriter output, string name, string yardstickName, Action yardstick, string measuredName, Action measured)
    {
        var yardstickTimes = new List<double>();
        var measuredTimes = new List<double>();
        var ratios = new List<double>();
        Time(yardstick);
        Time(measured);
        for (var round = 0; round < Rounds; round++)
        {
            double a, b;
            if (round % 2 == 0)
            {
                a = Time(yardstick);
                b = Time(measured);
            }
            else
            {
                b = Time(measured);
                a = Time(yardstick);
            }

            yardstickTimes.Add(a);
            measuredTimes.Add(b);
            ratios.Add(b / a);
        }

        var within = ratios.Count(r => r <= 1.25);
        output.WriteLine(string.Create(
            CultureInfo.InvariantCulture,
            $"| {name} | {yardstickName} | {Median(yardstickTimes):F2} µs | {measuredName} | {Median(measuredTimes):F2} µs | {Median(ratios):F2} | {within}/{Rounds} |"));
    }

    private static double Time(Action action)
    {
        var watch = Stopwatch.StartNew();
        for (var i = 0; i < OperationsPerRound; i++)
        {
            action();
        }

        return watch.Elapsed.TotalMicroseconds / OperationsPerRound;
    }

    private static double Median(List<double> values)
    {
        var sorted = values.Order().ToList();
        return sorted[sorted.Count / 2];
    }
}
