using System.Reflection;
using System.Text.RegularExpressions;
using Keyward.Architecture.Tests.Dependencies;
using Keyward.Architecture.Tests.Support;
using Keyward.Common;
using Keyward.Server.Problems;

namespace Keyward.Architecture.Tests.Errors;

/// <summary>
/// Expected failures are <see cref="Error"/> values declared in <c>*Errors</c> classes. Their codes are a public
/// contract: unique, shaped <c>area.reason</c>, discovered by <see cref="ErrorCatalog"/> (which serves
/// <c>/errors/{code}</c>) and documented in <c>docs/errors.md</c>.
/// </summary>
public sealed partial class ErrorCodeTests
{
    private static readonly Assembly[] ErrorAssemblies = [typeof(Error).Assembly, typeof(ErrorCatalog).Assembly];

    private static string ErrorsDocument => Repository.PathOf("docs", "errors.md");

    [Fact]
    public void ErrorsClasses_CoreAndServer_AreStaticWithReadonlyFields()
    {
        var violations = new List<string>();
        foreach (var type in ErrorsClasses())
        {
            if (!(type.IsAbstract && type.IsSealed))
            {
                violations.Add($"{type.FullName} is not a static class: ErrorCatalog does not discover it");
            }

            violations.AddRange(type.GetFields(BindingFlags.Public | BindingFlags.Static)
                .Where(f => f.FieldType == typeof(Error) && !f.IsInitOnly)
                .Select(f => $"{type.FullName}.{f.Name} is not readonly: a code's meaning could change at run time"));
            violations.AddRange(type.GetProperties(BindingFlags.Public | BindingFlags.Static)
                .Where(p => p.PropertyType == typeof(Error))
                .Select(p => $"{type.FullName}.{p.Name} is a property: declare errors as public static readonly fields"));
        }

        Rule.Holds("Errors are public static readonly fields of static *Errors classes:", violations);
    }

    [Fact]
    public void ErrorCodes_CoreAndServer_AreUnique()
    {
        Rule.Holds(
            "Every error code is declared once:",
            DeclaredErrors()
                .GroupBy(e => e.Error.Code, StringComparer.Ordinal)
                .Where(g => g.Count() > 1)
                .Select(g => $"'{g.Key}' is declared by {string.Join(" and ", g.Select(e => e.Field))}"));
    }

    [Fact]
    public void ErrorCodes_CoreAndServer_AreAreaDotReason()
    {
        Rule.Holds(
            "Every error code is 'area.reason' in lower case with underscores (^[a-z_]+\\.[a-z_]+$):",
            DeclaredErrors().Where(e => !CodeShape().IsMatch(e.Error.Code)).Select(e => $"{e.Field}: '{e.Error.Code}'"));
    }

    [Fact]
    public void ErrorCatalog_All_ListsEveryDeclaredError()
    {
        IReadOnlyDictionary<string, Error> catalog;
        try
        {
            catalog = ErrorCatalog.All;
        }
        catch (ArgumentException ex)
        {
            Assert.Fail($"ErrorCatalog.All cannot be built (a duplicate code? see ErrorCodes_CoreAndServer_AreUnique): {ex.Message}");
            return;
        }

        var declared = DeclaredErrors().Select(e => e.Error.Code).ToHashSet(StringComparer.Ordinal);
        Rule.Holds(
            "ErrorCatalog.All (what /errors/{code} answers) lists exactly the errors declared in *Errors classes:",
            declared.Except(catalog.Keys).Select(c => $"'{c}' is declared but not in the catalog")
                .Concat(catalog.Keys.Except(declared).Select(c => $"'{c}' is in the catalog but declared nowhere the tests look")));
    }

    [Fact]
    public void ErrorCodes_Catalog_EachHasASectionInErrorsDocument()
    {
        var sections = DocumentSections();
        var violations = new List<string>();
        foreach (var error in ErrorCatalog.All.Values.OrderBy(e => e.Code, StringComparer.Ordinal))
        {
            var status = Problems.StatusFor(error.Kind);
            if (!sections.TryGetValue(error.Code, out var section))
            {
                violations.Add($"`{error.Code}` ({status}, \"{error.Title}\") has no section: add a heading containing `{error.Code}`");
            }
            else if (!section.Contains($"**HTTP status:** {status}", StringComparison.Ordinal))
            {
                violations.Add($"`{error.Code}`: the section does not say '**HTTP status:** {status}' (Problems.StatusFor({error.Kind}))");
            }
        }

        violations.AddRange(sections.Keys.Where(c => !ErrorCatalog.All.ContainsKey(c)).Select(c => $"`{c}` is documented but no longer exists"));
        Rule.Holds($"{Repository.Relative(ErrorsDocument)} has one section per error code, with its HTTP status:", violations);
    }

    [Fact]
    public void ErrorConstruction_KeywardAssemblies_OnlyInErrorsClasses()
    {
        // An Error made on the spot (new Error("x.y", ...)) answers a code that the catalog, /errors/{code} and the
        // documentation know nothing about. Derive variants with WithDetail instead.
        var uses = ProjectGraph.Projects
            .SelectMany(p => MetadataScanner.FindUses(p.AssemblyPath, api => api.Type == typeof(Error).FullName && api.Member == ".ctor"))
            .Where(u => u.UsedBy is { } user && !IsErrorsClassInitializer(user) && !user.StartsWith(typeof(Error).FullName + ".", StringComparison.Ordinal));

        Rule.Holds(
            "Errors are created only in the static initializers of *Errors classes:",
            uses.Select(u => $"{u.Assembly}: {u.UsedBy} creates an Error; declare it in an *Errors class"));
    }

    private static bool IsErrorsClassInitializer(string user) =>
        user.EndsWith("Errors..cctor", StringComparison.Ordinal);

    private static IEnumerable<Type> ErrorsClasses() =>
        ErrorAssemblies.SelectMany(a => a.GetTypes()).Where(t => t.IsClass && t.Name.EndsWith("Errors", StringComparison.Ordinal));

    private static List<(string Field, Error Error)> DeclaredErrors() =>
        ErrorsClasses()
            .SelectMany(t => t.GetFields(BindingFlags.Public | BindingFlags.Static).Where(f => f.FieldType == typeof(Error)))
            .Select(f => ($"{f.DeclaringType!.FullName}.{f.Name}", (Error)f.GetValue(null)!))
            .ToList();

    /// <summary>Each heading that names a code in backticks, with the text up to the next heading.</summary>
    private static Dictionary<string, string> DocumentSections()
    {
        var sections = new Dictionary<string, string>(StringComparer.Ordinal);
        string? current = null;
        foreach (var line in File.ReadAllLines(ErrorsDocument))
        {
            if (line.StartsWith('#'))
            {
                var code = BacktickedCode().Match(line);
                current = code.Success ? code.Groups["code"].Value : null;
                if (current is not null)
                {
                    Assert.False(sections.ContainsKey(current), $"{Repository.Relative(ErrorsDocument)} has two sections for `{current}`");
                    sections[current] = string.Empty;
                }
            }
            else if (current is not null)
            {
                sections[current] += line + "\n";
            }
        }

        return sections;
    }

    [GeneratedRegex(@"^[a-z_]+\.[a-z_]+$")]
    private static partial Regex CodeShape();

    [GeneratedRegex(@"`(?<code>[a-z_]+\.[a-z_]+)`")]
    private static partial Regex BacktickedCode();
}
