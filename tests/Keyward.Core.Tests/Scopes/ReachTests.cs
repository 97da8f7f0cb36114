using Keyward.Scopes;

namespace Keyward.Tests.Scopes;

/// <summary>The filter a list runs in the database and the check a lookup makes are one rule (<see cref="Reach"/>).</summary>
public class ReachTests
{
    private sealed record Row(string Group, string Person);

    /// <summary>Each reach with the group its caller ("me") is in: the caller's rows name that group, as a person's own row does.</summary>
    public static TheoryData<string, Reach, string> Reaches => new()
    {
        { "everyone", new Reach(true, Set(), null), "engineering" },
        { "nobody", Reach.Nobody, "engineering" },
        { "the caller alone", new Reach(false, Set(), "me", "engineering"), "engineering" },
        { "groups without the caller", new Reach(false, Set("finance", "payroll"), null), "engineering" },
        { "groups and the caller outside them", new Reach(false, Set("finance", "payroll"), "me", "engineering"), "engineering" },
        { "groups that hold the caller", new Reach(false, Set("finance", "payroll"), "me", "finance"), "finance" },
    };

    [Theory]
    [MemberData(nameof(Reaches))]
    public void Filter_EveryShapeOfReach_KeepsExactlyTheRowsCoversAccepts(string shape, Reach reach, string callersGroup)
    {
        Row[] rows = [new("finance", "olivia"), new("payroll", "paula"), new("engineering", "erin"), new("finance", "victor"), new(callersGroup, "me")];
        var filter = reach.Filter(Columns).Compile();

        var kept = rows.Where(filter).ToList();

        Assert.Equal(rows.Where(r => reach.Covers(r.Person, r.Group)), kept);
        Assert.True(shape == "nobody" ? kept.Count == 0 : kept.Count > 0, shape);
    }

    private static readonly PersonColumns<Row> Columns = new(r => r.Group, r => r.Person);

    private static HashSet<string> Set(params string[] groups) => new(groups, StringComparer.Ordinal);
}
