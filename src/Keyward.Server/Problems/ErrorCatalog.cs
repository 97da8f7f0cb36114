using System.Reflection;
using Keyward.Common;

namespace Keyward.Server.Problems;

/// <summary>Every stable error code Keyward can answer, found by reflection over the <c>*Errors</c> classes.</summary>
public static class ErrorCatalog
{
    private static readonly Lazy<IReadOnlyDictionary<string, Error>> Errors = new(Discover);

    public static IReadOnlyDictionary<string, Error> All => Errors.Value;

    private static Dictionary<string, Error> Discover() =>
        new[] { typeof(Error).Assembly, typeof(ErrorCatalog).Assembly }
            .SelectMany(a => a.GetTypes())
            .Where(t => t.IsClass && t.IsAbstract && t.IsSealed && t.Name.EndsWith("Errors", StringComparison.Ordinal))
            .SelectMany(t => t.GetFields(BindingFlags.Public | BindingFlags.Static))
            .Where(f => f.FieldType == typeof(Error))
            .Select(f => (Error)f.GetValue(null)!)
            .ToDictionary(e => e.Code, StringComparer.Ordinal);
}
