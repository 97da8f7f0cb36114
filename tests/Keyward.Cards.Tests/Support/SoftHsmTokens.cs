using System.Diagnostics;
using System.Security.Cryptography;

namespace Keyward.Cards.Tests.Support;

/// <summary>A fresh SoftHSM2 token and a copy of the module loaded by no one yet, so the token is listed (SoftHSM lists tokens at <c>C_Initialize</c> only).</summary>
public sealed record TestToken(string ModulePath, string Label);

/// <summary>
/// Makes fresh SoftHSM2 tokens with <c>softhsm2-util</c> in the token folder that <c>SOFTHSM2_CONF</c> names (set by
/// the test command before the process starts; SoftHSM reads it only when its library loads).
/// </summary>
/// <remarks>
/// Every token gets its own copy of the module file: a copy is a separate PKCS#11 application, initialised when a test
/// first loads it, so it lists the tokens made before — including this one. Other test classes and test processes
/// make tokens in the same folder at the same time, so tokens are found by their random labels, and
/// <c>softhsm2-util --init-token --free</c> runs under flock(1), as in the other PKCS#11 tests.
/// </remarks>
public sealed class SoftHsmTokens : IDisposable
{
    public const string UserPin = "keyward-card-pin";
    public const string SoPin = "keyward-card-so-pin";
    private const string DefaultModule = "/usr/lib/softhsm/libsofthsm2.so";

    private readonly string _workFolder;
    private readonly string _module;

    public SoftHsmTokens()
    {
        var conf = Environment.GetEnvironmentVariable("SOFTHSM2_CONF");
        if (string.IsNullOrEmpty(conf) || !File.Exists(conf))
        {
            throw new InvalidOperationException(Help($"SOFTHSM2_CONF is {(string.IsNullOrEmpty(conf) ? "not set" : $"'{conf}', which does not exist")}."));
        }

        _module = Environment.GetEnvironmentVariable("KEYWARD_PKCS11_MODULE") is { Length: > 0 } configured ? configured : DefaultModule;
        if (!File.Exists(_module))
        {
            throw new InvalidOperationException(Help($"The SoftHSM2 module '{_module}' does not exist."));
        }

        var scratch = Directory.Exists("/dev/shm") ? "/dev/shm" : Path.GetTempPath();
        _workFolder = Directory.CreateDirectory(Path.Combine(scratch, "keyward-cards-" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(6)))).FullName;
    }

    /// <summary>The module file tests copy; for child processes with a token folder of their own.</summary>
    public string OriginalModule => _module;

    /// <summary>A folder removed with the fixture.</summary>
    public string WorkFolder => _workFolder;

    /// <summary>Initialises a new token (user PIN <see cref="UserPin"/>) and returns it with a fresh copy of the module.</summary>
    public TestToken NewToken(string? label = null)
    {
        var random = label is null;
        label ??= NewLabel();
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                Run("flock", [Environment.GetEnvironmentVariable("SOFTHSM2_CONF") + ".lock", "softhsm2-util", "--init-token", "--free", "--label", label, "--so-pin", SoPin, "--pin", UserPin]);
                break;
            }
            catch (InvalidOperationException ex) when (attempt < 3 && ex.Message.Contains("Could not get info about the token", StringComparison.Ordinal))
            {
                // softhsm2-util reads every token's files to find the free slot, and SoftHSM rewrites a token's files in
                // place: a test of another class writing to its token at that moment makes the read fail. The read can
                // also fail after the token was initialised, so a random label is drawn again: trying the same one
                // could leave two tokens answering to it.
                if (random)
                {
                    label = NewLabel();
                }
            }
        }

        return new TestToken(NewModuleCopy(), label);
    }

    /// <summary>A further copy of the module file: a separate PKCS#11 application that lists every token made so far.</summary>
    public string NewModuleCopy()
    {
        var path = Path.Combine(_workFolder, $"softhsm-{Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(4))}.so");
        File.Copy(_module, path);
        return path;
    }

    /// <summary>Token labels are at most 32 characters; a random part keeps parallel tests apart.</summary>
    public static string NewLabel() => "kc-" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8));

    /// <summary>
    /// Removes the fixture's module copies, and leaves its tokens: every module copy another test class has loaded
    /// lists this fixture's tokens too (SoftHSM lists tokens at <c>C_Initialize</c>), and a token deleted under it can
    /// make that module's token listing fail with <c>CKR_GENERAL_ERROR</c> while that class still runs. The token
    /// folder belongs to the test command, which makes a fresh one per run and removes it afterwards.
    /// </summary>
    public void Dispose() => Directory.Delete(_workFolder, recursive: true);

    /// <summary>Runs a program and returns its standard output; a non-zero exit fails with its output.</summary>
    public static string Run(string program, IEnumerable<string> arguments, IDictionary<string, string>? environment = null)
    {
        var start = new ProcessStartInfo(program) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        foreach (var (name, value) in environment ?? new Dictionary<string, string>())
        {
            start.Environment[name] = value;
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException($"{program} did not start.");
        var error = process.StandardError.ReadToEndAsync();
        var output = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{program} {string.Join(' ', start.ArgumentList)} failed ({process.ExitCode}): {error.Result}{output}");
        }

        return output;
    }

    private static string Help(string problem) =>
        $"""
        {problem}
        The card tests run against real SoftHSM2 tokens and need SOFTHSM2_CONF set before `dotnet test` starts
        (SoftHSM reads it only when its library loads). `bash scripts/test` does all of this. By hand:
          d=$(mktemp -d /dev/shm/keyward-softhsm.XXXXXX); mkdir "$d/tokens"
          printf 'directories.tokendir = %s\nobjectstore.backend = file\nlog.level = ERROR\n' "$d/tokens" > "$d/softhsm2.conf"
          SOFTHSM2_CONF="$d/softhsm2.conf" dotnet test tests/Keyward.Cards.Tests
        """;
}
