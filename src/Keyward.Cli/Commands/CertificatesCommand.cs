using System.CommandLine;
using System.Net.Http.Json;
using System.Text.Json;
using Keyward.Cli.Client;

namespace Keyward.Cli.Commands;

/// <summary><c>keyward certificates list|issue|import|revoke</c>: the certificate routes of the Core API.</summary>
internal static class CertificatesCommand
{
    public static Command Create()
    {
        var client = new ClientOptions();
        var certificates = new Command("certificates", "Issue, import, revoke and list certificates on a Keyward server.");
        client.AddTo(certificates);

        var person = new Option<string>("--person") { Description = "The holder's logon name.", Required = true };
        var list = new Command("list", "List a person's certificates (archived keys marked).") { person };
        list.SetAction((parse, ct) => client.RunAsync(parse, async (api, output) =>
        {
            var id = await PersonIdAsync(api, parse.GetValue(person)!, ct).ConfigureAwait(false);
            var page = await api.SendAsync(HttpMethod.Get, $"/api/people/{id}/certificates?pageSize=500", null, ct).ConfigureAwait(false);
            foreach (var c in page.GetProperty("results").EnumerateArray())
            {
                await output.WriteLineAsync(
                    $"{c.GetProperty("id").GetString()}  {c.GetProperty("status").GetString(),-9}  {(c.GetProperty("archived").GetBoolean() ? "archived" : "-       ")}  " +
                    $"{c.GetProperty("policy").GetString()}  serial {c.GetProperty("serialNumber").GetString()}  until {c.GetProperty("notAfter").GetDateTime():yyyy-MM-dd}").ConfigureAwait(false);
            }
        }));

        var policy = new Option<string>("--policy") { Description = "Certificate policy name or id.", Required = true };
        var csr = new Option<FileInfo?>("--csr") { Description = "PKCS#10 request (PEM) for policies that do not archive keys." };
        var issuePerson = new Option<string>("--person") { Description = "The holder's logon name.", Required = true };
        var issue = new Command("issue", "Issue a certificate: Keyward makes and archives the key for encryption policies; signing policies take the holder's CSR.") { issuePerson, policy, csr };
        issue.SetAction((parse, ct) => client.RunAsync(parse, async (api, output) =>
        {
            var id = await PersonIdAsync(api, parse.GetValue(issuePerson)!, ct).ConfigureAwait(false);
            var request = parse.GetValue(csr) is { } file ? await File.ReadAllTextAsync(file.FullName, ct).ConfigureAwait(false) : null;
            using var body = JsonContent.Create(new { policyId = parse.GetValue(policy), csr = request });
            var issued = await api.SendAsync(HttpMethod.Post, $"/api/people/{id}/certificates", body, ct).ConfigureAwait(false);
            await output.WriteLineAsync($"Issued {issued.GetProperty("id").GetString()} (serial {issued.GetProperty("serialNumber").GetString()}){(issued.GetProperty("archived").GetBoolean() ? ", key archived" : string.Empty)}.").ConfigureAwait(false);
        }));

        var pfx = new Option<FileInfo>("--pfx") { Description = "The PFX (PKCS#12) file holding the certificate and its key.", Required = true };
        var passwordStdin = new Option<bool>("--password-stdin") { Description = "Read the PFX password from standard input (otherwise it is asked for)." };
        var importPerson = new Option<string>("--person") { Description = "The holder's logon name.", Required = true };
        var importPolicy = new Option<string>("--policy") { Description = "An encryption policy with key archival.", Required = true };
        var import = new Command("import", "Import an existing certificate with its key (e.g. from AD CS) into the archive.") { importPerson, importPolicy, pfx, passwordStdin };
        import.SetAction((parse, ct) => client.RunAsync(parse, async (api, output) =>
        {
            var password = parse.GetValue(passwordStdin) ? (Console.In.ReadLine() ?? string.Empty) : Spectre.Console.AnsiConsole.Prompt(Spectre.Console.TextPromptExtensions.Secret(new Spectre.Console.TextPrompt<string>("PFX password:")));
            var id = await PersonIdAsync(api, parse.GetValue(importPerson)!, ct).ConfigureAwait(false);
            var bytes = await File.ReadAllBytesAsync(parse.GetValue(pfx)!.FullName, ct).ConfigureAwait(false);
            using var body = JsonContent.Create(new { policyId = parse.GetValue(importPolicy), pfx = Convert.ToBase64String(bytes), password });
            var imported = await api.SendAsync(HttpMethod.Post, $"/api/people/{id}/certificates/import", body, ct).ConfigureAwait(false);
            await output.WriteLineAsync($"Imported {imported.GetProperty("id").GetString()} (serial {imported.GetProperty("serialNumber").GetString()}), key archived.").ConfigureAwait(false);
        }));

        var certificateId = new Argument<string>("CERTIFICATE-ID") { Description = "The certificate's id (see certificates list)." };
        var reason = new Option<string?>("--reason") { Description = "Unspecified, KeyCompromise, AffiliationChanged, Superseded or CessationOfOperation." };
        var revoke = new Command("revoke", "Revoke a certificate; an archived key stays recoverable.") { certificateId, reason };
        revoke.SetAction((parse, ct) => client.RunAsync(parse, async (api, output) =>
        {
            using var body = JsonContent.Create(new { reason = parse.GetValue(reason) ?? "Unspecified" });
            var revoked = await api.SendAsync(HttpMethod.Post, $"/api/certificates/{Uri.EscapeDataString(parse.GetValue(certificateId)!)}/revoke", body, ct).ConfigureAwait(false);
            await output.WriteLineAsync($"Revoked {revoked.GetProperty("id").GetString()} (serial {revoked.GetProperty("serialNumber").GetString()}).").ConfigureAwait(false);
        }));

        certificates.Subcommands.Add(list);
        certificates.Subcommands.Add(issue);
        certificates.Subcommands.Add(import);
        certificates.Subcommands.Add(revoke);
        return certificates;
    }

    private static Task<string> PersonIdAsync(KeywardClient api, string logonName, CancellationToken cancellationToken) =>
        Lookups.PersonIdAsync(api, logonName, cancellationToken);
}
