namespace Keyward.Architecture.Tests.Support;

/// <summary>
/// The repository the tests run in: its root is the first folder above the test's output folder that holds
/// <c>global.json</c>. Paths in failure messages are relative to it, with forward slashes.
/// </summary>
internal static class Repository
{
    private static readonly Lazy<string> RootPath = new(FindRoot);

    public static string Root => RootPath.Value;

    public static string Src => Path.Combine(Root, "src");

    public static string PathOf(params string[] parts) => Path.Combine([Root, .. parts]);

    public static string Relative(string path) => Path.GetRelativePath(Root, path).Replace('\\', '/');

    /// <summary>Every hand-written or generated C# file under <c>src/</c> (or one of its folders), build output excluded.</summary>
    public static IEnumerable<string> SourceFiles(string folderUnderSrc = "") =>
        Directory.EnumerateFiles(Path.Combine(Src, folderUnderSrc), "*.cs", SearchOption.AllDirectories)
            .Where(f => !IsBuildOutput(f))
            .Order(StringComparer.Ordinal);

    private static bool IsBuildOutput(string path) =>
        Path.GetRelativePath(Src, path).Split(Path.DirectorySeparatorChar, Path.AltDirectorySeparatorChar).Any(part => part is "bin" or "obj");

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "global.json")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException($"No folder above {AppContext.BaseDirectory} holds global.json: the tests must run inside the repository.");
    }
}
