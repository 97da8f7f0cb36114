using System.Diagnostics;
using System.Reflection;
using System.Runtime.InteropServices;
using Net.Pkcs11Interop.HighLevelAPI;

namespace Keyward.Benchmarks.Cards;

/// <summary>
/// SoftHSM2 for the cards load: a private token folder and configuration, the process re-started with
/// <c>SOFTHSM2_CONF</c> pointing at it (the library reads the variable when it loads, and a value set from .NET after
/// start does not reach it), and fresh tokens made and deleted with <c>softhsm2-util</c>.
/// </summary>
internal static class SoftHsm
{
    public const string Module = "/usr/lib/softhsm/libsofthsm2.so";
    public const string UserPin = "123456";
    public const string SoPin = "bench-so-pin";

    /// <summary>Set in the re-started process: the token folder its configuration names.</summary>
    private const string TokenDirectoryVariable = "KEYWARD_BENCH_TOKEN_DIR";

    /// <summary>The token folder of this run; set only in the re-started process.</summary>
    public static string? TokenDirectory => Environment.GetEnvironmentVariable(TokenDirectoryVariable);

    /// <summary>
    /// Runs this process again with <c>SOFTHSM2_CONF</c> naming a configuration whose token folder is
    /// <paramref name="tokenDirectory"/> (created; its tokens and the configuration are deleted at the end, and the folder too when nothing else is in it), and returns its exit code.
    /// </summary>
    public static int RunWithPrivateConfiguration(string tokenDirectory, IEnumerable<string> arguments)
    {
        var root = Directory.CreateDirectory(tokenDirectory).FullName;
        var tokens = Directory.CreateDirectory(Path.Combine(root, "tokens")).FullName;
        var configuration = Path.Combine(root, "softhsm2.conf");
        File.WriteAllText(configuration, $"directories.tokendir = {tokens}\nobjectstore.backend = file\nlog.level = ERROR\nslots.removable = false\n");

        var self = Environment.ProcessPath ?? throw new InvalidOperationException("The benchmark's own executable is unknown.");
        var start = new ProcessStartInfo(self) { UseShellExecute = false };
        if (Path.GetFileNameWithoutExtension(self) == "dotnet")
        {
            // Run as `dotnet Keyward.Benchmarks.dll`: name the assembly again.
            start.ArgumentList.Add(Assembly.GetEntryAssembly()!.Location);
        }

        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        start.Environment["SOFTHSM2_CONF"] = configuration;
        start.Environment[TokenDirectoryVariable] = tokens;
        using var child = Process.Start(start) ?? throw new InvalidOperationException($"Could not start {self}.");
        child.WaitForExit();
        try
        {
            Directory.Delete(tokens, recursive: true);
            File.Delete(configuration);
            if (!Directory.EnumerateFileSystemEntries(root).Any())
            {
                Directory.Delete(root);
            }
        }
        catch (IOException)
        {
        }

        return child.ExitCode;
    }

    /// <summary>
    /// Pkcs11Interop 5.3 asks for <c>libdl</c>, which glibc 2.34+ ships only as <c>libdl.so.2</c>. The yardstick loads
    /// the module itself, so this host registers the resolver (Keyward.Tokens leaves it to a host that did).
    /// </summary>
    public static void RegisterLibdlResolver()
    {
        NativeLibrary.SetDllImportResolver(typeof(Pkcs11InteropFactories).Assembly, (name, assembly, searchPath) =>
            name == "libdl" && OperatingSystem.IsLinux() && NativeLibrary.TryLoad("libdl.so.2", out var handle) ? handle : IntPtr.Zero);
    }

    /// <summary>A fresh token with the bench PINs (<c>softhsm2-util --init-token --free</c>).</summary>
    public static void InitializeToken(string label) =>
        Run("softhsm2-util", "--init-token", "--free", "--label", label, "--so-pin", SoPin, "--pin", UserPin);

    /// <summary>Deletes a token and its folder (<c>softhsm2-util --delete-token</c>).</summary>
    public static void DeleteToken(string label) => Run("softhsm2-util", "--delete-token", "--token", label);

    private static void Run(string program, params string[] arguments)
    {
        var start = new ProcessStartInfo(program) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException($"Could not start {program}.");
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEnd();
        process.WaitForExit();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{program} {string.Join(' ', arguments.Where(a => a is not SoPin and not UserPin))} failed ({process.ExitCode}): {error}{output.Result}");
        }
    }
}
