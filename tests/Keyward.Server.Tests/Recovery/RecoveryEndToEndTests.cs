using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using Keyward.Server.Tests.Certificates;
using Keyward.Server.Tests.Infrastructure;

namespace Keyward.Server.Tests.Recovery;

/// <summary>
/// The whole soft-certificate recovery of docs/recovery.md through the Core API of a real server, with the demo
/// organisation: request, dual control, approval, collection, an independent PKCS#12 reader, single use, audit.
/// </summary>
public sealed class RecoveryEndToEndTests
{
    [Fact]
    public async Task OliviaRequests_VictorApproves_CarolCollects_OpensslReadsEveryKey()
    {
        await using var server = await DemoServer.StartAsync();
        using var olivia = await server.SignInAsync("olivia");
        using var victor = await server.SignInAsync("victor");
        using var vera = await server.SignInAsync("vera");
        using var carol = await server.SignInAsync("carol");
        var carolId = await Json.PersonIdAsync(olivia, "carol");
        var wanted = await RecoverySteps.ArchivedEncryptionCertificatesAsync(olivia, carolId);
        Assert.Equal(2, wanted.Count);

        // Olivia, a Recovery Operator for Finance and below, asks for carol's two archived keys as soft certificates.
        var request = await RecoverySteps.RequestAsync(olivia, carolId, "Key Recovery - Soft Certificate", wanted.Keys);
        Assert.Equal("AwaitingValidation", request.GetProperty("status").GetString());
        Assert.Equal("SoftCertificate", request.GetProperty("kind").GetString());
        var id = request.GetProperty("id").GetString()!;

        // Three people who may not approve, each refused by its own rule.
        using (var response = await olivia.PostAsync(new Uri($"/api/requests/{id}/approve", UriKind.Relative), Json.Body(new { })))
        {
            await Json.ProblemAsync(response, HttpStatusCode.Forbidden, "recovery.requester_cannot_validate");
        }

        using (var response = await carol.PostAsync(new Uri($"/api/requests/{id}/approve", UriKind.Relative), Json.Body(new { })))
        {
            await Json.ProblemAsync(response, HttpStatusCode.Forbidden, "recovery.recipient_cannot_validate");
        }

        using (var response = await vera.PostAsync(new Uri($"/api/requests/{id}/approve", UriKind.Relative), Json.Body(new { })))
        {
            // Vera validates Engineering only: carol's request is not even visible to her.
            await Json.ProblemAsync(response, HttpStatusCode.NotFound, "recovery.not_found");
        }

        Assert.Equal("AwaitingValidation", (await Json.GetAsync(olivia, $"/api/requests/{id}")).GetProperty("status").GetString());

        using (var response = await victor.PostAsync(new Uri($"/api/requests/{id}/approve", UriKind.Relative), Json.Body(new { notes = "Ticket 4711: lost laptop." })))
        {
            var approved = await Json.ReadAsync(response, HttpStatusCode.OK);
            Assert.Equal("AwaitingIssue", approved.GetProperty("status").GetString());
            var approval = Assert.Single(approved.GetProperty("approvals").EnumerateArray().ToList());
            Assert.Equal("victor", approval.GetProperty("approverName").GetString());
            Assert.Equal("Ticket 4711: lost laptop.", approval.GetProperty("notes").GetString());
        }

        // Carol collects her own request; Keyward generates the password and shows it this once.
        var collected = await RecoverySteps.CollectAsync(carol, id);
        var password = collected.GetProperty("password").GetString()!;
        var pfx = collected.GetProperty("pfx").GetBytesFromBase64();
        Assert.Equal("Completed", collected.GetProperty("request").GetProperty("status").GetString());

        using (var openssl = new Openssl())
        {
            var file = openssl.Write("carol.pfx", pfx);
            var pem = await openssl.RunAsync("pkcs12", "-in", file, "-passin", "pass:" + password, "-nodes");
            var keys = Pem(pem, "PRIVATE KEY").Select(PublicKeyOfPrivateKey).ToList();
            // Every certificate but the self-signed CA is a recovered leaf.
            var leaves = Pem(pem, "CERTIFICATE").Select(p => X509Certificate2.CreateFromPem(p)).Where(c => c.Subject != c.Issuer).ToList();
            var leafSerials = leaves.Select(c => c.SerialNumber.ToLowerInvariant()).Order(StringComparer.Ordinal).ToList();
            Assert.Equal(wanted.Values.Order(StringComparer.Ordinal), leafSerials);
            Assert.Equal(2, keys.Count);
            foreach (var leaf in leaves)
            {
                Assert.Contains(Convert.ToHexString(leaf.PublicKey.ExportSubjectPublicKeyInfo()), keys);
            }

            var wrong = await openssl.TryRunAsync("pkcs12", "-in", file, "-passin", "pass:not-the-password", "-nodes");
            Assert.NotEqual(0, wrong.ExitCode);
        }

        // Spent after its releases: carol may collect once more (her first answer might have been lost) and no more;
        // olivia, who did not collect it, not at all.
        using (var lost = await carol.PostAsync(new Uri($"/api/requests/{id}/collect", UriKind.Relative), Json.Body(new { })))
        {
            Assert.NotEqual(password, (await Json.ReadAsync(lost, HttpStatusCode.OK)).GetProperty("password").GetString());
        }

        using (var again = await carol.PostAsync(new Uri($"/api/requests/{id}/collect", UriKind.Relative), Json.Body(new { })))
        {
            await Json.ProblemAsync(again, HttpStatusCode.Conflict, "recovery.release_limit");
        }

        using (var other = await olivia.PostAsync(new Uri($"/api/requests/{id}/collect", UriKind.Relative), Json.Body(new { })))
        {
            await Json.ProblemAsync(other, HttpStatusCode.Conflict, "recovery.not_collectable");
        }

        var history = (await Json.GetAsync(olivia, $"/api/requests/{id}")).GetProperty("history").EnumerateArray().Select(h => h.GetProperty("action").GetString()).ToList();
        Assert.Equal(["Requested", "Approved", "CollectionStarted", "Released", "Completed", "ReleasedAgain"], history);

        // Carol was told of the request and of the collection by e-mail (the demo's pickup folder), never with the password.
        var pickup = Path.Combine(server.DataDirectory, "mail");
        var mails = await Eventually.ValueAsync("two notices to carol about the request", async () =>
        {
            var texts = new List<string>();
            foreach (var file in Directory.Exists(pickup) ? Directory.GetFiles(pickup, "*.eml") : [])
            {
                var message = await MimeKit.MimeMessage.LoadAsync(file);
                if (message.To.Mailboxes.Any(m => m.Address == "carol@acme.example") && message.TextBody?.Contains(id, StringComparison.Ordinal) == true)
                {
                    texts.Add(message.Subject + "\n" + message.TextBody);
                }
            }

            return texts.Count >= 2 ? texts : null;
        });
        Assert.Contains(mails, m => m.StartsWith("Key recovery requested", StringComparison.Ordinal));
        Assert.Contains(mails, m => m.StartsWith("Your recovered keys were collected", StringComparison.Ordinal));
        Assert.All(mails, m => Assert.DoesNotContain(password, m, StringComparison.Ordinal));

        using var admin = await server.SignInAsync("admin");
        var verify = await Json.GetAsync(admin, "/api/audit/verify");
        Assert.True(verify.GetProperty("intact").GetBoolean(), verify.ToString());
        var trail = await Json.GetAsync(admin, $"/api/audit?targetId={id}&pageSize=100");
        var actions = trail.GetProperty("results").EnumerateArray().Select(e => (e.GetProperty("action").GetString(), e.GetProperty("outcome").GetString())).ToList();
        Assert.Contains(("recovery.request", "Succeeded"), actions);
        Assert.Contains(("recovery.approve", "Refused"), actions);
        Assert.Contains(("recovery.approve", "Succeeded"), actions);
        Assert.Contains(("recovery.collect", "Succeeded"), actions);
        Assert.Contains(("recovery.collect", "Refused"), actions);
        Assert.DoesNotContain(password, trail.ToString(), StringComparison.Ordinal);
    }

    private static IEnumerable<string> Pem(string text, string label)
    {
        var begin = $"-----BEGIN {label}-----";
        var end = $"-----END {label}-----";
        for (var at = text.IndexOf(begin, StringComparison.Ordinal); at >= 0; at = text.IndexOf(begin, at + 1, StringComparison.Ordinal))
        {
            var stop = text.IndexOf(end, at, StringComparison.Ordinal);
            yield return text[at..(stop + end.Length)];
        }
    }

    private static string PublicKeyOfPrivateKey(string pem)
    {
        using var rsa = RSA.Create();
        rsa.ImportFromPem(pem);
        return Convert.ToHexString(rsa.ExportSubjectPublicKeyInfo());
    }
}
