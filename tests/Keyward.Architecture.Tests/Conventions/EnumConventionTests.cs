using System.Text.RegularExpressions;
using Keyward.Architecture.Tests.Support;
using Keyward.Common;

namespace Keyward.Architecture.Tests.Conventions;

/// <summary>
/// Keyward.Core's enums are stored in the database and sent over the wire by number: every member carries an
/// explicit value (so inserting one never renumbers the rest) and a doc line (so the state table can be read).
/// Checked on the source, because the compiled enum no longer shows whether a value was written or implied.
/// </summary>
public sealed partial class EnumConventionTests
{
    [Fact]
    public void EnumMembers_KeywardCore_HaveExplicitValues()
    {
        Rule.Holds(
            "Every member of an enum in Keyward.Core has an explicit value ('Name = 3'); never renumber a stored value:",
            CoreEnums().SelectMany(e => e.Members.Where(m => !m.HasValue).Select(m => $"{e.Location}: {e.Name}.{m.Name} has no explicit value")));
    }

    [Fact]
    public void EnumMembers_KeywardCore_HaveDocumentation()
    {
        Rule.Holds(
            "Every member of an enum in Keyward.Core has a /// doc line saying what the value means:",
            CoreEnums().SelectMany(e => e.Members.Where(m => !m.IsDocumented).Select(m => $"{e.Location}: {e.Name}.{m.Name} has no /// documentation")));
    }

    [Fact]
    public void EnumSourceReader_KeywardCore_FindsEveryCompiledEnum()
    {
        // The two tests above read source; this one proves the reader saw every enum the compiler built.
        var inSource = CoreEnums().Select(e => e.Name).ToHashSet(StringComparer.Ordinal);

        Rule.Holds(
            "Every enum compiled into Keyward.Core is found in src/Keyward.Core by the source reader:",
            typeof(Error).Assembly.GetTypes()
                .Where(t => t.IsEnum && !t.IsDefined(typeof(System.Runtime.CompilerServices.CompilerGeneratedAttribute), false))
                .Where(t => !inSource.Contains(t.Name))
                .Select(t => $"{t.FullName} was not found in the source"));
    }

    private static List<SourceEnum> CoreEnums()
    {
        var enums = new List<SourceEnum>();
        foreach (var file in Repository.SourceFiles("Keyward.Core"))
        {
            var text = File.ReadAllText(file);
            var code = CSharpSource.CodeOnly(text);
            foreach (Match declaration in EnumDeclaration().Matches(code))
            {
                var body = declaration.Groups["body"];
                var members = new List<SourceEnumMember>();
                var start = body.Index;
                foreach (var (segmentStart, segmentEnd) in TopLevelSegments(code, body.Index, body.Index + body.Length))
                {
                    var member = EnumMember().Match(code[segmentStart..segmentEnd]);
                    if (member.Success)
                    {
                        // The doc comment sits between the previous member's comma and this member's name.
                        var preceding = text[start..(segmentStart + member.Groups["name"].Index)];
                        members.Add(new SourceEnumMember(member.Groups["name"].Value, member.Groups["value"].Success, preceding.Contains("///", StringComparison.Ordinal)));
                    }

                    start = segmentEnd;
                }

                enums.Add(new SourceEnum(declaration.Groups["name"].Value, $"{Repository.Relative(file)}:{CSharpSource.LineOf(text, declaration.Index)}", members));
            }
        }

        Assert.NotEmpty(enums);
        return enums;
    }

    /// <summary>Spans of an enum body between top-level commas (commas inside attribute arguments do not split).</summary>
    private static IEnumerable<(int Start, int End)> TopLevelSegments(string code, int start, int end)
    {
        var depth = 0;
        var segmentStart = start;
        for (var i = start; i < end; i++)
        {
            depth += code[i] switch
            {
                '(' or '[' => 1,
                ')' or ']' => -1,
                _ => 0,
            };
            if (code[i] == ',' && depth == 0)
            {
                yield return (segmentStart, i);
                segmentStart = i + 1;
            }
        }

        yield return (segmentStart, end);
    }

    [GeneratedRegex(@"\benum\s+(?<name>[A-Za-z_][A-Za-z0-9_]*)\s*(:\s*[\w.]+\s*)?\{(?<body>[^{}]*)\}")]
    private static partial Regex EnumDeclaration();

    // A member: optional attributes, its name, and '= value' when the value is explicit.
    [GeneratedRegex(@"^\s*(\[[^\]]*\]\s*)*(?<name>[A-Za-z_][A-Za-z0-9_]*)\s*(?<value>=\s*\S)?")]
    private static partial Regex EnumMember();

    private sealed record SourceEnum(string Name, string Location, IReadOnlyList<SourceEnumMember> Members);

    private sealed record SourceEnumMember(string Name, bool HasValue, bool IsDocumented);
}
