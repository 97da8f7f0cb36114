using System.CommandLine;
using System.Net.Http.Json;
using System.Text.Json;
using Keyward.Cli.Client;

namespace Keyward.Cli.Commands;

/// <summary><c>keyward policies list|create|update</c>: certificate policies.</summary>
internal static class PoliciesCommand
{
    public static Command Create()
    {
        var client = new ClientOptions();
        var policies = new Command("policies", "List, create and change certificate policies (turning key archival off waits for another administrator's approval).");
        client.AddTo(policies);

        var list = new Command("list", "List certificate policies.");
        list.SetAction((parse, ct) => client.RunAsync(parse, async (api, output) =>
        {
            foreach (var p in (await api.GetAsync("/api/certificatePolicies", ct).ConfigureAwait(false)).EnumerateArray())
            {
                await output.WriteLineAsync($"{p.GetProperty("id").GetString()}  {p.GetProperty("name").GetString()}  {p.GetProperty("keyAlgorithm").GetString()}  {p.GetProperty("keyUsage").GetString()}  {p.GetProperty("validityDays").GetInt32()} days{(p.GetProperty("archiveKeys").GetBoolean() ? "  keys archived" : string.Empty)}").ConfigureAwait(false);
            }
        }));

        policies.Subcommands.Add(list);
        policies.Subcommands.Add(Settings(client, "create", "Create a certificate policy."));
        policies.Subcommands.Add(Settings(client, "update", "Replace a policy's settings (by name or id)."));
        return policies;
    }

    private static Command Settings(ClientOptions client, string verb, string description)
    {
        var name = new Argument<string>("NAME") { Description = verb == "create" ? "The policy's name, unique." : "The policy's current name or id." };
        var newName = new Option<string?>("--name") { Description = "A new name." };
        var algorithm = new Option<string>("--algorithm") { Description = "Rsa2048, Rsa3072, Rsa4096, EcdsaP256 or EcdsaP384.", DefaultValueFactory = _ => "Rsa2048" };
        var usage = new Option<string>("--usage") { Description = "Signing, Encryption and/or Authentication, comma-separated.", Required = true };
        var validity = new Option<int>("--validity-days") { Description = "Validity in days (1 to 36500).", DefaultValueFactory = _ => 365 };
        var archive = new Option<bool>("--archive-keys") { Description = "Keyward makes and archives the key (encryption keys only)." };
        var command = new Command(verb, description) { name, newName, algorithm, usage, validity, archive };
        command.SetAction((parse, ct) => client.RunAsync(parse, async (api, output) =>
        {
            var body = new { name = parse.GetValue(newName) ?? parse.GetValue(name), keyAlgorithm = parse.GetValue(algorithm), keyUsage = parse.GetValue(usage), validityDays = parse.GetValue(validity), archiveKeys = parse.GetValue(archive) };
            if (verb == "create")
            {
                var made = await api.PostAsync("/api/certificatePolicies", body, ct).ConfigureAwait(false);
                await output.WriteLineAsync($"Policy {made.GetProperty("name").GetString()} created ({made.GetProperty("id").GetString()}).").ConfigureAwait(false);
                return;
            }

            var id = await IdAsync(api, parse.GetValue(name)!, ct).ConfigureAwait(false);
            using var content = JsonContent.Create(body);
            await ChangeOutcome.WriteAsync(output, "policy", await api.SendAsync(HttpMethod.Put, $"/api/certificatePolicies/{Uri.EscapeDataString(id)}", content, ct).ConfigureAwait(false)).ConfigureAwait(false);
        }));
        return command;
    }

    private static async Task<string> IdAsync(KeywardClient api, string nameOrId, CancellationToken ct)
    {
        var all = await api.GetAsync("/api/certificatePolicies", ct).ConfigureAwait(false);
        return all.EnumerateArray().Where(p => p.GetProperty("id").GetString() == nameOrId || string.Equals(p.GetProperty("name").GetString(), nameOrId, StringComparison.OrdinalIgnoreCase))
                   .Select(p => p.GetProperty("id").GetString()).FirstOrDefault()
               ?? throw new KeywardClientException($"no certificate policy is named '{nameOrId}' (certificates.no_such_policy)", 404, "certificates.no_such_policy");
    }
}

/// <summary>Prints the answer of a profile or policy change: applied now, or a change request waiting for approval.</summary>
internal static class ChangeOutcome
{
    public static async Task WriteAsync(TextWriter output, string what, JsonElement answer)
    {
        if (answer.TryGetProperty("pending", out var pending) && pending.ValueKind == JsonValueKind.Object)
        {
            await output.WriteLineAsync(
                $"The change weakens recovery controls ({pending.GetProperty("summary").GetString()}): change request {pending.GetProperty("id").GetString()} waits for {pending.GetProperty("approvalsRequired").GetInt32()} approval(s) by other administrators (keyward changes approve ID).").ConfigureAwait(false);
            return;
        }

        await output.WriteLineAsync($"The {what} {answer.GetProperty("applied").GetProperty("name").GetString()} was changed.").ConfigureAwait(false);
    }
}
