using System.CommandLine;
using System.Globalization;
using System.Text.Json;

namespace Keyward.Cli.Commands;

/// <summary><c>keyward directory sync [--full]</c>: a directory sync run on the server, and its report.</summary>
internal static class DirectoryCommand
{
    public static Command Create()
    {
        var client = new ClientOptions();
        var directory = new Command("directory", "Sync people and groups from the organisation's directory (LDAP, Active Directory).");
        client.AddTo(directory);

        var full = new Option<bool>("--full") { Description = "Read every entry, not only those changed since the last run; people who left the directory are disabled." };
        var sync = new Command("sync", "Run a directory sync now (needs ManagePeople with scope All) and print its report.") { full };
        sync.SetAction((parse, ct) => client.RunAsync(parse, async (api, output) =>
        {
            var path = parse.GetValue(full) ? "/api/directory/sync?full=true" : "/api/directory/sync";
            var report = await api.SendAsync(HttpMethod.Post, path, null, ct).ConfigureAwait(false);
            await output.WriteLineAsync(Summary(report)).ConfigureAwait(false);
            var refusals = report.GetProperty("refusals");
            if (refusals.GetArrayLength() > 0)
            {
                await output.WriteLineAsync("Refused:").ConfigureAwait(false);
                foreach (var refusal in refusals.EnumerateArray())
                {
                    var logon = refusal.GetProperty("logonName").GetString();
                    await output.WriteLineAsync($"  {refusal.GetProperty("entry").GetString()}{(logon is null ? string.Empty : $" ({logon})")}: {refusal.GetProperty("reason").GetString()}").ConfigureAwait(false);
                }

                var more = report.GetProperty("refused").GetInt32() - refusals.GetArrayLength();
                if (more > 0)
                {
                    await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"  … and {more} more (see the server's answer or run again after fixing these).")).ConfigureAwait(false);
                }
            }
        }));

        directory.Subcommands.Add(sync);
        return directory;
    }

    private static string Summary(JsonElement r) => string.Create(
        CultureInfo.InvariantCulture,
        $"Directory sync ({(r.GetProperty("full").GetBoolean() ? "full" : "incremental")}): {Count(r, "read")} read, {Count(r, "created")} created, {Count(r, "updated")} updated, {Count(r, "moved")} moved, {Count(r, "disabled")} disabled, {Count(r, "unchanged")} unchanged, {Count(r, "refused")} refused, {Count(r, "groupsCreated")} groups created.");

    private static int Count(JsonElement summary, string name) => summary.TryGetProperty(name, out var v) ? v.GetInt32() : 0;
}
