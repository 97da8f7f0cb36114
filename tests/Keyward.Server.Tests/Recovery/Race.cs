using System.Net;
using System.Text.Json;

namespace Keyward.Server.Tests.Recovery;

/// <summary>Many clients sent at one step together, released by one gate; what each got back.</summary>
internal static class Race
{
    /// <summary>One contestant: who it acts as and its own client (its own connections and token).</summary>
    public sealed record Runner(string Actor, HttpClient Client);

    /// <summary>What one contestant got back.</summary>
    public sealed record Outcome(string Actor, HttpStatusCode Status, string? MediaType, string Body)
    {
        /// <summary>The stable error code of a problem answer, or null.</summary>
        public string? Code => MediaType == "application/problem+json" && TryParse(Body) is { } problem && problem.TryGetProperty("code", out var code)
            ? code.GetString()
            : null;

        /// <summary>The detail of a problem answer, or null.</summary>
        public string? Detail => MediaType == "application/problem+json" && TryParse(Body) is { } problem && problem.TryGetProperty("detail", out var detail)
            ? detail.GetString()
            : null;

        public JsonElement Json => TryParse(Body) ?? throw new InvalidOperationException($"{Actor} got no JSON: {Body}");

        public override string ToString() => $"{Actor}: {(int)Status} {Code ?? (Status == HttpStatusCode.OK ? "OK" : Body)}";
    }

    /// <summary>
    /// Starts one task per runner; each waits at the gate until every task is waiting, then all send
    /// <paramref name="step"/> at once. Answers in the order of <paramref name="runners"/>.
    /// </summary>
    public static async Task<IReadOnlyList<Outcome>> RunAsync(IReadOnlyList<Runner> runners, Func<HttpClient, Task<HttpResponseMessage>> step)
    {
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var everyoneWaiting = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var notYetWaiting = runners.Count;
        var contestants = runners.Select(runner => Task.Run(async () =>
        {
            if (Interlocked.Decrement(ref notYetWaiting) == 0)
            {
                everyoneWaiting.SetResult();
            }

            await gate.Task;
            using var response = await step(runner.Client);
            return new Outcome(runner.Actor, response.StatusCode, response.Content.Headers.ContentType?.MediaType, await response.Content.ReadAsStringAsync());
        })).ToList();

        await everyoneWaiting.Task;
        gate.SetResult();
        return await Task.WhenAll(contestants);
    }

    /// <summary>One line per outcome, grouped, for failure messages.</summary>
    public static string Describe(IEnumerable<Outcome> outcomes) =>
        string.Join('\n', outcomes
            .GroupBy(o => ((int)o.Status, o.Code))
            .OrderBy(g => g.Key.Item1)
            .Select(g => $"  {g.Count()} × {g.Key.Item1} {g.Key.Code}: {string.Join(", ", g.Select(o => o.Actor))}" +
                         (g.Key.Item1 >= 500 || (g.Key.Item1 != 200 && g.Key.Code is null) || g.Key.Code == "request.conflict" ? $"\n    e.g. {g.First().Body}" : string.Empty)));

    /// <summary>How many got each answer, by status, code and detail: how contended the race was, for the test output.</summary>
    public static string Tally(IEnumerable<Outcome> outcomes) =>
        string.Join('\n', outcomes
            .GroupBy(o => $"{(int)o.Status} {o.Code ?? "OK"} {o.Detail}".TrimEnd())
            .OrderByDescending(g => g.Count())
            .Select(g => $"  {g.Count()} × {g.Key}"));

    private static JsonElement? TryParse(string body)
    {
        try
        {
            return JsonDocument.Parse(body).RootElement.Clone();
        }
        catch (JsonException)
        {
            return null;
        }
    }
}
