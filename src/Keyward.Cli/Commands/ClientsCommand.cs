using System.CommandLine;
using Keyward.Cli.Client;

namespace Keyward.Cli.Commands;

/// <summary><c>keyward clients list|create|rotate</c>: API clients; a new secret is printed once.</summary>
internal static class ClientsCommand
{
    public static Command Create()
    {
        var client = new ClientOptions();
        var clients = new Command("clients", "Register API clients for people and rotate their secrets.");
        client.AddTo(clients);

        var list = new Command("list", "List API clients of people in your scope.");
        list.SetAction((parse, ct) => client.RunAsync(parse, async (api, output) =>
        {
            foreach (var c in (await api.GetAsync("/api/apiClients", ct).ConfigureAwait(false)).EnumerateArray())
            {
                await output.WriteLineAsync($"{c.GetProperty("clientId").GetString()}  {c.GetProperty("displayName").GetString()}").ConfigureAwait(false);
            }
        }));

        var person = new Option<string>("--person") { Description = "The person the client acts as (logon name or id).", Required = true };
        var clientId = new Option<string?>("--id") { Description = "The client id (default: LOGON- and six random characters)." };
        var name = new Option<string?>("--name") { Description = "A display name." };
        var create = new Command("create", "Register a client; its secret is printed once.") { person, clientId, name };
        create.SetAction((parse, ct) => client.RunAsync(parse, async (api, output) =>
        {
            var made = await api.PostAsync("/api/apiClients", new { person = parse.GetValue(person), clientId = parse.GetValue(clientId), displayName = parse.GetValue(name) }, ct).ConfigureAwait(false);
            await WriteSecretAsync(output, made).ConfigureAwait(false);
        }));

        var id = new Argument<string>("CLIENT-ID") { Description = "The client whose secret to replace." };
        var rotate = new Command("rotate", "Give a client a new secret, printed once; the old one stops working.") { id };
        rotate.SetAction((parse, ct) => client.RunAsync(parse, async (api, output) =>
        {
            var made = await api.PostAsync($"/api/apiClients/{Uri.EscapeDataString(parse.GetValue(id)!)}/secret", new { }, ct).ConfigureAwait(false);
            await WriteSecretAsync(output, made).ConfigureAwait(false);
        }));

        clients.Subcommands.Add(list);
        clients.Subcommands.Add(create);
        clients.Subcommands.Add(rotate);
        return clients;
    }

    private static async Task WriteSecretAsync(TextWriter output, System.Text.Json.JsonElement made)
    {
        await output.WriteLineAsync($"client id:     {Lookups.Text(made, "clientId")}").ConfigureAwait(false);
        await output.WriteLineAsync($"client secret: {Lookups.Text(made, "clientSecret")}").ConfigureAwait(false);
        await output.WriteLineAsync("The secret is shown this once; Keyward keeps only its hash.").ConfigureAwait(false);
    }
}
