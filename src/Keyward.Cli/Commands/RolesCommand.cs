using System.CommandLine;
using Keyward.Cli.Client;

namespace Keyward.Cli.Commands;

/// <summary><c>keyward roles list|create|assign</c>: roles and role assignments with scopes.</summary>
internal static class RolesCommand
{
    public static Command Create()
    {
        var client = new ClientOptions();
        var roles = new Command("roles", "List and create roles; assign them to people with a scope.");
        client.AddTo(roles);

        var list = new Command("list", "List roles and the operations they grant.");
        list.SetAction((parse, ct) => client.RunAsync(parse, async (api, output) =>
        {
            foreach (var r in (await api.GetAsync("/api/roles", ct).ConfigureAwait(false)).EnumerateArray())
            {
                var operations = string.Join(", ", Lookups.Items(r, "operations").Select(o => o.GetString()));
                await output.WriteLineAsync($"{r.GetProperty("id").GetString()}  {r.GetProperty("name").GetString()}: {operations}").ConfigureAwait(false);
            }
        }));

        var name = new Argument<string>("NAME") { Description = "The role's name, unique." };
        var operation = new Option<string[]>("--operation") { Description = "An operation the role grants (repeatable), e.g. ValidateRequest; see docs/scopes.md.", Required = true, AllowMultipleArgumentsPerToken = true };
        var description = new Option<string?>("--description") { Description = "What the role is for." };
        var create = new Command("create", "Create a role granting operations you hold; you hold the new role too.") { name, operation, description };
        create.SetAction((parse, ct) => client.RunAsync(parse, async (api, output) =>
        {
            var made = await api.PostAsync("/api/roles", new { name = parse.GetValue(name), description = parse.GetValue(description), operations = parse.GetValue(operation) }, ct).ConfigureAwait(false);
            await output.WriteLineAsync($"Role {made.GetProperty("name").GetString()} created ({made.GetProperty("id").GetString()}).").ConfigureAwait(false);
        }));

        var person = new Option<string>("--person") { Description = "The person's logon name or id.", Required = true };
        var role = new Option<string>("--role") { Description = "The role's name or id.", Required = true };
        var scope = new Option<string>("--scope") { Description = "Self, Department, Division or All.", Required = true };
        var adminGroup = new Option<string[]>("--admin-group") { Description = "An administrative group (path) that widens Department or Division (repeatable)." };
        var assign = new Command("assign", "Give a person a role with a scope.") { person, role, scope, adminGroup };
        assign.SetAction((parse, ct) => client.RunAsync(parse, async (api, output) =>
        {
            var id = await Lookups.PersonIdAsync(api, parse.GetValue(person)!, ct).ConfigureAwait(false);
            var made = await api.PostAsync($"/api/people/{Uri.EscapeDataString(id)}/roles", new { role = parse.GetValue(role), scope = parse.GetValue(scope), administrativeGroups = parse.GetValue(adminGroup) ?? [] }, ct).ConfigureAwait(false);
            await output.WriteLineAsync($"{parse.GetValue(person)} holds {made.GetProperty("role").GetString()} with scope {made.GetProperty("scope").GetString()}.").ConfigureAwait(false);
        }));

        roles.Subcommands.Add(list);
        roles.Subcommands.Add(create);
        roles.Subcommands.Add(assign);
        return roles;
    }
}
