using System.Globalization;
using System.Text.Json;

namespace Keyward.Cli.Importing;

/// <summary>What an import did, as the server's summary counts it.</summary>
internal readonly record struct ImportTotals(long Created, long Updated, long Unchanged, long GroupsCreated)
{
    public static ImportTotals Zero => default;

    public static ImportTotals From(JsonElement summary) => new(Count(summary, "created"), Count(summary, "updated"), Count(summary, "unchanged"), Count(summary, "groupsCreated"));

    public static ImportTotals operator +(ImportTotals a, ImportTotals b) =>
        new(a.Created + b.Created, a.Updated + b.Updated, a.Unchanged + b.Unchanged, a.GroupsCreated + b.GroupsCreated);

    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{Created:N0} created, {Updated:N0} updated, {Unchanged:N0} unchanged, {GroupsCreated:N0} groups created");

    private static long Count(JsonElement summary, string name) =>
        summary.ValueKind == JsonValueKind.Object && summary.TryGetProperty(name, out var v) ? v.GetInt64() : 0;
}
