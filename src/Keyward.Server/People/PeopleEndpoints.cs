using Keyward.Common;
using Keyward.People;
using Keyward.People.Import;
using Keyward.Server.Auth;
using Keyward.Server.Problems;

namespace Keyward.Server.People;

/// <summary><c>/api/me</c> and <c>/api/people</c>: thin mapping onto <see cref="PeopleDirectory"/> and <see cref="PeopleImporter"/>.</summary>
internal static class PeopleEndpoints
{
    public static void MapPeopleEndpoints(this RouteGroupBuilder api, long maxImportBytes)
    {
        api.MapGet("/me", (Authenticated caller) => TypedResults.Ok(PeopleDirectory.Me(caller.Access)))
            .WithName("GetMe").WithTags("People");

        api.MapGet("/groups", async (Authenticated caller, GroupAdministration groups, CancellationToken ct) =>
                Problems.Problems.Ok(await groups.ListAsync(caller.Access, ct)))
            .WithName("ListGroups").WithTags("People");
        api.MapPost("/groups", async (Authenticated caller, GroupAdministration groups, NewGroup body, CancellationToken ct) =>
            {
                var group = await groups.CreateAsync(caller.Access, body.Path, caller.ClaimedChannel, ct);
                return group.IsSuccess ? Results.Created($"/api/groups/{group.Value.Id}", group.Value) : Problems.Problems.From(group.Error);
            })
            .WithName("CreateGroup").WithTags("People");

        var people = api.MapGroup("/people").WithTags("People");
        people.MapGet("/", async (Authenticated caller, PeopleDirectory directory, string? logonName, string? q, string? group, int? page, int? pageSize, CancellationToken ct) =>
                ListResults.Ok(await directory.ListAsync(caller.Access, new PeopleFilter(logonName, q, group), new PageRequest(page, pageSize), ct)))
            .WithName("ListPeople");
        people.MapGet("/{id}", async (Authenticated caller, PeopleDirectory directory, string id, CancellationToken ct) =>
                Problems.Problems.Ok(await directory.GetAsync(caller.Access, id, ct)))
            .WithName("GetPerson");
        people.MapGet("/{id}/certificates", async (Authenticated caller, PeopleDirectory directory, string id, int? page, int? pageSize, CancellationToken ct) =>
                ListResults.Ok(await directory.CertificatesAsync(caller.Access, id, new PageRequest(page, pageSize), ct)))
            .WithName("ListPersonCertificates");
        people.MapGet("/{id}/devices", async (Authenticated caller, PeopleDirectory directory, string id, int? page, int? pageSize, CancellationToken ct) =>
                ListResults.Ok(await directory.DevicesAsync(caller.Access, id, new PageRequest(page, pageSize), ct)))
            .WithName("ListPersonDevices");

        people.MapPost("/", async (Authenticated caller, PeopleImporter importer, NewPerson body, CancellationToken ct) =>
            {
                var row = new ImportRow("Body", body.LogonName, body.Name, body.Email, body.Group, body.Enabled?.ToString());
                var person = await importer.UpsertAsync(caller.Access, row, caller.ClaimedChannel, ct);
                return person.IsSuccess ? Results.Created($"/api/people/{person.Value.Id}", person.Value) : Problems.Problems.From(person.Error);
            })
            .WithName("CreateOrUpdatePerson");

        people.MapPost("/import", async (Authenticated caller, PeopleImporter importer, HttpRequest request, long? firstRow, CancellationToken ct) =>
            {
                var format = ImportFileReader.FormatFor(request.ContentType ?? string.Empty);
                if (format is null)
                {
                    return Problems.Problems.From(ProtocolErrors.UnsupportedMediaType.WithDetail("Send the file as text/csv or application/json."));
                }

                if (firstRow is < 1 or > MaxFirstRow)
                {
                    return Problems.Problems.From(InputErrors.InvalidParameter.WithDetail($"The parameter 'firstRow' must be a whole number from 1 to {MaxFirstRow}."));
                }

                // Read as it arrives (CSV), never as one string; the body's size is bounded by BodySizeLimit below.
                var rows = await ImportFileReader.ReadAsync(request.Body, format.Value, PeopleImporter.MaxRows, firstRow, ct);
                return rows.IsSuccess
                    ? Problems.Problems.Ok(await importer.ImportAsync(caller.Access, rows.Value, caller.ClaimedChannel, ct))
                    : Problems.Problems.From(rows.Error);
            })
            .WithMetadata(new BodySizeLimit(maxImportBytes))
            .Accepts<string>("text/csv", "application/json")
            .WithName("ImportPeople");
    }

    /// <summary>The largest <c>firstRow</c>: a line number of a file far larger than any directory export.</summary>
    private const long MaxFirstRow = 1_000_000_000_000;

    /// <summary>A group to create, by path; missing groups above it are created too.</summary>
    internal sealed record NewGroup(string? Path);

    /// <summary>One person to create or update (matched by logon name).</summary>
    internal sealed record NewPerson(string? LogonName, string? Name, string? Email, string? Group, bool? Enabled);
}
