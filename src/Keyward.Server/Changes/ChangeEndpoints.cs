using Keyward.Changes;
using Keyward.Common;
using Keyward.Server.Auth;
using Keyward.Server.Problems;

namespace Keyward.Server.Changes;

/// <summary><c>/api/changeRequests</c>: changes that weaken recovery controls, approved by other administrators (<see cref="ChangeControl"/>).</summary>
internal static class ChangeEndpoints
{
    public static void MapChangeEndpoints(this RouteGroupBuilder api)
    {
        var changes = api.MapGroup("/changeRequests").WithTags("Change requests");
        changes.MapGet("/", async (Authenticated caller, ChangeControl control, ChangeStatus? status, int? page, int? pageSize, CancellationToken ct) =>
                ListResults.Ok(await control.ListAsync(caller.Access, status, new PageRequest(page, pageSize), ct)))
            .WithName("ListChangeRequests");
        changes.MapGet("/{id}", async (Authenticated caller, ChangeControl control, string id, CancellationToken ct) =>
                Problems.Problems.Ok(await control.GetAsync(caller.Access, id, ct)))
            .WithName("GetChangeRequest");
        changes.MapPost("/{id}/approve", async (Authenticated caller, ChangeControl control, string id, DecisionBody? body, CancellationToken ct) =>
                Problems.Problems.Ok(await control.ApproveAsync(caller.Access, id, body?.Notes, caller.ClaimedChannel, ct)))
            .WithName("ApproveChangeRequest");
        changes.MapPost("/{id}/reject", async (Authenticated caller, ChangeControl control, string id, DecisionBody? body, CancellationToken ct) =>
                Problems.Problems.Ok(await control.RejectAsync(caller.Access, id, body?.Reason ?? body?.Notes, caller.ClaimedChannel, ct)))
            .WithName("RejectChangeRequest");
    }

    /// <summary>Notes with an approval, or a reason with a rejection.</summary>
    internal sealed record DecisionBody(string? Notes, string? Reason);
}
