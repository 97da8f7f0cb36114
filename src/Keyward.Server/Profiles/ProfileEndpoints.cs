using Keyward.Common;
using Keyward.Profiles;
using Keyward.Server.Auth;
using Keyward.Server.Problems;

namespace Keyward.Server.Profiles;

internal static class ProfileEndpoints
{
    public static void MapProfileEndpoints(this RouteGroupBuilder api) =>
        api.MapGet("/credentialProfiles", async (Authenticated caller, ProfileCatalog catalog, int? page, int? pageSize, CancellationToken ct) =>
                TypedResults.Ok(ListResponse<CredentialProfileView>.From(await catalog.ListAsync(caller.Access, new PageRequest(page, pageSize), ct))))
            .WithName("ListCredentialProfiles")
            .WithTags("Credential profiles");
}
