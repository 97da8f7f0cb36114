using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Keyward.Cli.Client;
using Spectre.Console;
using static Keyward.Cli.Client.Lookups;

namespace Keyward.Cli.Commands;

/// <summary>
/// <c>keyward requests list|show|create|update|approve|reject|cancel</c>: the key recovery requests of the Core API
/// (docs/recovery.md). Every call names the <c>cli</c> channel, so request history shows the keyward command.
/// </summary>
internal static class RequestsCommand
{
    /// <summary>The request statuses (docs/recovery.md#lifecycle), as the server spells them.</summary>
    public static readonly IReadOnlyList<string> Statuses = ["AwaitingValidation", "AwaitingIssue", "InProgress", "Completed", "Rejected", "Cancelled", "Failed"];

    /// <summary>The steps a request's <c>actions</c> may offer (docs/recovery.md#what-a-request-answer-carries), in the order shown.</summary>
    private static readonly string[] ActionNames = ["approve", "reject", "cancel", "collect"];

    public static Command Create()
    {
        var client = new ClientOptions();
        var requests = new Command("requests", "Request, review, approve, reject and cancel key recovery requests.");
        client.AddTo(requests);
        requests.Subcommands.Add(List(client));
        requests.Subcommands.Add(Show(client));
        requests.Subcommands.Add(CreateRequest(client));
        requests.Subcommands.Add(Update(client));
        requests.Subcommands.Add(Decide(client, "approve", "Approve a request awaiting validation (dual control: never the requester or the recipient).", "--notes", "Notes kept in the request's history.", "approve", "notes", "approved"));
        requests.Subcommands.Add(Decide(client, "reject", "Reject a request awaiting validation; one rejection ends it.", "--reason", "Why; kept in the request's history.", "reject", "reason", "rejected"));
        requests.Subcommands.Add(Decide(client, "cancel", "Cancel a request that has not been collected.", "--reason", "Why; kept in the request's history.", "cancel", "reason", "cancelled"));
        return requests;
    }

    private static Command List(ClientOptions client)
    {
        var status = new Option<string?>("--status") { HelpName = "STATUS", Description = $"Only requests in this status: {string.Join(", ", Statuses)}. AwaitingValidation asked by a validator is their review queue." };
        var target = new Option<string?>("--target") { HelpName = "LOGON-OR-ID", Description = "Only requests for this person (logon name or id)." };
        var page = new Option<int?>("--page") { HelpName = "N", Description = "Page number, from 1." };
        var pageSize = new Option<int?>("--page-size") { HelpName = "N", Description = "Requests per page (default 50, at most 500)." };
        var json = new Option<bool>("--json") { Description = "Print the server's JSON answer instead of a table." };
        var list = new Command("list", "List the requests you may see, newest first.") { status, target, page, pageSize, json };
        list.SetAction((parse, ct) => client.RunAsync(parse, async (api, output) =>
        {
            var query = new List<string>();
            if (parse.GetValue(status) is { } wanted)
            {
                var canonical = Statuses.FirstOrDefault(s => s.Equals(wanted.Trim(), StringComparison.OrdinalIgnoreCase))
                                ?? throw new UsageException($"--status '{wanted}' is not a request status; use one of {string.Join(", ", Statuses)}");
                query.Add("status=" + canonical);
            }

            if (parse.GetValue(target) is { } person)
            {
                query.Add("targetId=" + Uri.EscapeDataString(await PersonIdAsync(api, person, ct).ConfigureAwait(false)));
            }

            if (parse.GetValue(page) is { } number)
            {
                query.Add("page=" + Positive(number, "--page"));
            }

            if (parse.GetValue(pageSize) is { } size)
            {
                query.Add("pageSize=" + Positive(size, "--page-size"));
            }

            var answer = await api.GetAsync("/api/requests" + (query.Count == 0 ? string.Empty : "?" + string.Join('&', query)), ct).ConfigureAwait(false);
            if (parse.GetValue(json))
            {
                await output.WriteLineAsync(answer.GetRawText()).ConfigureAwait(false);
                return;
            }

            var console = Terminal.For(output);
            var results = Items(answer, "results").ToList();
            var total = Number(answer, "total");
            if (results.Count == 0)
            {
                console.WriteLine(total == 0 ? "No requests." : $"No requests on page {Number(answer, "page")} ({total} in all).");
                return;
            }

            var table = new Table().AddColumns("Id", "Kind", "Status", "Target", "Profile", "Created", "Approvals");
            foreach (var request in results)
            {
                table.AddRow(
                    Terminal.Cell(Text(request, "id")),
                    Terminal.Cell(Text(request, "kind")),
                    Terminal.Cell(Text(request, "status")),
                    Terminal.Cell(Text(request, "targetName") ?? Text(request, "targetId")),
                    Terminal.Cell(Text(request, "credentialProfileName") ?? Text(request, "credentialProfileId")),
                    Terminal.Cell(Terminal.When(Date(request, "createdAt"))),
                    Terminal.Cell(Approvals(request)));
            }

            console.Write(table);
            var perPage = Math.Max(1, Number(answer, "pageSize"));
            console.WriteLine($"Page {Number(answer, "page")} of {Math.Max(1, (total + perPage - 1) / perPage)}; {total} request(s) in all.");
        }));
        return list;
    }

    private static Command Show(ClientOptions client)
    {
        var id = new Argument<string>("ID") { Description = "The request's id." };
        var json = new Option<bool>("--json") { Description = "Print the server's JSON answer instead of tables." };
        var show = new Command("show", "Show one request: its details, how it is collected, what you may do with it now, its certificates, approvals and history.") { id, json };
        show.SetAction((parse, ct) => client.RunAsync(parse, async (api, output) =>
        {
            var request = await api.GetAsync(RequestPath(parse.GetValue(id)!), ct).ConfigureAwait(false);
            if (parse.GetValue(json))
            {
                await output.WriteLineAsync(request.GetRawText()).ConfigureAwait(false);
                return;
            }

            var console = Terminal.For(output);
            var details = new Grid().AddColumn(new GridColumn().NoWrap().PadRight(2)).AddColumn();
            void Row(string name, string? value) => details.AddRow(new Text(name), Terminal.Cell(value));
            Row("Request", Text(request, "id"));
            Row("Kind", Text(request, "kind"));
            Row("Status", Text(request, "status"));
            Row("Target", Named(Text(request, "targetName"), Text(request, "targetId")));
            if (Text(request, "deviceId") is { } device)
            {
                Row("Device", device);
            }

            Row("Profile", Named(Text(request, "credentialProfileName"), Text(request, "credentialProfileId")));
            Row("Collected as", CollectionMethod(Text(request, "collectionMethod")));
            Row("Requested by", Named(Text(request, "requestedByName"), Text(request, "requestedBy")));
            Row("Created", Terminal.When(Date(request, "createdAt")));
            Row("Expires", Terminal.When(Date(request, "expiresAt")));
            Row("Approvals", Approvals(request));
            Row("You may", Actions(request));
            console.Write(details);

            console.WriteLine();
            console.WriteLine("Certificates");
            var certificates = new Table().AddColumns("Id", "Serial number", "Subject", "Status", "Valid from", "Valid until");
            foreach (var certificate in Items(request, "certificates"))
            {
                certificates.AddRow(
                    Terminal.Cell(Text(certificate, "id")),
                    Terminal.Cell(Text(certificate, "serialNumber")),
                    Terminal.Cell(Text(certificate, "subject")),
                    Terminal.Cell(Text(certificate, "status")),
                    Terminal.Cell(Terminal.When(Date(certificate, "notBefore"))),
                    Terminal.Cell(Terminal.When(Date(certificate, "notAfter"))));
            }

            console.Write(certificates);

            console.WriteLine();
            var approvals = Items(request, "approvals").ToList();
            if (approvals.Count == 0)
            {
                console.WriteLine("Approvals: none yet");
            }
            else
            {
                console.WriteLine("Approvals");
                var table = new Table().AddColumns("Approver", "At", "Notes");
                foreach (var approval in approvals)
                {
                    table.AddRow(
                        Terminal.Cell(Named(Text(approval, "approverName"), Text(approval, "approverId"))),
                        Terminal.Cell(Terminal.When(Date(approval, "at"))),
                        Terminal.Cell(Text(approval, "notes")));
                }

                console.Write(table);
            }

            console.WriteLine();
            console.WriteLine("History");
            var history = new Table().AddColumns("#", "At", "Who", "Action", "Channel", "Notes");
            foreach (var step in Items(request, "history"))
            {
                history.AddRow(
                    Terminal.Cell(Number(step, "sequence").ToString(CultureInfo.InvariantCulture)),
                    Terminal.Cell(Terminal.When(Date(step, "at"))),
                    Terminal.Cell(Text(step, "actorName") ?? Text(step, "actorId") ?? "Keyward"),
                    Terminal.Cell(Text(step, "action")),
                    Terminal.Cell(Text(step, "channel")),
                    Terminal.Cell(Text(step, "notes")));
            }

            console.Write(history);
        }));
        return show;
    }

    private static Command CreateRequest(ClientOptions client)
    {
        var person = new Option<string>("--person") { HelpName = "LOGON-OR-ID", Description = "Whose keys to recover: logon name or person id.", Required = true };
        var profile = new Option<string>("--profile") { HelpName = "NAME-OR-ID", Description = "A key recovery credential profile: name or id (e.g. \"Key Recovery - Soft Certificate\").", Required = true };
        var certificate = new Option<string[]>("--certificate") { HelpName = "ID", Description = "A certificate whose archived key to recover; repeat for several." };
        var allArchived = new Option<bool>("--all-archived") { Description = "Recover every archived certificate of the person that is not revoked." };
        var create = new Command("create", "Request recovery of archived keys to soft certificates or a new smart card, as the profile says.") { person, profile, certificate, allArchived };
        create.SetAction((parse, ct) => client.RunAsync(parse, async (api, output) =>
        {
            var named = parse.GetValue(certificate) ?? [];
            var all = parse.GetValue(allArchived);
            if ((named.Length > 0) == all)
            {
                throw new UsageException("name the certificates with --certificate ID (repeatable) or pass --all-archived, not both");
            }

            var personId = await PersonIdAsync(api, parse.GetValue(person)!, ct).ConfigureAwait(false);
            IReadOnlyList<string> ids = named;
            if (all)
            {
                ids = await ArchivedCertificatesAsync(api, personId, ct).ConfigureAwait(false);
                if (ids.Count == 0)
                {
                    throw new KeywardClientException($"'{parse.GetValue(person)}' has no archived certificate that is not revoked");
                }
            }

            var created = await api.PostAsync(
                $"/api/people/{Uri.EscapeDataString(personId)}/requests",
                new { credentialProfileId = parse.GetValue(profile), recoverCertificateIds = ids },
                ct).ConfigureAwait(false);
            await output.WriteLineAsync(Created(created)).ConfigureAwait(false);
        }));
        return create;
    }

    private static Command Update(ClientOptions client)
    {
        var device = new Option<string>("--device") { HelpName = "ID", Description = "The issued smart card to recover onto (device id).", Required = true };
        var certificate = new Option<string[]>("--certificate") { HelpName = "ID", Description = "A certificate the card should carry with its recovered key; repeat for several. The list is the complete desired set: recovered certificates on the card that are not listed are removed.", Required = true };
        var profile = new Option<string?>("--profile") { HelpName = "NAME-OR-ID", Description = "A key recovery credential profile (name or id); the card's own profile when omitted." };
        var update = new Command("update", "Request recovery onto a person's existing smart card (a device update).") { device, certificate, profile };
        update.SetAction((parse, ct) => client.RunAsync(parse, async (api, output) =>
        {
            var created = await api.PostAsync(
                $"/api/devices/{Uri.EscapeDataString(parse.GetValue(device)!)}/certificateRecovery",
                new { credentialProfileId = parse.GetValue(profile), recoverCertificateIds = parse.GetValue(certificate) ?? [] },
                ct).ConfigureAwait(false);
            await output.WriteLineAsync(Created(created)).ConfigureAwait(false);
        }));
        return update;
    }

    private static Command Decide(ClientOptions client, string name, string description, string optionName, string optionDescription, string route, string field, string done)
    {
        var id = new Argument<string>("ID") { Description = "The request's id." };
        var text = new Option<string?>(optionName) { HelpName = "TEXT", Description = optionDescription };
        var command = new Command(name, description) { id, text };
        command.SetAction((parse, ct) => client.RunAsync(parse, async (api, output) =>
        {
            var body = new Dictionary<string, string?> { [field] = parse.GetValue(text) };
            var request = await api.PostAsync($"{RequestPath(parse.GetValue(id)!)}/{route}", body, ct).ConfigureAwait(false);
            await output.WriteLineAsync($"Request {Text(request, "id")} {done}: {Text(request, "status")} (approvals {Approvals(request)}).").ConfigureAwait(false);
        }));
        return command;
    }

    /// <summary>The ids of the person's archived certificates that are not revoked (expired ones included: old mail needs them).</summary>
    private static async Task<IReadOnlyList<string>> ArchivedCertificatesAsync(KeywardClient api, string personId, CancellationToken cancellationToken)
    {
        const int pageSize = 500;
        var ids = new List<string>();
        for (var number = 1; ; number++)
        {
            var page = await api.GetAsync($"/api/people/{Uri.EscapeDataString(personId)}/certificates?page={number}&pageSize={pageSize}", cancellationToken).ConfigureAwait(false);
            var results = Items(page, "results").ToList();
            ids.AddRange(results
                .Where(c => c.TryGetProperty("archived", out var archived) && archived.ValueKind == JsonValueKind.True && Text(c, "status") != "Revoked")
                .Select(c => Text(c, "id")!));
            if (results.Count < pageSize || number * pageSize >= Number(page, "total"))
            {
                return ids;
            }
        }
    }

    internal static string RequestPath(string id) => $"/api/requests/{Uri.EscapeDataString(id.Trim())}";

    private static string Created(JsonElement request) =>
        $"Request {Text(request, "id")} created: {Text(request, "status")} ({Text(request, "kind")}, {Items(request, "certificates").Count()} certificate(s), " +
        $"profile {Text(request, "credentialProfileName") ?? Text(request, "credentialProfileId")}, approvals {Approvals(request)}).";

    private static string Approvals(JsonElement request) =>
        $"{Items(request, "approvals").Count()}/{Number(request, "approvalsRequired")}";

    /// <summary>The collection method as the server names it, with what it means.</summary>
    private static string CollectionMethod(string? method) => method switch
    {
        "FileStore" => "FileStore (a password-protected PFX file: keyward collect ID --out FILE.pfx)",
        "SystemStore" => "SystemStore (installed into the owner's certificate store by the owner: keyward collect ID)",
        "NewCard" => "NewCard (written onto a new smart card)",
        "CardUpdate" => "CardUpdate (written onto the owner's existing smart card)",
        _ => method ?? "-",
    };

    /// <summary>The steps the server offers the caller on this request now, or "nothing now".</summary>
    private static string Actions(JsonElement request)
    {
        var offered = request.TryGetProperty("actions", out var actions) && actions.ValueKind == JsonValueKind.Object
            ? ActionNames.Where(a => actions.TryGetProperty(a, out var flag) && flag.ValueKind == JsonValueKind.True).ToList()
            : [];
        return offered.Count == 0 ? "nothing now" : string.Join(", ", offered);
    }

    private static string Named(string? name, string? id) => name is null ? id ?? "-" : $"{name} ({id})";

    private static int Positive(int value, string option) =>
        value >= 1 ? value : throw new UsageException($"{option} must be at least 1");
}
