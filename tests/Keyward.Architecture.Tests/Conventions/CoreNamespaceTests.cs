using System.Runtime.CompilerServices;
using System.Text.RegularExpressions;
using Keyward.Architecture.Tests.Support;
using Keyward.Common;

namespace Keyward.Architecture.Tests.Conventions;

/// <summary>
/// Keyward.Core's folders, and so its namespaces, are the product's nouns: a rule is found by what it is about.
/// A new noun (KeyArchive, Collection, ...) is added to <see cref="ProductNouns"/> on purpose; a junk drawer such
/// as Helpers, Utils or Misc is not a noun.
/// </summary>
public sealed partial class CoreNamespaceTests
{
    /// <summary>The namespaces of Keyward.Core (the project's root namespace is <c>Keyward</c>), one per folder.</summary>
    private static readonly string[] ProductNouns =
    [
        "Keyward.ApiClients",
        "Keyward.Audit",
        "Keyward.Certificates",
        "Keyward.Changes",
        "Keyward.Common",
        "Keyward.Devices",
        "Keyward.KeyArchive",
        "Keyward.Notifications",
        "Keyward.People",
        "Keyward.People.Import",
        "Keyward.People.Sync",
        "Keyward.Profiles",
        "Keyward.Recovery",
        "Keyward.Scopes",
        "Keyward.Settings",
    ];

    [Fact]
    public void Namespaces_KeywardCoreTypes_AreProductNouns()
    {
        // Public types wherever they are, and every Keyward.* type; compiler- and generator-made types are not written by hand.
        var types = typeof(Error).Assembly.GetTypes()
            .Where(t => !t.IsNested && !t.Name.StartsWith('<') && !t.IsDefined(typeof(CompilerGeneratedAttribute), false))
            .Where(t => t.IsPublic || t.Namespace?.StartsWith("Keyward", StringComparison.Ordinal) == true);

        Rule.Holds(
            $"Every type of Keyward.Core lives in a product-noun namespace ({string.Join(", ", ProductNouns)}):",
            types.Where(t => !ProductNouns.Contains(t.Namespace)).Select(t => $"{t.FullName} is in namespace '{t.Namespace}'"));
    }

    [Fact]
    public void SourceFiles_KeywardCore_NamespaceMatchesFolder()
    {
        var violations = new List<string>();
        foreach (var file in Repository.SourceFiles("Keyward.Core"))
        {
            var folder = Path.GetDirectoryName(Path.GetRelativePath(Path.Combine(Repository.Src, "Keyward.Core"), file))!;
            var expected = folder.Length == 0 ? "Keyward" : "Keyward." + folder.Replace(Path.DirectorySeparatorChar, '.');
            var declared = NamespaceDeclaration().Matches(CSharpSource.CodeOnly(File.ReadAllText(file))).Select(m => m.Groups["name"].Value).ToList();
            violations.AddRange(declared.Where(n => n != expected).Select(n => $"{Repository.Relative(file)} declares namespace {n}; its folder says {expected}"));
            if (!ProductNouns.Contains(expected))
            {
                violations.Add($"{Repository.Relative(file)} sits in a folder that is not a product noun ({expected})");
            }
        }

        Rule.Holds("Keyward.Core's namespaces follow its folders, and its folders are product nouns:", violations);
    }

    [GeneratedRegex(@"(?m)^\s*namespace\s+(?<name>[\w.]+)")]
    private static partial Regex NamespaceDeclaration();
}
