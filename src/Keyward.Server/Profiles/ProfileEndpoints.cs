using Keyward.Common;
using Keyward.Profiles;
using Keyward.Server.Auth;
using Keyward.Server.Problems;

namespace Keyward.Server.Profiles;

internal static class ProfileEndpoints
{
    public static void MapProfileEndpoints(this RouteGroupBuilder api)
    {
        var profiles = api.MapGroup("/credentialProfiles").WithTags("Credential profiles");
        profiles.MapGet("/", async (Authenticated caller, ProfileCatalog catalog, int? page, int? pageSize, CancellationToken ct) =>
                TypedResults.Ok(ListResponse<CredentialProfileView>.From(await catalog.ListAsync(caller.Access, new PageRequest(page, pageSize), ct))))
            .WithName("ListCredentialProfiles");
        profiles.MapPost("/", async (Authenticated caller, ProfileAdministration admin, CredentialProfileSettings body, CancellationToken ct) =>
            {
                var profile = await admin.CreateAsync(caller.Access, body, caller.ClaimedChannel, ct);
                return profile.IsSuccess ? Results.Created($"/api/credentialProfiles/{profile.Value.Id}", profile.Value) : Problems.Problems.From(profile.Error);
            })
            .WithName("CreateCredentialProfile");
        profiles.MapPut("/{id}", async (Authenticated caller, ProfileAdministration admin, string id, CredentialProfileSettings body, CancellationToken ct) =>
                Changed(await admin.UpdateAsync(caller.Access, id, body, caller.ClaimedChannel, ct)))
            .WithName("UpdateCredentialProfile");
    }

    /// <summary>200 with the record when the change applied; 202 with the change request when it waits for approval.</summary>
    public static IResult Changed<T>(Result<SettingsChange<T>> result) =>
        !result.IsSuccess ? Problems.Problems.From(result.Error)
        : result.Value.Pending is { } pending ? Results.Accepted($"/api/changeRequests/{pending.Id}", result.Value)
        : Results.Ok(result.Value);
}
