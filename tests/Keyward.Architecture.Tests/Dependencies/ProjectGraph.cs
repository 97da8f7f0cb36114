using System.Reflection;
using Keyward.Architecture.Tests.Support;

namespace Keyward.Architecture.Tests.Dependencies;

/// <summary>One project under <c>src/</c>, and the Keyward projects it may reference directly.</summary>
internal sealed record KeywardProject(string Name, string AssemblyName, IReadOnlyList<string> MayReference)
{
    public string ProjectFile => Path.Combine(Repository.Src, Name, Name + ".csproj");

    /// <summary>The built assembly, copied into the test's output folder by the project reference.</summary>
    public string AssemblyPath => Path.Combine(AppContext.BaseDirectory, AssemblyName + ".dll");

    public Assembly Load() => Assembly.Load(new AssemblyName(AssemblyName));

    public override string ToString() => Name;
}

/// <summary>
/// The allowed dependencies between Keyward's projects: the one table that the dependency tests enforce and that
/// <c>docs/architecture.md</c> shows (a test keeps the two equal). An arrow not listed here is a design change:
/// change this table, the document and the project file together.
/// </summary>
internal static class ProjectGraph
{
    public static readonly IReadOnlyList<KeywardProject> Projects =
    [
        // Domain and use cases: every rule of the product. Knows no other Keyward project.
        new("Keyward.Core", "Keyward.Core", []),

        // The only home of raw private-key bytes; base library only.
        new("Keyward.Crypto", "Keyward.Crypto", []),

        // The PKCS#11 key protector (Pkcs11Interop); apart from Crypto because it brings a native dependency.
        new("Keyward.Tokens", "Keyward.Tokens", ["Keyward.Crypto"]),

        // The card layer: writes recovered keys onto smart cards through their PKCS#11 modules. Reuses Tokens' module
        // loader and Crypto's software transport key; apart from both because it serves the collecting client only.
        new("Keyward.Cards", "Keyward.Cards", ["Keyward.Crypto", "Keyward.Tokens"]),

        // EF Core model and migrations; implements the core's IKeywardStore.
        new("Keyward.Storage", "Keyward.Storage", ["Keyward.Core"]),

        // ASP.NET Core adapter: Core API, token endpoint, problem details; composes the others.
        new("Keyward.Server", "Keyward.Server", ["Keyward.Core", "Keyward.Crypto", "Keyward.Storage", "Keyward.Tokens"]),

        // The keyward command: hosts the server and talks to it as a client.
        new("Keyward.Cli", "keyward", ["Keyward.Cards", "Keyward.Server"]),
    ];

    public static TheoryData<string> Names => new(Projects.Select(p => p.Name));

    public static KeywardProject Get(string name) =>
        Projects.SingleOrDefault(p => p.Name == name) ?? throw new ArgumentException($"'{name}' has no row in the dependency table.", nameof(name));

    /// <summary>The projects reachable from <paramref name="name"/> through allowed arrows, itself excluded.</summary>
    public static IReadOnlySet<string> Reachable(string name)
    {
        var reached = new SortedSet<string>(StringComparer.Ordinal);
        var pending = new Stack<string>(Get(name).MayReference);
        while (pending.TryPop(out var next))
        {
            if (reached.Add(next))
            {
                foreach (var further in Get(next).MayReference)
                {
                    pending.Push(further);
                }
            }
        }

        return reached;
    }

    /// <summary>The table row whose assembly has this name, or null for an assembly that is not Keyward's.</summary>
    public static KeywardProject? ByAssemblyName(string assemblyName) =>
        Projects.SingleOrDefault(p => string.Equals(p.AssemblyName, assemblyName, StringComparison.OrdinalIgnoreCase));
}
