using System.CommandLine;
using Keyward.Cli.Importing;
using Keyward.People.Import;

namespace Keyward.Cli.Commands;

/// <summary><c>keyward people import FILE [--part-rows N] [--resume] [--state PATH]</c>.</summary>
internal static class PeopleCommand
{
    public static Command Create()
    {
        var client = new ClientOptions();
        var people = new Command("people", "Manage people on a Keyward server.");
        client.AddTo(people);

        var file = new Argument<FileInfo>("FILE") { Description = "A .csv (header: logonName,name,email,group[,enabled]) or .json file (an array of people)." };
        var partRows = new Option<int?>("--part-rows")
        {
            Description = $"Send the file in parts of N people, each all or nothing (default: the whole file at once when it holds at most {PeopleImporter.MaxRows:N0} people, else parts of {PeopleFileImport.DefaultPartRows:N0}).",
        };
        var resume = new Option<bool>("--resume") { Description = "Continue a parted import after its last committed part (from the state file)." };
        var state = new Option<FileInfo?>("--state") { Description = "Where a parted import records its progress (default: FILE.import-state.json beside the file)." };
        var import = new Command(
            "import",
            $"Create and update people from a file, matched by logon name. A file of at most {PeopleImporter.MaxRows:N0} people is all or nothing; a larger one is imported in parts, and --resume continues after a stop.")
        {
            file, partRows, resume, state,
        };
        import.SetAction(async (parse, cancellationToken) =>
        {
            var path = parse.GetValue(file)!;
            var error = parse.InvocationConfiguration.Error;
            if (path.Extension.ToLowerInvariant() is not (".csv" or ".json"))
            {
                await error.WriteLineAsync($"keyward: '{path.Name}' is neither .csv nor .json").ConfigureAwait(false);
                return 2;
            }

            if (!path.Exists)
            {
                await error.WriteLineAsync($"keyward: file not found: {path.FullName}").ConfigureAwait(false);
                return 2;
            }

            if (parse.GetValue(partRows) is { } rows && rows is < 1 or > PeopleImporter.MaxRows)
            {
                await error.WriteLineAsync($"keyward: --part-rows must be from 1 to {PeopleImporter.MaxRows}").ConfigureAwait(false);
                return 2;
            }

            var import = new PeopleFileImport(path.FullName, parse.GetValue(partRows), parse.GetValue(resume), parse.GetValue(state)?.FullName);
            var progress = new ImportProgress(error, ReferenceEquals(error, Console.Error) && !Console.IsErrorRedirected);
            return await client.RunAsync(parse, (api, output) => import.RunAsync(api, output, progress, cancellationToken)).ConfigureAwait(false);
        });
        people.Subcommands.Add(import);
        return people;
    }
}
