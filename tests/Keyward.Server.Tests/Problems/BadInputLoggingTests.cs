using System.Net;
using System.Text;
using Keyward.Server.Tests.Infrastructure;
using Microsoft.Extensions.Logging;

namespace Keyward.Server.Tests.Problems;

/// <summary>
/// Finding 8: bad input is the caller's mistake, not the server's. It is logged as one line without a stack
/// trace, so that no caller can flood the log with traces; a stack trace is kept for real server faults.
/// </summary>
public sealed class BadInputLoggingTests
{
    [Theory]
    [InlineData("{\"logonName\": \"zoe\", ")]
    [InlineData("{\"logonName\": \"zoe\", \"name\": \"Zoe\", \"email\": \"zoe@acme.example\", \"group\": \"Acme\", \"enabled\": \"sometimes\"}")]
    [InlineData("[1, 2, 3]")]
    public async Task CreatePerson_MalformedJsonBody_LogsOneLineWithoutStackTrace(string body)
    {
        var logs = new CapturedLogs();
        await using var server = await DemoServer.StartAsync(configureBuilder: logs.AddTo);
        using var admin = await server.SignInAsync("admin");
        logs.Clear();

        using var response = await admin.PostAsync(new Uri("/api/people", UriKind.Relative), new StringContent(body, Encoding.UTF8, "application/json"));

        await Json.ProblemAsync(response, HttpStatusCode.BadRequest, "request.malformed_body");
        var lines = logs.Entries.Where(e => e.Level >= LogLevel.Information && !IsBackgroundService(e.Category)).ToList();
        Assert.True(lines.Count == 1, $"One log line for the bad request; got {lines.Count}:\n{string.Join("\n", lines)}");
        var entry = lines[0];
        Assert.True(entry.Exception is null && !entry.Text.Contains("   at ", StringComparison.Ordinal), $"No stack trace for bad input:\n{entry}");
        Assert.DoesNotContain('\n', entry.Text);
        Assert.Contains("/api/people", entry.Text, StringComparison.Ordinal);
        Assert.True(entry.Level < LogLevel.Warning, $"Bad input is not a warning: {entry}");
    }

    private static bool IsBackgroundService(string category) =>
        category.StartsWith("Keyward.Server.Notifications.", StringComparison.Ordinal) || category.StartsWith("Keyward.Server.Recovery.RequestExpiryService", StringComparison.Ordinal);
}
