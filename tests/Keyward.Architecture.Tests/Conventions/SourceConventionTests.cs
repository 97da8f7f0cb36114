using System.Text.RegularExpressions;
using Keyward.Architecture.Tests.Dependencies;
using Keyward.Architecture.Tests.Support;
using NetArchTest.Rules;

namespace Keyward.Architecture.Tests.Conventions;

/// <summary>Habits of the house that reviews kept repeating, written down where they cannot be forgotten.</summary>
public sealed partial class SourceConventionTests
{
    /// <summary>The projects that log and never print: only the CLI talks to a terminal.</summary>
    public static TheoryData<string> ProjectsThatDoNotPrint => new("Keyward.Core", "Keyward.Crypto", "Keyward.Tokens", "Keyward.Cards", "Keyward.Storage", "Keyward.Server");

    /// <summary>The projects without HTTP adapters: a controller there means web code has moved into the wrong layer.</summary>
    public static TheoryData<string> ProjectsWithoutControllers => new("Keyward.Core", "Keyward.Crypto", "Keyward.Tokens", "Keyward.Cards", "Keyward.Storage");

    [Fact]
    public void ThrowNewException_Src_NotUsed()
    {
        Rule.Holds(
            "No 'throw new Exception(...)' in src/: expected failures are Error values; bugs throw a specific exception type:",
            CSharpSource.Find(Repository.SourceFiles(), ThrowBareException()));
    }

    [Fact]
    public void ClockReads_SrcOutsideCrypto_NotUsed()
    {
        // Expiry, approval windows and token lifetimes are tested by moving a FakeTimeProvider; a direct clock read
        // escapes it. Keyward.Crypto, which holds no rule of the product, is exempt.
        var files = Repository.SourceFiles().Where(f => !Repository.Relative(f).StartsWith("src/Keyward.Crypto/", StringComparison.Ordinal));

        Rule.Holds(
            "Outside Keyward.Crypto, time comes from an injected TimeProvider, never from DateTime/DateTimeOffset.Now, .UtcNow or .Today:",
            CSharpSource.Find(files, ClockRead()));
    }

    [Theory]
    [MemberData(nameof(ProjectsThatDoNotPrint))]
    public void ConsoleOutput_ProjectsOtherThanCli_NotUsed(string name)
    {
        var uses = MetadataScanner.FindUses(ProjectGraph.Get(name).AssemblyPath, api => api.Type == "System.Console" && IsConsoleOutput(api.Member));

        Rule.Holds($"{name} logs through ILogger and never writes to the console (only the CLI prints):", uses.Select(u => u.ToString()));
    }

    [Theory]
    [MemberData(nameof(ProjectsWithoutControllers))]
    public void TypeNames_ProjectsWithoutHttp_NoController(string name)
    {
        var result = Types.InAssembly(ProjectGraph.Get(name).Load()).Should().NotHaveNameEndingWith("Controller").GetResult();

        Rule.Holds(
            $"No type of {name} is named *Controller: HTTP endpoints live in Keyward.Server and stay thin:",
            (result.FailingTypeNames ?? []).Select(t => $"{t} is named like a controller"));
    }

    private static bool IsConsoleOutput(string? member) =>
        member is not null && (member.StartsWith("Write", StringComparison.Ordinal) || member is "get_Out" or "get_Error" or "OpenStandardOutput" or "OpenStandardError");

    [GeneratedRegex(@"\bthrow\s+new\s+(global::)?(System\s*\.\s*)?Exception\s*[({]")]
    private static partial Regex ThrowBareException();

    [GeneratedRegex(@"\b(DateTime\s*\.\s*(Now|UtcNow|Today)|DateTimeOffset\s*\.\s*(Now|UtcNow))\b")]
    private static partial Regex ClockRead();
}
