using Keyward.People.Sync;
using Keyward.Server.Auth;

namespace Keyward.Server.People;

/// <summary><c>POST /api/directory/sync</c>: a directory sync run now, answered with its report (<see cref="DirectorySync"/>).</summary>
internal static class DirectoryEndpoints
{
    public static void MapDirectoryEndpoints(this RouteGroupBuilder api)
    {
        api.MapPost("/directory/sync", async (Authenticated caller, DirectorySync sync, bool? full, CancellationToken ct) =>
                Problems.Problems.Ok(await sync.RunAsync(caller.Access, full ?? false, caller.ClaimedChannel, ct)))
            .WithName("SyncDirectory").WithTags("People");
    }
}
