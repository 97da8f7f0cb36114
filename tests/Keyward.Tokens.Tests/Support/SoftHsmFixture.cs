using System.Diagnostics;
using System.Security.Cryptography;
using Keyward.Tokens.Protection;

namespace Keyward.Tokens.Tests.Support;

/// <summary>
/// Two fresh SoftHSM2 tokens for one test class, initialised with <c>softhsm2-util</c> in the token folder named by
/// the <c>softhsm2.conf</c> that <c>SOFTHSM2_CONF</c> points to.
/// </summary>
/// <remarks>
/// <para>SoftHSM reads <c>SOFTHSM2_CONF</c> once, when the library loads, and from the process environment:
/// setting it from .NET is too late. So the test command sets it (<c>scripts/test</c> writes a conf with a token
/// folder on /dev/shm); without it this fixture fails, it never skips.</para>
/// <para>SoftHSM also lists tokens only when it is initialised (<c>C_Initialize</c>), and a module is initialised
/// once per process. Test classes run in parallel and each initialises its own tokens, so each fixture loads its
/// own copies of the module file: <see cref="ModulePath"/> and <see cref="AnotherProcessModulePath"/> are two
/// separate PKCS#11 applications in one test process — with their own login, sessions and object handles, the way
/// two Keyward server processes sharing one HSM would be.</para>
/// </remarks>
public sealed class SoftHsmFixture : IDisposable
{
    public const string UserPin = "keyward-test-pin";
    private const string SoPin = "keyward-test-so-pin";
    private const string DefaultModule = "/usr/lib/softhsm/libsofthsm2.so";

    private static int _prefixes;
    private readonly string _workFolder;

    public SoftHsmFixture()
    {
        var conf = Environment.GetEnvironmentVariable("SOFTHSM2_CONF");
        if (string.IsNullOrEmpty(conf))
        {
            throw new InvalidOperationException(Help("SOFTHSM2_CONF is not set."));
        }

        var tokenFolder = File.Exists(conf) ? TokenFolderOf(conf) : throw new InvalidOperationException(Help($"SOFTHSM2_CONF names '{conf}', which does not exist."));
        if (tokenFolder is null || !Directory.Exists(tokenFolder))
        {
            throw new InvalidOperationException(Help($"'{conf}' names no existing folder in 'directories.tokendir' ({tokenFolder ?? "none"})."));
        }

        var module = Environment.GetEnvironmentVariable("KEYWARD_PKCS11_MODULE") is { Length: > 0 } configured ? configured : DefaultModule;
        if (!File.Exists(module))
        {
            throw new InvalidOperationException(Help($"The SoftHSM2 module '{module}' does not exist."));
        }

        var scratch = Directory.Exists("/dev/shm") ? "/dev/shm" : Path.GetTempPath();
        _workFolder = Directory.CreateDirectory(Path.Combine(scratch, "keyward-p11-" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(6)))).FullName;
        ModulePath = Path.Combine(_workFolder, "softhsm-a.so");
        AnotherProcessModulePath = Path.Combine(_workFolder, "softhsm-b.so");
        File.Copy(module, ModulePath);
        File.Copy(module, AnotherProcessModulePath);

        // Token labels are at most 32 characters; a random part keeps parallel classes and leftovers apart.
        TokenLabel = "kw-" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8));
        OtherTokenLabel = "kw-" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8));
        SoftHsmUtil("--init-token", "--free", "--label", TokenLabel, "--so-pin", SoPin, "--pin", UserPin);
        SoftHsmUtil("--init-token", "--free", "--label", OtherTokenLabel, "--so-pin", SoPin, "--pin", UserPin);
    }

    /// <summary>The token this class's protectors share.</summary>
    public string TokenLabel { get; }

    /// <summary>A second token: another deployment's HSM.</summary>
    public string OtherTokenLabel { get; }

    /// <summary>This test process's copy of the module ("server process A").</summary>
    public string ModulePath { get; }

    /// <summary>A second copy: a separate PKCS#11 application on the same tokens ("server process B").</summary>
    public string AnotherProcessModulePath { get; }

    /// <summary>A key label prefix no other test of this class uses: an empty key store on the shared token.</summary>
    public static string NewPrefix() => $"t{Interlocked.Increment(ref _prefixes)}-{Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(3))}";

    /// <summary>A further copy of the module, loaded by no one yet: a server process that starts now.</summary>
    public string NewProcessModulePath()
    {
        var path = Path.Combine(_workFolder, $"softhsm-{Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(4))}.so");
        File.Copy(ModulePath, path);
        return path;
    }

    public Pkcs11KeyProtectorOptions Options(string prefix, bool anotherProcess = false, string? tokenLabel = null, TimeProvider? time = null, string? modulePath = null) => new()
    {
        ModulePath = modulePath ?? (anotherProcess ? AnotherProcessModulePath : ModulePath),
        TokenLabel = tokenLabel ?? TokenLabel,
        UserPin = UserPin,
        KeyLabelPrefix = prefix,
        TimeProvider = time ?? TimeProvider.System,
    };

    /// <summary>Initialises one more token, with a fresh label, and answers the label.</summary>
    public static string InitToken()
    {
        var label = "kw-" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8));
        SoftHsmUtil("--init-token", "--free", "--label", label, "--so-pin", SoPin, "--pin", UserPin);
        return label;
    }

    /// <summary>Deletes a token (its folder), as another process or an administrator might while a module is loaded.</summary>
    public static void DeleteToken(string label) => SoftHsmUtil("--delete-token", "--token", label);

    public void Dispose()
    {
        foreach (var label in new[] { TokenLabel, OtherTokenLabel })
        {
            try
            {
                SoftHsmUtil("--delete-token", "--token", label);
            }
            catch (InvalidOperationException)
            {
                // The test command removes its token folder on exit anyway.
            }
        }

        Directory.Delete(_workFolder, recursive: true);
    }

    private static string? TokenFolderOf(string conf) =>
        File.ReadLines(conf)
            .Select(line => line.Trim())
            .Where(line => line.StartsWith("directories.tokendir", StringComparison.Ordinal))
            .Select(line => line[(line.IndexOf('=', StringComparison.Ordinal) + 1)..].Trim())
            .LastOrDefault();

    private static void SoftHsmUtil(params string[] arguments)
    {
        // "--init-token --free" takes the first free slot: test processes running at the same time on one token
        // folder must take turns, or two of them initialise the same slot. flock(1) serialises them on a lock file.
        var start = new ProcessStartInfo("flock") { RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add(Environment.GetEnvironmentVariable("SOFTHSM2_CONF") + ".lock");
        start.ArgumentList.Add("softhsm2-util");
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        Process process;
        try
        {
            process = Process.Start(start)!;
        }
        catch (System.ComponentModel.Win32Exception ex)
        {
            throw new InvalidOperationException(Help("softhsm2-util is not on the PATH."), ex);
        }

        using (process)
        {
            var output = process.StandardOutput.ReadToEndAsync();
            var error = process.StandardError.ReadToEnd();
            process.WaitForExit();
            if (process.ExitCode != 0)
            {
                throw new InvalidOperationException($"softhsm2-util {arguments[0]} failed ({process.ExitCode}): {error}{output.Result}");
            }
        }
    }

    private static string Help(string problem) =>
        $"""
        {problem}
        The PKCS#11 tests run against a real SoftHSM2 token and need SOFTHSM2_CONF set before `dotnet test` starts
        (SoftHSM reads it only when its library loads). `bash scripts/test` does all of this. By hand:
          apt-get install -y softhsm2
          d=$(mktemp -d /dev/shm/keyward-softhsm.XXXXXX); mkdir "$d/tokens"
          printf 'directories.tokendir = %s\nobjectstore.backend = file\nlog.level = ERROR\n' "$d/tokens" > "$d/softhsm2.conf"
          SOFTHSM2_CONF="$d/softhsm2.conf" dotnet test tests/Keyward.Tokens.Tests
        """;
}
