using System.Globalization;
using System.Net;
using System.Text.RegularExpressions;
using Keyward.Server.Tests.Infrastructure;
using Keyward.Server.Tests.Recovery;

namespace Keyward.Server.Tests.Hosting;

/// <summary>
/// <c>/metrics</c> (docs/operations.md#monitoring): a Prometheus scrape after a recovery finds its steps, how long it
/// waited, the API requests by route and status, a refused sign-in and the notification backlog.
/// </summary>
/// <remarks>
/// Keyward's instruments are process-wide, so this class runs alone (<see cref="ProcessWideMetrics"/>): every
/// difference between two scrapes is this test's doing.
/// </remarks>
[Collection(ProcessWideMetrics.Name)]
public sealed partial class MetricsTests
{
    [Fact]
    public async Task AScrapeAfterARecovery_FindsItsSteps_ItsWaits_TheRoutes_ARefusedSignIn_AndTheBacklog()
    {
        await using var server = await DemoServer.StartAsync();
        var before = await ScrapeAsync(server.Client);

        using var carol = await server.SignInAsync("carol");
        using var olivia = await server.SignInAsync("olivia");
        var carolId = await Json.PersonIdAsync(olivia, "carol");
        var certificates = await RecoverySteps.ArchivedEncryptionCertificatesAsync(olivia, carolId);
        var id = await RecoverySteps.ApprovedForCarolAsync(server, "Key Recovery - Soft Certificate", certificates.Keys);
        await RecoverySteps.CollectAsync(carol, id);
        using (var refused = await server.Client.PostAsync(new Uri("/connect/token", UriKind.Relative), new FormUrlEncodedContent(new Dictionary<string, string>
               {
                   ["grant_type"] = "client_credentials",
                   ["client_id"] = "olivia-cli",
                   ["client_secret"] = "not-her-secret",
               })))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
        }

        var after = await ScrapeAsync(server.Client);

        foreach (var step in new[] { "Requested", "Approved", "CollectionStarted", "Released", "Completed" })
        {
            Assert.Equal(1, Delta(before, after, "keyward_recovery_steps_total", $"kind=\"SoftCertificate\",step=\"{step}\""));
        }

        Assert.Equal(1, Delta(before, after, "keyward_recovery_time_to_approval_seconds_count", "kind=\"SoftCertificate\""));
        Assert.Equal(1, Delta(before, after, "keyward_recovery_time_to_collection_seconds_count", "kind=\"SoftCertificate\""));
        Assert.Equal(1, Delta(before, after, "keyward_auth_sign_in_failures_total", "code=\"auth.invalid_client\""));
        Assert.True(Delta(before, after, "http_server_request_duration_seconds_count", "http_request_method=\"POST\",http_response_status_code=\"200\",http_route=\"/api/requests/{id}/approve\"") >= 1, after);
        Assert.Matches(@"(?m)^keyward_notifications_backlog(\{[^}]*\})? \d+", after);
    }

    private static async Task<string> ScrapeAsync(HttpClient client)
    {
        using var response = await client.GetAsync(new Uri("/metrics", UriKind.Relative));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.StartsWith("text/plain", response.Content.Headers.ContentType?.MediaType, StringComparison.Ordinal);
        return await response.Content.ReadAsStringAsync();
    }

    /// <summary>How much the sample <paramref name="name"/> whose labels include <paramref name="labels"/> grew between the scrapes (0 when absent before).</summary>
    private static double Delta(string before, string after, string name, string labels) => Value(after, name, labels) - Value(before, name, labels);

    private static double Value(string scrape, string name, string labels) =>
        Sample().Matches(scrape)
            .Where(m => m.Groups["name"].Value == name && m.Groups["labels"].Value.Contains(labels, StringComparison.Ordinal))
            .Select(m => double.Parse(m.Groups["value"].Value, CultureInfo.InvariantCulture))
            .Sum();

    // Label values are quoted and may hold braces (a route such as /api/requests/{id}/approve).
    [GeneratedRegex(@"(?m)^(?<name>[a-zA-Z_:][a-zA-Z0-9_:]*)\{(?<labels>(?:[^""}]|""(?:[^""\\]|\\.)*"")*)\} (?<value>[0-9.eE+-]+)")]
    private static partial Regex Sample();
}

/// <summary>Test classes that read process-wide instruments: they run alone.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class ProcessWideMetrics
{
    public const string Name = "Process-wide metrics";
}
