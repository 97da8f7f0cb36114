using Keyward.Server.Tests.Infrastructure;

namespace Keyward.Server.Tests.Cli;

/// <summary>
/// keyward as a .NET tool (docs/operations.md#installing): the command project packs into a tool package that
/// <c>dotnet tool install</c> installs into a tool path of its own, and the installed command runs.
/// </summary>
public sealed class ToolPackageTests
{
    private static readonly TimeSpan Limit = TimeSpan.FromMinutes(5);

    [Fact]
    public async Task TheCommandPacksAsATool_InstallsIntoAToolPath_AndRuns()
    {
        var root = RepositoryRoot();
        var work = Directory.CreateTempSubdirectory("keyward-tool-");
        try
        {
            var feed = Path.Combine(work.FullName, "feed");
            var tools = Path.Combine(work.FullName, "tools");

            // The test command builds Release before the tests run; packing reuses that build.
            await ExternalTool.RunOkAsync("dotnet", ["pack", Path.Combine(root, "src", "Keyward.Cli", "Keyward.Cli.csproj"), "-c", "Release", "--no-build", "-o", feed, "-nologo"], root, Limit);
            var package = Assert.Single(Directory.GetFiles(feed, "Keyward.*.nupkg"));
            var version = Path.GetFileNameWithoutExtension(package)["Keyward.".Length..];

            await ExternalTool.RunOkAsync("dotnet", ["tool", "install", "Keyward", "--tool-path", tools, "--add-source", feed, "--version", version], work.FullName, Limit);
            var help = await ExternalTool.RunOkAsync(Path.Combine(tools, "keyward"), ["--help"], work.FullName, Limit);

            foreach (var command in new[] { "server", "collect", "requests", "audit" })
            {
                Assert.Contains(command, help, StringComparison.Ordinal);
            }
        }
        finally
        {
            work.Delete(recursive: true);
        }
    }

    private static string RepositoryRoot()
    {
        for (var folder = new DirectoryInfo(AppContext.BaseDirectory); folder is not null; folder = folder.Parent)
        {
            if (File.Exists(Path.Combine(folder.FullName, "Keyward.slnx")))
            {
                return folder.FullName;
            }
        }

        throw new InvalidOperationException($"No Keyward.slnx above {AppContext.BaseDirectory}.");
    }
}
