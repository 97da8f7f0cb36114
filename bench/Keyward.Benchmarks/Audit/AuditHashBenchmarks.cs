using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using BenchmarkDotNet.Attributes;
using Keyward.Audit;
using Keyward.Benchmarks.Support;
using Keyward.Recovery;

namespace Keyward.Benchmarks.Audit;

/// <summary>
/// The CPU cost per entry of the hash check that audit verification makes (docs/audit.md, "Verifying"), beside the raw
/// SHA-256 of the same serialised bytes (the yardstick: what any check of the chain must spend) and the string-building
/// form the verifier used before (a StringBuilder, a string[] and a UTF-8 copy per entry). 1,024 stored entries shaped
/// like the scale data set's (ids, a logon, an action, a sentence); every figure is per entry, on one thread: the
/// verifier hashes a batch on every core at once. Run: <c>-- --filter '*AuditHash*'</c>.
/// </summary>
[Config(typeof(KeywardBenchmarkConfig))]
public class AuditHashBenchmarks
{
    private const int Entries = 1_024;

    private static readonly string[] Actions = ["recovery.request", "recovery.approve", "auth.sign_in", "people.import", "certificates.issue"];

    private AuditEntryView[] _entries = null!;
    private byte[][] _serialised = null!;

    [GlobalSetup]
    public void Setup()
    {
        var random = new Random(20261206);
        var at = new DateTime(2026, 11, 1, 9, 0, 0, DateTimeKind.Utc);
        var previous = AuditEvent.GenesisHash;
        _entries = new AuditEntryView[Entries];
        _serialised = new byte[Entries][];
        for (var i = 0; i < Entries; i++)
        {
            var action = Actions[random.Next(Actions.Length)];
            var logon = string.Create(CultureInfo.InvariantCulture, $"person{random.Next(1_000_000):D7}");
            var refused = random.Next(25) == 0;
            var entry = new AuditEntryView(
                1_000_000 + i, at.AddSeconds(i * 3.1), Id(random), logon, action, refused ? AuditOutcome.Refused : AuditOutcome.Succeeded,
                refused ? "scope.forbidden" : null, Id(random), action.StartsWith("recovery.", StringComparison.Ordinal) ? Id(random) : null,
                refused ? "Refused: outside the caller's scope." : $"{action} for {logon}.", Channel.Api, string.Empty, previous);
            _serialised[i] = Encoding.UTF8.GetBytes(Serialised(entry));
            entry = entry with { Hash = Convert.ToHexStringLower(SHA256.HashData(_serialised[i])) };
            if (!AuditEvent.HashMatches(entry) || !StringFormMatches(entry))
            {
                throw new InvalidOperationException("The benchmark's entries do not verify: the forms disagree.");
            }

            _entries[i] = entry;
            previous = entry.Hash;
        }
    }

    [Benchmark(Baseline = true, OperationsPerInvoke = Entries)]
    public int RawSha256()
    {
        Span<byte> digest = stackalloc byte[SHA256.HashSizeInBytes];
        var sum = 0;
        foreach (var bytes in _serialised)
        {
            SHA256.HashData(bytes, digest);
            sum += digest[0];
        }

        return sum;
    }

    [Benchmark(OperationsPerInvoke = Entries)]
    public int Verifier()
    {
        var intact = 0;
        foreach (var entry in _entries)
        {
            intact += AuditEvent.HashMatches(entry) ? 1 : 0;
        }

        return intact;
    }

    [Benchmark(OperationsPerInvoke = Entries)]
    public int StringForm()
    {
        var intact = 0;
        foreach (var entry in _entries)
        {
            intact += StringFormMatches(entry) ? 1 : 0;
        }

        return intact;
    }

    private static string Id(Random random) => Guid.CreateVersion7(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero).AddSeconds(random.Next())).ToString("N");

    /// <summary>The check as the verifier made it before it hashed into a buffer.</summary>
    private static bool StringFormMatches(AuditEntryView e) =>
        string.Equals(Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(Serialised(e)))), e.Hash, StringComparison.Ordinal);

    private static string Serialised(AuditEntryView e)
    {
        var builder = new StringBuilder();
        foreach (var field in new[]
                 {
                     e.PreviousHash, e.Sequence.ToString(CultureInfo.InvariantCulture),
                     e.At.ToUniversalTime().Ticks.ToString(CultureInfo.InvariantCulture), e.ActorId, e.ActorName, e.Action,
                     ((int)e.Outcome).ToString(CultureInfo.InvariantCulture), e.Code, e.SubjectId, e.TargetId, e.Details,
                     ((int)e.Channel).ToString(CultureInfo.InvariantCulture),
                 })
        {
            builder.Append(field?.Length.ToString(CultureInfo.InvariantCulture) ?? "-").Append(':').Append(field).Append('|');
        }

        return builder.ToString();
    }
}
