using System.CommandLine;
using Keyward.Cli.Client;

namespace Keyward.Cli.Commands;

/// <summary><c>keyward changes list|show|approve|reject</c>: changes that weaken recovery controls, under dual control.</summary>
internal static class ChangesCommand
{
    public static Command Create()
    {
        var client = new ClientOptions();
        var changes = new Command("changes", "Review, approve and reject changes that weaken recovery controls (never your own).");
        client.AddTo(changes);

        var status = new Option<string?>("--status") { Description = "Pending, Applied or Rejected." };
        var list = new Command("list", "List change requests, newest first.") { status };
        list.SetAction((parse, ct) => client.RunAsync(parse, async (api, output) =>
        {
            var query = parse.GetValue(status) is { } s ? $"?status={Uri.EscapeDataString(s)}" : string.Empty;
            foreach (var c in Lookups.Items(await api.GetAsync($"/api/changeRequests{query}", ct).ConfigureAwait(false), "results"))
            {
                await output.WriteLineAsync(Line(c)).ConfigureAwait(false);
            }
        }));

        var id = new Argument<string>("CHANGE-ID") { Description = "The change request's id." };
        var show = new Command("show", "Show a change request: what it weakens, every changed setting before and after, approvals.") { id };
        show.SetAction((parse, ct) => client.RunAsync(parse, async (api, output) =>
        {
            var c = await api.GetAsync($"/api/changeRequests/{Uri.EscapeDataString(parse.GetValue(id)!)}", ct).ConfigureAwait(false);
            await output.WriteLineAsync(Line(c)).ConfigureAwait(false);
            await output.WriteLineAsync($"  weakens: {Lookups.Text(c, "summary")}").ConfigureAwait(false);
            await output.WriteLineAsync($"  changes: {Lookups.Text(c, "changes")}").ConfigureAwait(false);
            foreach (var a in Lookups.Items(c, "approvals"))
            {
                await output.WriteLineAsync($"  approved by {Lookups.Text(a, "approverName")} at {Lookups.Date(a, "at"):u}{(Lookups.Text(a, "notes") is { } n ? $": {n}" : string.Empty)}").ConfigureAwait(false);
            }
        }));

        var notes = new Option<string?>("--notes") { Description = "Notes kept with the approval." };
        var approveId = new Argument<string>("CHANGE-ID") { Description = "The change request's id." };
        var approve = new Command("approve", "Approve a change someone else asked for; the last approval needed applies it.") { approveId, notes };
        approve.SetAction((parse, ct) => client.RunAsync(parse, async (api, output) =>
        {
            var c = await api.PostAsync($"/api/changeRequests/{Uri.EscapeDataString(parse.GetValue(approveId)!)}/approve", new { notes = parse.GetValue(notes) }, ct).ConfigureAwait(false);
            await output.WriteLineAsync(Line(c)).ConfigureAwait(false);
        }));

        var reason = new Option<string?>("--reason") { Description = "Why." };
        var rejectId = new Argument<string>("CHANGE-ID") { Description = "The change request's id." };
        var reject = new Command("reject", "Reject (or withdraw your own) pending change; nothing is applied.") { rejectId, reason };
        reject.SetAction((parse, ct) => client.RunAsync(parse, async (api, output) =>
        {
            var c = await api.PostAsync($"/api/changeRequests/{Uri.EscapeDataString(parse.GetValue(rejectId)!)}/reject", new { reason = parse.GetValue(reason) }, ct).ConfigureAwait(false);
            await output.WriteLineAsync(Line(c)).ConfigureAwait(false);
        }));

        changes.Subcommands.Add(list);
        changes.Subcommands.Add(show);
        changes.Subcommands.Add(approve);
        changes.Subcommands.Add(reject);
        return changes;
    }

    private static string Line(System.Text.Json.JsonElement c) =>
        $"{Lookups.Text(c, "id")}  {Lookups.Text(c, "status")}  {Lookups.Text(c, "kind")} '{Lookups.Text(c, "targetName")}'  by {Lookups.Text(c, "requestedByName")}  approvals {Lookups.Items(c, "approvals").Count()}/{Lookups.Number(c, "approvalsRequired")}";
}
