using System.Net;
using System.Text;
using Keyward.Audit;
using Keyward.Common;
using Keyward.Recovery;
using Keyward.Server.Tests.Certificates;
using Keyward.Server.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace Keyward.Server.Tests.Audit;

/// <summary>
/// Every endpoint records the channel the client claims in its <c>Keyward-Channel</c> header (finding 10: people and
/// certificate routes used to record Api whatever the client said).
/// </summary>
public sealed class ClaimedChannelTests
{
    private const string Csv = """
        logonName,name,email,group,enabled
        frank,Frank Moss,frank@acme.example,Acme/Finance/Payroll,true
        """;

    [Theory]
    [InlineData("cli", Channel.Cli)]
    [InlineData("web", Channel.Web)]
    [InlineData(null, Channel.Api)]
    public async Task Import_PeopleWithChannelHeader_AuditedWithTheClaimedChannel(string? header, Channel expected)
    {
        await using var server = await DemoServer.StartAsync();
        using var admin = await SignInAsync(server, "admin", header);

        using var response = await admin.PostAsync(new Uri("/api/people/import", UriKind.Relative), new StringContent(Csv, Encoding.UTF8, "text/csv"));

        await Json.ReadAsync(response, HttpStatusCode.OK);
        Assert.Equal(expected, (await LastAsync(server, "people.import")).Channel);
    }

    [Fact]
    public async Task Revoke_CertificateSentByTheCli_AuditedAsCli()
    {
        await using var server = await DemoServer.StartAsync();
        using var admin = await SignInAsync(server, "admin", "cli");
        var carol = await Json.PersonIdAsync(admin, "carol");
        var certificate = (await CertificateApi.ListAsync(admin, carol)).First(c => CertificateApi.Status(c) == "Issued");

        using var response = await CertificateApi.RevokeAsync(admin, CertificateApi.Id(certificate), "Superseded");

        await Json.ReadAsync(response, HttpStatusCode.OK);
        var entry = await LastAsync(server, "certificates.revoke");
        Assert.Equal((AuditOutcome.Succeeded, Channel.Cli), (entry.Outcome, entry.Channel));
    }

    private static async Task<HttpClient> SignInAsync(DemoServer server, string logonName, string? channel)
    {
        var client = await server.SignInAsync(logonName);
        if (channel is not null)
        {
            client.DefaultRequestHeaders.Add("Keyward-Channel", channel);
        }

        return client;
    }

    private static async Task<AuditEvent> LastAsync(DemoServer server, string action)
    {
        await using var scope = server.App.Services.CreateAsyncScope();
        var store = scope.ServiceProvider.GetRequiredService<IKeywardStore>();
        var entries = await store.ToListAsync(store.AuditEvents.Where(e => e.Action == action), CancellationToken.None);
        return entries.MaxBy(e => e.Sequence)!;
    }
}
