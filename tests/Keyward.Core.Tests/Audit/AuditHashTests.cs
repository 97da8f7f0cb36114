using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Keyward.Audit;
using Keyward.Recovery;

namespace Keyward.Tests.Audit;

/// <summary>
/// The chain's hash (docs/audit.md, "An entry") is written into a reused buffer rather than built as a string per
/// entry. Stored chains must verify exactly as before: the hash of every entry equals what the string-building form
/// computed, for the values that make serialisation hard — missing and empty fields, text beyond ASCII (surrogate
/// pairs, a lone surrogate), details long enough to grow the buffer, instants of every kind.
/// </summary>
public class AuditHashTests
{
    private static readonly DateTime At = new(2026, 3, 1, 9, 0, 0, 123, 456, DateTimeKind.Utc);

    private static readonly string OtherHash = Convert.ToHexStringLower(SHA256.HashData("previous"u8));

    public static TheoryData<string, AuditEntryView> Entries => new()
    {
        { "ordinary", View() },
        { "nulls", View(actorId: null, code: null, subjectId: null, targetId: null) },
        { "empty strings", View(actorId: string.Empty, actorName: string.Empty, action: string.Empty, code: string.Empty, subjectId: string.Empty, targetId: string.Empty, details: string.Empty) },
        { "non-ASCII", View(actorName: "Zoë Ångström", details: "Schlüssel für 監査 wiederhergestellt: 🔑 ok.") },
        { "lone surrogate", View(actorName: "half \uD83D", details: "\uDD11 orphan low, then U+FFFD \uFFFD") },
        { "separators in text", View(actorName: "a|b:c", details: "3:abc|-:|") },
        { "long details", View(details: string.Concat(Enumerable.Repeat("Ünïcödé 監査 🔑 ", 300))[..AuditEvent.MaxDetailsLength]) },
        { "details longer than the column", View(details: new string('é', 10_000)) },
        { "unspecified instant", View(at: DateTime.SpecifyKind(At, DateTimeKind.Unspecified)) },
        { "local instant", View(at: At.ToLocalTime()) },
        { "extreme sequence", View(sequence: long.MaxValue) },
        { "sequence below 1", View(sequence: -7) },
        { "first entry", View(previousHash: AuditEvent.GenesisHash, outcome: AuditOutcome.Failed, channel: Channel.System) },
    };

    [Theory]
    [MemberData(nameof(Entries))]
    public void HashMatches_StoredHashFromTheStringForm_Matches(string name, AuditEntryView entry)
    {
        var stored = entry with { Hash = StringFormHash(entry) };

        Assert.True(AuditEvent.HashMatches(stored), name);
    }

    [Theory]
    [MemberData(nameof(Entries))]
    public void HashMatches_AnyFieldChanged_DoesNotMatch(string name, AuditEntryView entry)
    {
        var stored = entry with { Hash = StringFormHash(entry) };

        AuditEntryView[] altered =
        [
            stored with { Details = stored.Details + "." },
            stored with { ActorId = stored.ActorId is null ? string.Empty : null },
            stored with { Sequence = stored.Sequence ^ 1 },
            stored with { At = stored.At.AddTicks(10) },
            stored with { Outcome = stored.Outcome == AuditOutcome.Failed ? AuditOutcome.Refused : AuditOutcome.Failed },
            stored with { PreviousHash = stored.PreviousHash == OtherHash ? AuditEvent.GenesisHash : OtherHash },
            stored with { Hash = stored.Hash.ToUpperInvariant() },
            stored with { Hash = stored.Hash[..63] },
        ];

        Assert.All(altered, a => Assert.False(AuditEvent.HashMatches(a), $"{name}: {a}"));
    }

    [Fact]
    public void ComputeHash_RecordedEntry_EqualsTheStringForm()
    {
        var recorded = AuditEvent.Record(
            new AuditEntry("p-admin", "Zoë 🔑", "people.import", AuditOutcome.Succeeded, Channel.Cli, new string('監', 5_000), SubjectId: "p-carol", Code: null),
            At);
        recorded.ChainAfter(null);

        var expected = StringFormHash(new AuditEntryView(
            recorded.Sequence, recorded.At, recorded.ActorId, recorded.ActorName, recorded.Action, recorded.Outcome, recorded.Code,
            recorded.SubjectId, recorded.TargetId, recorded.Details, recorded.Channel, string.Empty, recorded.PreviousHash));
        Assert.Equal(expected, recorded.Hash);
    }

    [Fact]
    public void HashMatches_KnownEntry_MatchesTheHashWrittenFromTheDocumentedRule()
    {
        // Computed outside .NET from docs/audit.md's definition: a fixed point that neither form may drift from.
        var entry = new AuditEntryView(
            42, At, "p-admin", "Zoë Ångström 🔑", "people.import", AuditOutcome.Succeeded, null, "p-carol", string.Empty, "3 rows: \"a|b\" 監査.", Channel.Web,
            "f04baceffcf0af4b4918d8db55a7cfd1f126320b9b5c8a49b04334cab1a2ee61", AuditEvent.GenesisHash);

        Assert.True(AuditEvent.HashMatches(entry));
        Assert.Equal(entry.Hash, StringFormHash(entry));
    }

    private static AuditEntryView View(
        long sequence = 1_234_567, DateTime? at = null, string? actorId = "p-admin", string actorName = "admin", string action = "recovery.approve",
        AuditOutcome outcome = AuditOutcome.Succeeded, string? code = "recovery.self_approval", string? subjectId = "p-carol", string? targetId = "r-1",
        string details = "Approved.", Channel channel = Channel.Api, string? previousHash = null) =>
        new(sequence, at ?? At, actorId, actorName, action, outcome, code, subjectId, targetId, details, channel, string.Empty, previousHash ?? OtherHash);

    /// <summary>The hash as Keyward computed it until the hasher wrote into a buffer: one string per entry, then UTF-8.</summary>
    private static string StringFormHash(AuditEntryView e)
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

        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(builder.ToString())));
    }
}
