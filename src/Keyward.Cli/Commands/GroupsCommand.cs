using System.CommandLine;

namespace Keyward.Cli.Commands;

/// <summary><c>keyward groups list|create</c>: the group tree.</summary>
internal static class GroupsCommand
{
    public static Command Create()
    {
        var client = new ClientOptions();
        var groups = new Command("groups", "List and create the groups of the organisation's tree.");
        client.AddTo(groups);

        var list = new Command("list", "List every group by path.");
        list.SetAction((parse, ct) => client.RunAsync(parse, async (api, output) =>
        {
            foreach (var g in (await api.GetAsync("/api/groups", ct).ConfigureAwait(false)).EnumerateArray())
            {
                await output.WriteLineAsync($"{g.GetProperty("id").GetString()}  {g.GetProperty("path").GetString()}").ConfigureAwait(false);
            }
        }));

        var path = new Argument<string>("PATH") { Description = "The group's path, e.g. Acme/Finance/Payroll; missing groups above it are created too." };
        var create = new Command("create", "Create a group (needs ManagePeople with scope All).") { path };
        create.SetAction((parse, ct) => client.RunAsync(parse, async (api, output) =>
        {
            var made = await api.PostAsync("/api/groups", new { path = parse.GetValue(path) }, ct).ConfigureAwait(false);
            await output.WriteLineAsync($"Group {made.GetProperty("path").GetString()} created ({made.GetProperty("id").GetString()}).").ConfigureAwait(false);
        }));

        groups.Subcommands.Add(list);
        groups.Subcommands.Add(create);
        return groups;
    }
}
