using System.Text.RegularExpressions;
using Keyward.Scopes;

namespace Keyward.Tests.Conventions;

/// <summary>
/// Enum values are stored in the database and sent over the API by number, so every member states its number
/// (STYLE habit 9). Checked on the source text: a compiled enum cannot tell an implicit number from an explicit one.
/// </summary>
public partial class EnumNumberingTests
{
    [Fact]
    public void EnumDeclarations_UnderSrc_EveryMemberHasExplicitNumber()
    {
        var offenders = SourceEnums()
            .SelectMany(e => MembersWithoutNumber(e.Body).Select(m => $"{e.File}: {e.Name}.{m}"))
            .ToList();

        Assert.True(offenders.Count == 0, "Enum members without an explicit number:\n" + string.Join("\n", offenders));
    }

    [Fact]
    public void EnumDeclarations_UnderSrc_FindEveryEnumOfKeywardCore()
    {
        var found = SourceEnums().Select(e => e.Name).ToHashSet(StringComparer.Ordinal);
        var compiled = typeof(AccessPolicy).Assembly.GetTypes().Where(t => t.IsEnum).Select(t => t.Name).ToList();

        Assert.Contains(nameof(Operation), compiled);
        Assert.All(compiled, name => Assert.Contains(name, found));
    }

    [Fact]
    public void MembersWithoutNumber_ImplicitMember_IsReported()
    {
        const string body = """
            /// <summary>First, = 1 in a comment does not count.</summary>
            First,
            [Obsolete("x")]
            Second = 2,
            Third = 0x10,
            Fourth // = 4
            """;

        Assert.Equal(["First", "Fourth"], MembersWithoutNumber(body));
    }

    private static IEnumerable<(string File, string Name, string Body)> SourceEnums()
    {
        var src = Path.Combine(RepositoryRoot(), "src");
        foreach (var file in Directory.EnumerateFiles(src, "*.cs", SearchOption.AllDirectories))
        {
            var relative = Path.GetRelativePath(src, file);
            if (relative.Split(Path.DirectorySeparatorChar).Any(part => part is "bin" or "obj" or "Migrations"))
            {
                continue;
            }

            foreach (Match match in EnumDeclaration().Matches(File.ReadAllText(file)))
            {
                yield return (relative, match.Groups["name"].Value, match.Groups["body"].Value);
            }
        }
    }

    private static List<string> MembersWithoutNumber(string body)
    {
        var code = BlockComment().Replace(LineComment().Replace(body, string.Empty), string.Empty);
        return code.Split(',')
            .Select(member => Attribute().Replace(member, string.Empty).Trim())
            .Where(member => member.Length > 0 && !NumberedMember().IsMatch(member))
            .Select(member => member.Split('=')[0].Trim())
            .ToList();
    }

    /// <summary>The folder holding global.json, found by walking up from the test binaries.</summary>
    private static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "global.json")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException($"No global.json above {AppContext.BaseDirectory}.");
    }

    [GeneratedRegex(@"\benum\s+(?<name>\w+)\s*(?::\s*[\w.]+\s*)?\{(?<body>[^}]*)\}")]
    private static partial Regex EnumDeclaration();

    [GeneratedRegex("//[^\n]*")]
    private static partial Regex LineComment();

    [GeneratedRegex(@"/\*.*?\*/", RegexOptions.Singleline)]
    private static partial Regex BlockComment();

    [GeneratedRegex(@"\[[^\]]*\]")]
    private static partial Regex Attribute();

    [GeneratedRegex(@"^\w+\s*=\s*-?(\d+|0[xX][0-9A-Fa-f]+)$")]
    private static partial Regex NumberedMember();
}
