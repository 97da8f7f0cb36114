using System.Globalization;
using System.Text;
using Keyward.Cli.Commands;
using Keyward.Server.Tests.Infrastructure;

namespace Keyward.Server.Tests.Cli;

/// <summary>
/// <c>keyward people import</c> sending a file in parts: each part all or nothing, refusals naming the row in the whole
/// file, committed parts kept, and <c>--resume</c> continuing after the last committed part.
/// </summary>
public sealed class PeopleImportCommandTests
{
    [Fact]
    public async Task PeopleImport_InPartsOfFive_ImportsEveryoneAndAgainFindsThemUnchanged()
    {
        await using var server = await DemoServer.StartOnLoopbackAsync();
        var file = Path.Combine(server.DataDirectory, "people.csv");
        await File.WriteAllTextAsync(file, Csv(12));

        var (exit, output, error) = await ImportAsync(server, file, "--part-rows", "5");
        var (againExit, again, _) = await ImportAsync(server, file, "--part-rows", "5");

        Assert.True(exit == 0, error);
        Assert.Contains("12 people in 3 parts (12 created", output, StringComparison.Ordinal);
        Assert.Equal(0, againExit);
        Assert.Contains("12 unchanged", again, StringComparison.Ordinal);
        Assert.False(File.Exists(file + ".import-state.json"), "The state of a finished import is removed.");
        using var admin = await server.SignInAsync("admin");
        var person = (await Json.GetAsync(admin, "/api/people?logonName=person02")).GetProperty("results")[0];
        Assert.Equal("Hopper, \"Amazing\" Person 2", person.GetProperty("name").GetString());
    }

    [Fact]
    public async Task PeopleImport_BadRowInThirdPart_NamesItsLineInTheFileKeepsEarlierPartsAndResumesAfterTheFix()
    {
        await using var server = await DemoServer.StartOnLoopbackAsync();
        using var admin = await server.SignInAsync("admin");
        var file = Path.Combine(server.DataDirectory, "people.csv");
        var good = Csv(12);

        // Person 11 sits on line 13 of the file: the header, a blank line after person 4, then one line each.
        await File.WriteAllTextAsync(file, good.Replace("person11@acme.example", "person11-at-acme", StringComparison.Ordinal));
        var (exit, _, error) = await ImportAsync(server, file, "--part-rows", "5");

        Assert.Equal(1, exit);
        var line = Assert.Single(error.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith("keyward: Line 13, field 'email'", line, StringComparison.Ordinal);
        Assert.Contains("(people.import_invalid)", line, StringComparison.Ordinal);
        Assert.Contains("10 people in 2 earlier parts were imported and stay", line, StringComparison.Ordinal);
        Assert.Contains("--resume", line, StringComparison.Ordinal);
        Assert.Single(Json.LogonNames(await Json.GetAsync(admin, "/api/people?logonName=person10")));
        Assert.Empty(Json.LogonNames(await Json.GetAsync(admin, "/api/people?logonName=person11")));
        Assert.True(File.Exists(file + ".import-state.json"), "The progress of the committed parts is kept.");

        await File.WriteAllTextAsync(file, good);
        var (resumed, output, resumeError) = await ImportAsync(server, file, "--part-rows", "5", "--resume");

        Assert.True(resumed == 0, resumeError);
        Assert.Contains("Resuming people.csv at line 13", output, StringComparison.Ordinal);
        Assert.Contains("12 people in 3 parts (12 created", output, StringComparison.Ordinal);
        Assert.Single(Json.LogonNames(await Json.GetAsync(admin, "/api/people?logonName=person12")));
    }

    [Fact]
    public async Task PeopleImport_ResumeAfterTheCommittedRowsChanged_RefusesNamingTheStateFile()
    {
        await using var server = await DemoServer.StartOnLoopbackAsync();
        var file = Path.Combine(server.DataDirectory, "people.csv");
        var good = Csv(12);
        await File.WriteAllTextAsync(file, good.Replace("person11@acme.example", "person11-at-acme", StringComparison.Ordinal));
        Assert.Equal(1, (await ImportAsync(server, file, "--part-rows", "5")).Exit);

        await File.WriteAllTextAsync(file, good.Replace("Person 1,", "Person One,", StringComparison.Ordinal));
        var (exit, _, error) = await ImportAsync(server, file, "--part-rows", "5", "--resume");

        Assert.Equal(2, exit);
        Assert.Contains("people.csv.import-state.json", error, StringComparison.Ordinal);
        Assert.Contains("without --resume", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task PeopleImport_JsonArrayWithBadFifthItem_NamesTheItemInTheFileAndKeepsTheFirstPart()
    {
        await using var server = await DemoServer.StartOnLoopbackAsync();
        using var admin = await server.SignInAsync("admin");
        var file = Path.Combine(server.DataDirectory, "people.json");
        var items = Enumerable.Range(1, 7).Select(n => string.Create(CultureInfo.InvariantCulture,
            $$"""{"logonName": "json{{n}}", "name": "Json {{n}}", "email": "{{(n == 5 ? "nope" : $"json{n}@acme.example")}}", "group": "Acme/Json"}"""));
        await File.WriteAllTextAsync(file, "[\n" + string.Join(",\n", items) + "\n]\n");

        var (exit, _, error) = await ImportAsync(server, file, "--part-rows", "3");

        Assert.Equal(1, exit);
        Assert.StartsWith("keyward: Item 5, field 'email'", error, StringComparison.Ordinal);
        Assert.Contains("3 people in 1 earlier parts were imported and stay", error, StringComparison.Ordinal);
        Assert.Single(Json.LogonNames(await Json.GetAsync(admin, "/api/people?logonName=json3")));
        Assert.Empty(Json.LogonNames(await Json.GetAsync(admin, "/api/people?logonName=json4")));
    }

    /// <summary>
    /// People 1 to <paramref name="count"/> with a blank line after person 4; every even person's name is quoted,
    /// holding a comma and doubled quotes.
    /// </summary>
    private static string Csv(int count)
    {
        var csv = new StringBuilder("logonName,name,email,group\n");
        for (var n = 1; n <= count; n++)
        {
            var name = n % 2 == 0 ? $"\"Hopper, \"\"Amazing\"\" Person {n}\"" : $"Person {n}";
            csv.Append(CultureInfo.InvariantCulture, $"person{n:D2},{name},person{n}@acme.example,Acme/Imported/Part {(n - 1) / 5}\n");
            if (n == 4)
            {
                csv.Append('\n');
            }
        }

        return csv.ToString();
    }

    private static async Task<(int Exit, string Output, string Error)> ImportAsync(DemoServer server, string file, params string[] options)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        string[] args = ["people", "import", file, "--server", server.Address!.ToString(), "--client-id", "admin-cli", "--client-secret", "admin-secret", .. options];
        var exit = await KeywardCommand.RunAsync(args, output, error);
        return (exit, output.ToString(), error.ToString());
    }
}
