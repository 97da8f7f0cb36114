using Keyward.Scopes;
using Keyward.Server.Auth;

namespace Keyward.Server.Scopes;

/// <summary><c>/api/roles</c> and <c>/api/people/{id}/roles</c>: create roles and assign them (<see cref="RoleAdministration"/>).</summary>
internal static class RoleEndpoints
{
    public static void MapRoleEndpoints(this RouteGroupBuilder api)
    {
        api.MapGet("/roles", async (Authenticated caller, RoleAdministration roles, CancellationToken ct) =>
                Problems.Problems.Ok(await roles.ListAsync(caller.Access, ct)))
            .WithName("ListRoles").WithTags("Roles");
        api.MapPost("/roles", async (Authenticated caller, RoleAdministration roles, RoleSettings body, CancellationToken ct) =>
            {
                var role = await roles.CreateAsync(caller.Access, body, caller.ClaimedChannel, ct);
                return role.IsSuccess ? Results.Created($"/api/roles/{role.Value.Id}", role.Value) : Problems.Problems.From(role.Error);
            })
            .WithName("CreateRole").WithTags("Roles");
        api.MapPost("/people/{id}/roles", async (Authenticated caller, RoleAdministration roles, string id, AssignmentSettings body, CancellationToken ct) =>
            {
                var assignment = await roles.AssignAsync(caller.Access, id, body, caller.ClaimedChannel, ct);
                return assignment.IsSuccess ? Results.Created($"/api/people/{id}/roles/{assignment.Value.Id}", assignment.Value) : Problems.Problems.From(assignment.Error);
            })
            .WithName("AssignRole").WithTags("Roles");
    }
}
