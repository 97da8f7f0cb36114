using System.Text.RegularExpressions;
using Keyward.Architecture.Tests.Support;

namespace Keyward.Architecture.Tests.Dependencies;

/// <summary>
/// Keyward's projects depend on each other only as <see cref="ProjectGraph"/> allows: in their project files
/// (direct references) and in their built assemblies (where the transitive closure of the allowed arrows applies,
/// since a project may use the types of what its references reference).
/// </summary>
public sealed partial class ProjectDependencyTests
{
    public static TheoryData<string> Projects => ProjectGraph.Names;

    [Fact]
    public void DependencyTable_SourceFolder_HasARowForEveryProject()
    {
        var onDisk = Directory.EnumerateFiles(Repository.Src, "*.csproj", SearchOption.AllDirectories)
            .Select(f => Path.GetFileNameWithoutExtension(f))
            .ToHashSet(StringComparer.Ordinal);
        var inTable = ProjectGraph.Projects.Select(p => p.Name).ToHashSet(StringComparer.Ordinal);

        Rule.Holds(
            "Every project under src/ has a row in the dependency table (ProjectGraph.Projects), and every row a project:",
            onDisk.Except(inTable).Select(p => $"{p}: no row in the dependency table; decide what it may reference and add it")
                .Concat(inTable.Except(onDisk).Select(p => $"{p}: in the dependency table but not under src/")));
    }

    [Fact]
    public void DependencyTable_Arrows_FormNoCycle()
    {
        Rule.Holds(
            "The allowed dependencies form no cycle:",
            ProjectGraph.Projects.Where(p => ProjectGraph.Reachable(p.Name).Contains(p.Name)).Select(p => $"{p.Name} can reach itself"));
    }

    [Theory]
    [MemberData(nameof(Projects))]
    public void ProjectReferences_EachProject_OnlyAllowedProjects(string name)
    {
        var project = ProjectGraph.Get(name);
        var references = ProjectFile.Load(project.ProjectFile).ProjectReferences;

        Rule.Holds(
            $"{Repository.Relative(project.ProjectFile)} may reference only {Describe(project.MayReference)}:",
            references.Where(r => !project.MayReference.Contains(r)).Select(r => $"ProjectReference to {r} is not allowed"));
    }

    [Theory]
    [MemberData(nameof(Projects))]
    public void ReferencedAssemblies_EachProject_OnlyAllowedKeywardAssemblies(string name)
    {
        var project = ProjectGraph.Get(name);
        var allowed = ProjectGraph.Reachable(name);
        var keywardReferences = project.Load().GetReferencedAssemblies()
            .Select(a => a.Name!)
            .Where(a => ProjectGraph.ByAssemblyName(a) is not null || a.StartsWith("Keyward", StringComparison.OrdinalIgnoreCase));

        Rule.Holds(
            $"{project.AssemblyName}.dll ({name}) may reference only the Keyward assemblies of {Describe([.. allowed])}:",
            keywardReferences
                .Select(a => (Assembly: a, Project: ProjectGraph.ByAssemblyName(a)))
                .Where(r => r.Project is null || !allowed.Contains(r.Project.Name))
                .Select(r => r.Project is null
                    ? $"references {r.Assembly}, which has no row in the dependency table"
                    : $"references {r.Assembly} ({r.Project.Name}), which the dependency table does not allow"));
    }

    [Fact]
    public void ArchitectureDocument_DependencyTable_MatchesProjectGraph()
    {
        var path = Repository.PathOf("docs", "architecture.md");
        var documented = File.ReadAllLines(path)
            .Select(line => DocumentRow().Match(line))
            .Where(m => m.Success)
            .ToDictionary(
                m => m.Groups["project"].Value,
                m => BacktickedName().Matches(m.Groups["references"].Value).Select(r => r.Groups[1].Value).Order(StringComparer.Ordinal).ToList(),
                StringComparer.Ordinal);

        var violations = new List<string>();
        foreach (var project in ProjectGraph.Projects)
        {
            if (!documented.TryGetValue(project.Name, out var references))
            {
                violations.Add($"{project.Name}: no row in the document's dependency table");
            }
            else if (!references.SequenceEqual(project.MayReference.Order(StringComparer.Ordinal)))
            {
                violations.Add($"{project.Name}: the document says {Describe(references)}, the tests enforce {Describe(project.MayReference)}");
            }
        }

        violations.AddRange(documented.Keys.Where(k => ProjectGraph.Projects.All(p => p.Name != k)).Select(k => $"{k}: documented but not in ProjectGraph.Projects"));
        Rule.Holds($"{Repository.Relative(path)} shows the dependency table that the tests enforce (rows '| `Project` | `Allowed`, ... |'):", violations);
    }

    private static string Describe(IReadOnlyCollection<string> projects) => projects.Count == 0 ? "no Keyward project" : string.Join(", ", projects);

    // A row of the document's table: | `Keyward.Storage` | `Keyward.Core` | ... |
    [GeneratedRegex(@"^\|\s*`(?<project>Keyward\.[A-Za-z]+)`\s*\|(?<references>[^|]*)\|")]
    private static partial Regex DocumentRow();

    [GeneratedRegex(@"`(Keyward\.[A-Za-z]+)`")]
    private static partial Regex BacktickedName();
}
