using System.CommandLine;
using System.Net.Http.Headers;
using System.Text.Json;
using Keyward.Cli.Client;

namespace Keyward.Cli.Commands;

/// <summary><c>keyward people import FILE</c>.</summary>
internal static class PeopleCommand
{
    public static Command Create()
    {
        var client = new ClientOptions();
        var people = new Command("people", "Manage people on a Keyward server.");
        client.AddTo(people);

        var file = new Argument<FileInfo>("FILE") { Description = "A .csv (header: logonName,name,email,group[,enabled]) or .json file (an array of people)." };
        var import = new Command("import", "Create and update people from a file. One bad row rejects the whole file.") { file };
        import.SetAction(async (parse, cancellationToken) =>
        {
            var path = parse.GetValue(file)!;
            var error = parse.InvocationConfiguration.Error;
            var contentType = path.Extension.ToLowerInvariant() switch
            {
                ".csv" => "text/csv",
                ".json" => "application/json",
                _ => null,
            };
            if (contentType is null)
            {
                await error.WriteLineAsync($"keyward: '{path.Name}' is neither .csv nor .json").ConfigureAwait(false);
                return 2;
            }

            if (!path.Exists)
            {
                await error.WriteLineAsync($"keyward: file not found: {path.FullName}").ConfigureAwait(false);
                return 2;
            }

            return await client.RunAsync(parse, async (api, output) =>
            {
                using var content = new ByteArrayContent(await File.ReadAllBytesAsync(path.FullName, cancellationToken).ConfigureAwait(false));
                content.Headers.ContentType = new MediaTypeHeaderValue(contentType) { CharSet = "utf-8" };
                var summary = await api.SendAsync(HttpMethod.Post, "/api/people/import", content, cancellationToken).ConfigureAwait(false);
                await output.WriteLineAsync(
                    $"Imported {path.Name}: {Count(summary, "created")} created, {Count(summary, "updated")} updated, {Count(summary, "unchanged")} unchanged, {Count(summary, "groupsCreated")} groups created.").ConfigureAwait(false);
            }).ConfigureAwait(false);
        });
        people.Subcommands.Add(import);
        return people;
    }

    private static int Count(JsonElement summary, string name) => summary.TryGetProperty(name, out var v) ? v.GetInt32() : 0;
}
