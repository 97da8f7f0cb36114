namespace Keyward.Web.Tests.Infrastructure;

/// <summary>The repository's root folder (the one holding Keyward.slnx).</summary>
public static class Repository
{
    public static string Root { get; } = Find();

    private static string Find()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Keyward.slnx")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("Keyward.slnx not found above the test's folder.");
    }
}
