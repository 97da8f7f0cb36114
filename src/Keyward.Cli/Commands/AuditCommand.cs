using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Keyward.Cli.Client;
using Spectre.Console;

namespace Keyward.Cli.Commands;

/// <summary><c>keyward audit list|verify</c>: the audit routes of the Core API.</summary>
internal static class AuditCommand
{
    /// <summary>Table width when the output is not a terminal (a file or a pipe), so rows are not squeezed to 80 columns.</summary>
    private const int RedirectedWidth = 200;

    public static Command Create()
    {
        var client = new ClientOptions();
        var audit = new Command("audit", "Read and verify the audit trail of a Keyward server.");
        client.AddTo(audit);

        var action = new Option<string?>("--action") { Description = "Only entries whose action starts with this, e.g. 'people' or 'auth.sign_in'." };
        var subject = new Option<string?>("--subject") { Description = "Only entries about this person: a logon name or a person id." };
        var page = new Option<int?>("--page") { Description = "Page number, from 1 (default 1)." };
        var pageSize = new Option<int?>("--page-size") { Description = "Entries per page (default 50, at most 500)." };
        var list = new Command("list", "List the audit entries within your scope, newest first.") { action, subject, page, pageSize };
        list.SetAction((parse, ct) => client.RunAsync(parse, async (api, output) =>
        {
            var query = new List<string>();
            if (parse.GetValue(action) is { Length: > 0 } prefix)
            {
                query.Add("action=" + Uri.EscapeDataString(prefix));
            }

            if (parse.GetValue(subject) is { Length: > 0 } who)
            {
                query.Add("subjectId=" + Uri.EscapeDataString(await SubjectIdAsync(api, who, ct).ConfigureAwait(false)));
            }

            if (parse.GetValue(page) is { } number)
            {
                query.Add(string.Create(CultureInfo.InvariantCulture, $"page={number}"));
            }

            if (parse.GetValue(pageSize) is { } size)
            {
                query.Add(string.Create(CultureInfo.InvariantCulture, $"pageSize={size}"));
            }

            var entries = await api.SendAsync(HttpMethod.Get, "/api/audit" + (query.Count == 0 ? string.Empty : "?" + string.Join('&', query)), null, ct).ConfigureAwait(false);
            Render(entries, output);
        }));

        var verify = new Command("verify", "Verify the audit trail's hash chain. Exit status 0 when it is intact; 1, naming the first broken entry, when it is not.");
        verify.SetAction((parse, ct) => client.RunAsync(parse, async (api, output) =>
        {
            var result = await api.SendAsync(HttpMethod.Get, "/api/audit/verify", null, ct).ConfigureAwait(false);
            if (!result.GetProperty("intact").GetBoolean())
            {
                var broken = result.GetProperty("firstBrokenSequence").GetInt64();
                throw new KeywardClientException(string.Create(CultureInfo.InvariantCulture, $"audit trail broken at entry {broken}: {result.GetProperty("problem").GetString()}"));
            }

            var head = result.GetProperty("headHash").GetString() ?? "none (the trail is empty)";
            await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"Audit trail intact: {result.GetProperty("entriesChecked").GetInt64()} entries, head {head}")).ConfigureAwait(false);
        }));

        audit.Subcommands.Add(list);
        audit.Subcommands.Add(verify);
        return audit;
    }

    /// <summary>A logon name the caller can see becomes that person's id; anything else is taken as an id.</summary>
    private static async Task<string> SubjectIdAsync(KeywardClient api, string subject, CancellationToken cancellationToken)
    {
        var people = await api.SendAsync(HttpMethod.Get, $"/api/people?logonName={Uri.EscapeDataString(subject)}", null, cancellationToken).ConfigureAwait(false);
        var results = people.GetProperty("results");
        return results.GetArrayLength() == 1 ? results[0].GetProperty("id").GetString()! : subject;
    }

    private static void Render(JsonElement entries, TextWriter output)
    {
        var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(output) });
        if (!ReferenceEquals(output, Console.Out) || Console.IsOutputRedirected)
        {
            console.Profile.Width = RedirectedWidth;
        }

        var results = entries.GetProperty("results");
        var total = entries.GetProperty("total").GetInt32();
        if (results.GetArrayLength() == 0)
        {
            console.WriteLine(total == 0 ? "No audit entries match." : string.Create(CultureInfo.InvariantCulture, $"No entries on this page; {total} match."));
            return;
        }

        var table = new Table().AddColumns("#", "At (UTC)", "Actor", "Action", "Outcome", "Subject", "Target", "Details");
        foreach (var e in results.EnumerateArray())
        {
            table.AddRow(
                Cell(e.GetProperty("sequence").GetInt64().ToString(CultureInfo.InvariantCulture)),
                Cell(e.GetProperty("at").GetDateTimeOffset().UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture)),
                Cell(e.GetProperty("actorName").GetString()),
                Cell(e.GetProperty("action").GetString()),
                Cell(Outcome(e)),
                Cell(e.GetProperty("subjectId").GetString()),
                Cell(e.GetProperty("targetId").GetString()),
                Cell(e.GetProperty("details").GetString()));
        }

        console.Write(table);
        var pageNumber = entries.GetProperty("page").GetInt32();
        var size = entries.GetProperty("pageSize").GetInt32();
        var pages = Math.Max(1, (total + size - 1) / size);
        console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"Page {pageNumber} of {pages}: {results.GetArrayLength()} of {total} entries."));
    }

    private static string Outcome(JsonElement entry)
    {
        var outcome = entry.GetProperty("outcome").GetString() ?? string.Empty;
        return entry.GetProperty("code").GetString() is { } code ? $"{outcome} ({code})" : outcome;
    }

    /// <summary>Plain text: details and names are never read as Spectre markup.</summary>
    private static Text Cell(string? value) => new(value ?? "-");
}
