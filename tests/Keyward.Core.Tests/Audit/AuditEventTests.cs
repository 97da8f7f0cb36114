using Keyward.Audit;
using Keyward.Recovery;

namespace Keyward.Tests.Audit;

/// <summary>
/// A refusal is audited whatever the caller sent: an entry holds what its columns can (PostgreSQL enforces their
/// lengths and stores no NUL), and is chained over exactly what is stored. Found by the fuzz test on PostgreSQL
/// (finding 8): a 10,000-character route id and a NUL echoed in a refusal's detail failed the save with a 500.
/// </summary>
public class AuditEventTests
{
    private static readonly DateTime At = new(2026, 3, 1, 9, 0, 0, DateTimeKind.Utc);

    [Fact]
    public void Record_ValuesLongerThanTheirColumnsOrWithNul_FitTheColumnsAndChain()
    {
        var huge = new string('A', 10_000);
        var entry = new AuditEntry("p-admin" + huge, "admin" + huge, "certificates.issue" + huge, AuditOutcome.Refused, Channel.Api, "Line 2, field 'email': 'a\0b' " + huge, SubjectId: huge, TargetId: "x\0y", Code: "people.not_found" + huge);

        var recorded = AuditEvent.Record(entry, At);
        recorded.ChainAfter(null);

        Assert.Equal(AuditEvent.MaxIdLength, recorded.ActorId!.Length);
        Assert.Equal(AuditEvent.MaxIdLength, recorded.SubjectId!.Length);
        Assert.Equal(AuditEvent.MaxNameLength, recorded.ActorName.Length);
        Assert.Equal(AuditEvent.MaxCodeLength, recorded.Action.Length);
        Assert.Equal(AuditEvent.MaxCodeLength, recorded.Code!.Length);
        Assert.Equal(AuditEvent.MaxDetailsLength, recorded.Details.Length);
        Assert.StartsWith("Line 2, field 'email': 'a\uFFFDb' AAA", recorded.Details, StringComparison.Ordinal);
        Assert.EndsWith("A…", recorded.Details, StringComparison.Ordinal);
        Assert.Equal("x\uFFFDy", recorded.TargetId);
        Assert.Equal(recorded.ComputeHash(), recorded.Hash);
    }

    [Fact]
    public void Record_ValuesThatFit_AreKeptAsGiven()
    {
        var entry = new AuditEntry("p-admin", "admin", "people.import", AuditOutcome.Succeeded, Channel.Cli, "3 rows: 3 created.", SubjectId: "p-carol", TargetId: "r-1", Code: null);

        var recorded = AuditEvent.Record(entry, At);

        Assert.Equal(("p-admin", "admin", "people.import", "3 rows: 3 created.", "p-carol", "r-1"), (recorded.ActorId, recorded.ActorName, recorded.Action, recorded.Details, recorded.SubjectId, recorded.TargetId));
        Assert.Null(recorded.Code);
    }
}
