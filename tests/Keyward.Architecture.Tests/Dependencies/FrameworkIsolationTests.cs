using Keyward.Architecture.Tests.Support;
using NetArchTest.Rules;

namespace Keyward.Architecture.Tests.Dependencies;

/// <summary>
/// The domain and the key-material library stay free of web, data-access and token-server frameworks, so they
/// can be reasoned about (and audited) on their own. Keyward.Crypto goes further: the base library alone.
/// </summary>
public sealed class FrameworkIsolationTests
{
    /// <summary>Frameworks that belong to the adapters (Server, Storage), never to Core or Crypto.</summary>
    private static readonly string[] AdapterFrameworks =
    [
        "Microsoft.AspNetCore", // web: endpoints, HTTP, identity
        "Microsoft.EntityFrameworkCore", // data access (and Microsoft.EntityFrameworkCore.*)
        "Npgsql", // PostgreSQL driver
        "OpenIddict", // OAuth token server
    ];

    public static TheoryData<string> IsolatedProjects => new("Keyward.Core", "Keyward.Crypto");

    [Theory]
    [MemberData(nameof(IsolatedProjects))]
    public void ReferencedAssemblies_CoreAndCrypto_NoAdapterFramework(string name)
    {
        var project = ProjectGraph.Get(name);

        Rule.Holds(
            $"{project.AssemblyName}.dll references no assembly of {string.Join(", ", AdapterFrameworks)}:",
            project.Load().GetReferencedAssemblies().Select(a => a.Name!).Where(IsAdapterFramework).Select(a => $"references {a}"));
    }

    [Theory]
    [MemberData(nameof(IsolatedProjects))]
    public void Types_CoreAndCrypto_DependOnNoAdapterFramework(string name)
    {
        var result = Types.InAssembly(ProjectGraph.Get(name).Load())
            .ShouldNot().HaveDependencyOnAny(AdapterFrameworks)
            .GetResult();

        Rule.Holds(
            $"No type of {name} uses a type of {string.Join(", ", AdapterFrameworks)}:",
            (result.FailingTypeNames ?? []).Select(t => $"{t} depends on an adapter framework"));
    }

    [Theory]
    [MemberData(nameof(IsolatedProjects))]
    public void ProjectFile_CoreAndCrypto_NoAdapterPackageOrWebSdk(string name)
    {
        var file = ProjectFile.Load(ProjectGraph.Get(name).ProjectFile);
        var violations = file.PackageReferences.Concat(file.FrameworkReferences)
            .Where(IsAdapterFramework)
            .Select(p => $"references {p}")
            .ToList();
        if (file.Sdk != "Microsoft.NET.Sdk")
        {
            violations.Add($"uses the SDK '{file.Sdk}'; only Microsoft.NET.Sdk keeps ASP.NET Core out");
        }

        Rule.Holds($"{Repository.Relative(file.Path)} brings in no adapter framework:", violations);
    }

    [Fact]
    public void ReferencedAssemblies_Crypto_OnlyBaseLibrary()
    {
        // The shared framework every .NET program runs on; System.Security.Cryptography.Pkcs, System.CommandLine and
        // the ASP.NET Core framework are not in it, even where their names start with System.
        var baseLibrary = Path.GetDirectoryName(typeof(object).Assembly.Location)!;
        var project = ProjectGraph.Get("Keyward.Crypto");

        Rule.Holds(
            $"{project.AssemblyName}.dll references only the .NET base library (System.*, Microsoft.Win32.*, netstandard, mscorlib in {baseLibrary}):",
            project.Load().GetReferencedAssemblies()
                .Select(a => a.Name!)
                .Where(a => !IsBaseLibraryName(a) || !File.Exists(Path.Combine(baseLibrary, a + ".dll")))
                .Select(a => $"references {a}, which is not part of the base library"));
    }

    [Fact]
    public void ProjectFile_Crypto_NoPackageProjectOrFrameworkReference()
    {
        var project = ProjectGraph.Get("Keyward.Crypto");
        var file = ProjectFile.Load(project.ProjectFile);
        var lockFile = Path.Combine(Path.GetDirectoryName(project.ProjectFile)!, "packages.lock.json");
        var locked = File.Exists(lockFile) ? LockedPackages(lockFile) : [];

        Rule.Holds(
            $"{Repository.Relative(file.Path)} depends on the base library alone:",
            file.PackageReferences.Select(p => $"PackageReference {p}")
                .Concat(file.ProjectReferences.Select(p => $"ProjectReference {p}"))
                .Concat(file.FrameworkReferences.Select(f => $"FrameworkReference {f}"))
                .Concat(locked.Select(p => $"{Repository.Relative(lockFile)} locks the package {p}")));
    }

    private static bool IsAdapterFramework(string assemblyOrPackage) =>
        AdapterFrameworks.Any(f => assemblyOrPackage.StartsWith(f, StringComparison.OrdinalIgnoreCase));

    private static bool IsBaseLibraryName(string assembly) =>
        assembly is "netstandard" or "mscorlib" or "System"
        || assembly.StartsWith("System.", StringComparison.Ordinal)
        || assembly.StartsWith("Microsoft.Win32.", StringComparison.Ordinal);

    private static List<string> LockedPackages(string lockFile)
    {
        using var json = System.Text.Json.JsonDocument.Parse(File.ReadAllText(lockFile));
        return json.RootElement.GetProperty("dependencies").EnumerateObject()
            .SelectMany(framework => framework.Value.EnumerateObject().Select(p => p.Name))
            .ToList();
    }
}
