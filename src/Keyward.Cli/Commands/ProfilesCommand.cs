using System.CommandLine;
using System.Net.Http.Json;
using System.Text;
using Keyward.Cli.Client;

namespace Keyward.Cli.Commands;

/// <summary><c>keyward profiles list|create|update</c>: credential profiles, their settings in a JSON file.</summary>
internal static class ProfilesCommand
{
    public static Command Create()
    {
        var client = new ClientOptions();
        var profiles = new Command("profiles", "List, create and change credential profiles (changes that weaken recovery controls wait for other administrators' approval).");
        client.AddTo(profiles);

        var list = new Command("list", "List the credential profiles you may use (every one with ManageProfiles).");
        list.SetAction((parse, ct) => client.RunAsync(parse, async (api, output) =>
        {
            foreach (var p in Lookups.Items(await api.GetAsync("/api/credentialProfiles?pageSize=500", ct).ConfigureAwait(false), "results"))
            {
                await output.WriteLineAsync(
                    $"{p.GetProperty("id").GetString()}  {p.GetProperty("name").GetString()}  {p.GetProperty("cardEncoding").GetString()}  approvals {p.GetProperty("approvalsRequired").GetInt32()}  " +
                    $"validate: {string.Join(", ", Lookups.Items(p, "canValidate").Select(r => r.GetString()))}").ConfigureAwait(false);
            }
        }));

        var file = new Option<FileInfo>("--file") { Description = "The profile's settings as JSON (docs/operations.md#administration); role lists name roles.", Required = true };
        var create = new Command("create", "Create a credential profile.") { file };
        create.SetAction((parse, ct) => client.RunAsync(parse, async (api, output) =>
        {
            using var content = await BodyAsync(parse.GetValue(file)!, ct).ConfigureAwait(false);
            var made = await api.SendAsync(HttpMethod.Post, "/api/credentialProfiles", content, ct).ConfigureAwait(false);
            await output.WriteLineAsync($"Profile {made.GetProperty("name").GetString()} created ({made.GetProperty("id").GetString()}).").ConfigureAwait(false);
        }));

        var name = new Argument<string>("PROFILE") { Description = "The profile's current name or id." };
        var updateFile = new Option<FileInfo>("--file") { Description = "Every setting of the profile as JSON.", Required = true };
        var update = new Command("update", "Replace a profile's settings.") { name, updateFile };
        update.SetAction((parse, ct) => client.RunAsync(parse, async (api, output) =>
        {
            var wanted = parse.GetValue(name)!;
            var id = Lookups.Items(await api.GetAsync("/api/credentialProfiles?pageSize=500", ct).ConfigureAwait(false), "results")
                         .Where(p => p.GetProperty("id").GetString() == wanted || string.Equals(p.GetProperty("name").GetString(), wanted, StringComparison.OrdinalIgnoreCase))
                         .Select(p => p.GetProperty("id").GetString()).FirstOrDefault()
                     ?? throw new KeywardClientException($"no credential profile is named '{wanted}' (profiles.not_found)", 404, "profiles.not_found");
            using var content = await BodyAsync(parse.GetValue(updateFile)!, ct).ConfigureAwait(false);
            await ChangeOutcome.WriteAsync(output, "profile", await api.SendAsync(HttpMethod.Put, $"/api/credentialProfiles/{Uri.EscapeDataString(id)}", content, ct).ConfigureAwait(false)).ConfigureAwait(false);
        }));

        profiles.Subcommands.Add(list);
        profiles.Subcommands.Add(create);
        profiles.Subcommands.Add(update);
        return profiles;
    }

    private static async Task<StringContent> BodyAsync(FileInfo file, CancellationToken ct) =>
        new(await File.ReadAllTextAsync(file.FullName, ct).ConfigureAwait(false), Encoding.UTF8, "application/json");
}
