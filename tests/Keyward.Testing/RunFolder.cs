namespace Keyward.Testing;

/// <summary>
/// A temporary folder for the whole test run — a template that every test copies from — deleted when the test process
/// exits. The demo's template holds key stores and token keys: they must not outlive the run in the temporary folder.
/// </summary>
public static class RunFolder
{
    /// <summary>Creates the folder under the temporary folder, its name starting with <paramref name="prefix"/>.</summary>
    public static string Create(string prefix)
    {
        var folder = Directory.CreateTempSubdirectory(prefix).FullName;
        AppDomain.CurrentDomain.ProcessExit += (_, _) =>
        {
            try
            {
                Directory.Delete(folder, recursive: true);
            }
            catch (IOException)
            {
                // Already gone, or held by a process that outlived the run: nothing more to do at exit.
            }
            catch (UnauthorizedAccessException)
            {
                // Likewise.
            }
        };
        return folder;
    }
}
