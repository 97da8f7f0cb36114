namespace Keyward.Architecture.Tests.Support;

/// <summary>Fails a test with the rule it enforces and every violation found, one per line.</summary>
internal static class Rule
{
    public static void Holds(string rule, IEnumerable<string> violations)
    {
        var found = violations.Distinct(StringComparer.Ordinal).ToList();
        if (found.Count > 0)
        {
            Assert.Fail($"{rule}{Environment.NewLine}{string.Join(Environment.NewLine, found.Select(v => "  - " + v))}");
        }
    }
}
