using System.Net;
using System.Text.Json;
using Keyward.Audit;
using Keyward.Common;
using Keyward.Server.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace Keyward.Server.Tests.Recovery;

/// <summary>
/// Asserts that a refused recovery step answered its problem (status and code) and changed nothing but the audit
/// trail: no request opened, the request concerned exactly as it was (status, approvals, history), no device
/// recorded, and exactly one new audit entry — the refusal, with its code and no secret in its details.
/// The request state is read through the Core API as admin; the audit trail straight from the store.
/// </summary>
internal sealed class Refusals : IDisposable
{
    private readonly DemoServer _server;

    private Refusals(DemoServer server, HttpClient admin)
    {
        _server = server;
        Admin = admin;
    }

    /// <summary>Admin, who sees every request.</summary>
    public HttpClient Admin { get; }

    public static async Task<Refusals> OnAsync(DemoServer server) => new(server, await server.SignInAsync("admin"));

    /// <summary>A refused attempt to open a request for <paramref name="personId"/>: no request is created for them (nor for anyone).</summary>
    /// <returns>The problem's detail.</returns>
    public async Task<string> NoRequestAsync(string personId, Func<Task<HttpResponseMessage>> attempt, HttpStatusCode status, string code, params string[] secrets) =>
        (await NoRequestProblemAsync(personId, attempt, status, code, secrets)).Detail;

    /// <summary>As <see cref="NoRequestAsync"/>; also answers the whole problem as the caller saw it (<see cref="Json.ProblemTextAsync"/>).</summary>
    public async Task<(string Detail, string Problem)> NoRequestProblemAsync(string personId, Func<Task<HttpResponseMessage>> attempt, HttpStatusCode status, string code, params string[] secrets)
    {
        var requests = await RequestCountAsync(personId);
        var before = await StoreStateAsync();
        string detail, problem;
        using (var response = await attempt())
        {
            detail = await Json.ProblemAsync(response, status, code);
            problem = await Json.ProblemTextAsync(response);
        }

        Assert.Equal(requests, await RequestCountAsync(personId));
        await AssertOnlyTheRefusalAsync(before, code, secrets);
        return (detail, problem);
    }

    /// <summary>A refused step on the request <paramref name="requestId"/>: its status, approvals and history are as they were.</summary>
    /// <returns>The problem's detail.</returns>
    public async Task<string> UnchangedAsync(string requestId, Func<Task<HttpResponseMessage>> attempt, HttpStatusCode status, string code, params string[] secrets) =>
        (await UnchangedProblemAsync(requestId, attempt, status, code, secrets)).Detail;

    /// <summary>As <see cref="UnchangedAsync"/>; also answers the whole problem as the caller saw it (<see cref="Json.ProblemTextAsync"/>).</summary>
    public async Task<(string Detail, string Problem)> UnchangedProblemAsync(string requestId, Func<Task<HttpResponseMessage>> attempt, HttpStatusCode status, string code, params string[] secrets)
    {
        var request = await RecoverySteps.GetAsync(Admin, requestId);
        var before = await StoreStateAsync();
        string detail, problem;
        using (var response = await attempt())
        {
            detail = await Json.ProblemAsync(response, status, code);
            problem = await Json.ProblemTextAsync(response);
        }

        var after = await RecoverySteps.GetAsync(Admin, requestId);
        Assert.Equal(request.GetProperty("status").GetString(), after.GetProperty("status").GetString());
        Assert.Equal(Approvals(request), Approvals(after));
        Assert.Equal(RecoverySteps.History(request), RecoverySteps.History(after));
        Assert.Equal(request.GetRawText(), after.GetRawText());
        await AssertOnlyTheRefusalAsync(before, code, secrets);
        return (detail, problem);
    }

    /// <summary>Every audit entry's details, oldest first.</summary>
    public async Task<IReadOnlyList<string>> AuditDetailsAsync()
    {
        await using var scope = _server.App.Services.CreateAsyncScope();
        var store = scope.ServiceProvider.GetRequiredService<IKeywardStore>();
        return await store.ToListAsync(store.AuditEvents.OrderBy(e => e.Sequence).Select(e => e.Details), CancellationToken.None);
    }

    public void Dispose() => Admin.Dispose();

    private static List<string> Approvals(JsonElement request) =>
        request.GetProperty("approvals").EnumerateArray().Select(a => $"{a.GetProperty("approverId").GetString()}:{a.GetProperty("notes")}").ToList();

    private async Task<int> RequestCountAsync(string personId) =>
        (await Json.GetAsync(Admin, $"/api/requests?targetId={personId}")).GetProperty("total").GetInt32();

    private async Task<StoreState> StoreStateAsync()
    {
        await using var scope = _server.App.Services.CreateAsyncScope();
        var store = scope.ServiceProvider.GetRequiredService<IKeywardStore>();
        var last = await store.FirstOrDefaultAsync(store.AuditEvents.OrderByDescending(e => e.Sequence), CancellationToken.None);
        return new StoreState(
            await store.CountAsync(store.Requests, CancellationToken.None),
            await store.CountAsync(store.Devices, CancellationToken.None),
            last?.Sequence ?? 0);
    }

    private async Task AssertOnlyTheRefusalAsync(StoreState before, string code, string[] secrets)
    {
        await using var scope = _server.App.Services.CreateAsyncScope();
        var store = scope.ServiceProvider.GetRequiredService<IKeywardStore>();
        Assert.Equal(before.Requests, await store.CountAsync(store.Requests, CancellationToken.None));
        Assert.Equal(before.Devices, await store.CountAsync(store.Devices, CancellationToken.None));

        // The refusal is the one and only new entry, so it is the last one.
        var added = await store.ToListAsync(store.AuditEvents.Where(e => e.Sequence > before.AuditSequence).OrderBy(e => e.Sequence), CancellationToken.None);
        var entry = Assert.Single(added);
        Assert.Equal(AuditOutcome.Refused, entry.Outcome);
        Assert.Equal(code, entry.Code);
        Assert.StartsWith("recovery.", entry.Action, StringComparison.Ordinal);
        Assert.False(string.IsNullOrWhiteSpace(entry.ActorName));
        foreach (var secret in secrets)
        {
            Assert.DoesNotContain(secret, entry.Details, StringComparison.Ordinal);
        }
    }

    private sealed record StoreState(int Requests, int Devices, long AuditSequence);
}
