using System.Globalization;
using System.Net;
using System.Text;
using Keyward.People.Import;
using Keyward.Server.Tests.Infrastructure;
using Keyward.Testing.Databases;
using Microsoft.Extensions.DependencyInjection;

namespace Keyward.Server.Tests.People;

/// <summary>
/// <c>POST /api/people/import</c> at the documented limit, on each database: a file of up to
/// <see cref="PeopleImporter.MaxRows"/> people is imported in one request, all or nothing, and one more row is refused.
/// Regression: 40,000 people answered 500 on SQLite ("too many SQL variables") because the lookup of existing logon
/// names sent one SQL parameter per row.
/// </summary>
public abstract class ImportSizeTests
{
    /// <summary>The demo's people, before any import.</summary>
    private const int DemoPeople = 7;

    protected abstract Task<ImportDeployment> StartAsync();

    [Fact]
    public async Task Import_MaxRowsInOneRequest_ImportsEveryone()
    {
        await using var deployment = await StartAsync();
        using var admin = await deployment.Server.SignInAsync("admin");

        using var response = await PostCsvAsync(admin, People(PeopleImporter.MaxRows));

        var summary = await Json.ReadAsync(response, HttpStatusCode.OK);
        Assert.Equal(PeopleImporter.MaxRows, summary.GetProperty("created").GetInt32());
        Assert.Equal(DemoPeople + PeopleImporter.MaxRows, await TotalAsync(deployment.Server));
        var listed = await Json.GetAsync(admin, "/api/people?pageSize=1");
        Assert.Equal((Keyward.Common.Paging.CountLimit, true), (listed.GetProperty("total").GetInt32(), listed.GetProperty("totalCapped").GetBoolean()));
        await AssertImportedAsync(admin, 1);
        await AssertImportedAsync(admin, PeopleImporter.MaxRows / 2);
        await AssertImportedAsync(admin, PeopleImporter.MaxRows);
    }

    [Fact]
    public async Task Import_FortyThousandTwice_CreatesThenFindsThemAllUnchanged()
    {
        await using var deployment = await StartAsync();
        using var admin = await deployment.Server.SignInAsync("admin");
        var file = People(40_000);

        using var first = await PostCsvAsync(admin, file);
        using var again = await PostCsvAsync(admin, file);

        Assert.Equal(40_000, (await Json.ReadAsync(first, HttpStatusCode.OK)).GetProperty("created").GetInt32());
        var second = await Json.ReadAsync(again, HttpStatusCode.OK);
        Assert.Equal(40_000, second.GetProperty("unchanged").GetInt32());
        Assert.Equal(0, second.GetProperty("created").GetInt32());
        Assert.Equal(DemoPeople + 40_000, await TotalAsync(deployment.Server));
        await AssertImportedAsync(admin, 39_999);
    }

    [Fact]
    public async Task Import_OneRowOverMaxRows_IsRefusedAndChangesNothing()
    {
        await using var deployment = await StartAsync();
        using var admin = await deployment.Server.SignInAsync("admin");

        using var response = await PostCsvAsync(admin, People(PeopleImporter.MaxRows + 1));

        var detail = await Json.ProblemAsync(response, HttpStatusCode.BadRequest, "people.import_invalid");
        Assert.Contains(PeopleImporter.MaxRows.ToString(CultureInfo.InvariantCulture), detail, StringComparison.Ordinal);
        Assert.Equal(DemoPeople, await TotalAsync(deployment.Server));
        Assert.Empty(Json.LogonNames(await Json.GetAsync(admin, "/api/people?logonName=user000001")));
    }

    /// <summary>Person n: <c>user00000n</c> in one of 50 departments of one of 5 divisions.</summary>
    private static string People(int count)
    {
        var csv = new StringBuilder("logonName,name,email,group\n", count * 80);
        for (var n = 1; n <= count; n++)
        {
            csv.Append(CultureInfo.InvariantCulture, $"user{n:D6},Imported Person {n},user{n:D6}@acme.example,{GroupOf(n)}\n");
        }

        return csv.ToString();
    }

    private static string GroupOf(int n) => string.Create(CultureInfo.InvariantCulture, $"Acme/Imported/Division {n % 5}/Department {n % 50}");

    private static Task<HttpResponseMessage> PostCsvAsync(HttpClient admin, string csv) =>
        admin.PostAsync(new Uri("/api/people/import", UriKind.Relative), new StringContent(csv, Encoding.UTF8, "text/csv"));

    /// <summary>Everyone in the database (the API's list totals stop counting at <see cref="Keyward.Common.Paging.CountLimit"/>).</summary>
    private static async Task<int> TotalAsync(DemoServer server)
    {
        await using var scope = server.App.Services.CreateAsyncScope();
        var store = scope.ServiceProvider.GetRequiredService<Keyward.Common.IKeywardStore>();
        return await store.CountAsync(store.People, CancellationToken.None);
    }

    private static async Task AssertImportedAsync(HttpClient admin, int n)
    {
        var logon = string.Create(CultureInfo.InvariantCulture, $"user{n:D6}");
        var found = (await Json.GetAsync(admin, $"/api/people?logonName={logon}")).GetProperty("results");
        var person = Assert.Single(found.EnumerateArray());
        Assert.Equal(string.Create(CultureInfo.InvariantCulture, $"Imported Person {n}"), person.GetProperty("name").GetString());
        Assert.Equal($"{logon}@acme.example", person.GetProperty("email").GetString());
        Assert.Equal(GroupOf(n), person.GetProperty("group").GetString());
    }

    /// <summary>A demo server and what it stands on (a database, a data folder), thrown away together.</summary>
    protected sealed class ImportDeployment(DemoServer server, params Func<ValueTask>[] cleanups) : IAsyncDisposable
    {
        public DemoServer Server { get; } = server;

        public async ValueTask DisposeAsync()
        {
            await Server.DisposeAsync();
            foreach (var cleanup in cleanups)
            {
                await cleanup();
            }
        }
    }
}

/// <summary><see cref="ImportSizeTests"/> on SQLite, the embedded default.</summary>
public sealed class SqliteImportSizeTests : ImportSizeTests
{
    protected override async Task<ImportDeployment> StartAsync() => new(await DemoServer.StartAsync());
}

/// <summary><see cref="ImportSizeTests"/> on PostgreSQL, on a database of a private server.</summary>
public sealed class PostgresImportSizeTests(PostgresServer postgres) : ImportSizeTests, IClassFixture<PostgresServer>
{
    protected override async Task<ImportDeployment> StartAsync()
    {
        var database = await postgres.CreateEmptyDatabaseAsync(CancellationToken.None);
        var data = Directory.CreateTempSubdirectory("keyward-pg-import-").FullName;
        try
        {
            var server = await DemoServer.StartAsync(o =>
            {
                o.Database = database.Options;
                o.DataDirectory = data;
            });
            Assert.False(File.Exists(Path.Combine(data, "keyward.db")), "The server runs on SQLite, not on PostgreSQL.");
            return new ImportDeployment(server, database.DisposeAsync, () => DeleteFolder(data));
        }
        catch
        {
            await database.DisposeAsync();
            await DeleteFolder(data);
            throw;
        }
    }

    private static ValueTask DeleteFolder(string path)
    {
        try
        {
            Directory.Delete(path, recursive: true);
        }
        catch (IOException)
        {
            // A file still held open is harmless in a temporary folder.
        }

        return ValueTask.CompletedTask;
    }
}
