using System.Diagnostics;

namespace Keyward.Crypto.Tests.Support;

/// <summary>
/// Runs the <c>openssl</c> command — an implementation independent of .NET — on files in a temporary folder that
/// disposing removes. Passwords go through the environment (<c>-passin env:PFX_PASSWORD</c>), never the command
/// line. A missing openssl fails the test with the command that installs it.
/// </summary>
internal sealed class Openssl : IDisposable
{
    public const string PasswordVariable = "PFX_PASSWORD";

    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    private static readonly Lazy<string?> Executable = new(() =>
        (Environment.GetEnvironmentVariable("PATH") ?? string.Empty)
            .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Select(folder => Path.Combine(folder, "openssl"))
            .FirstOrDefault(File.Exists));

    public Openssl()
    {
        Folder = Directory.CreateTempSubdirectory("keyward-crypto-openssl-").FullName;
    }

    public string Folder { get; }

    /// <summary>The password handed to openssl as <c>$PFX_PASSWORD</c>.</summary>
    public string? Password { get; set; }

    public string Write(string name, byte[] bytes)
    {
        var path = Path.Combine(Folder, name);
        File.WriteAllBytes(path, bytes);
        return path;
    }

    public string Write(string name, string text)
    {
        var path = Path.Combine(Folder, name);
        File.WriteAllText(path, text);
        return path;
    }

    /// <summary>Runs openssl and asserts it exited with 0; returns its standard output.</summary>
    public async Task<string> RunAsync(params string[] arguments)
    {
        var outcome = await TryRunAsync(arguments);
        Assert.True(outcome.ExitCode == 0, $"`openssl {string.Join(' ', arguments)}` exited with {outcome.ExitCode}.\nstderr: {outcome.Error}\nstdout: {outcome.Output}");
        return outcome.Output;
    }

    /// <summary>Runs openssl and returns its exit code and both outputs, whatever the exit code.</summary>
    public async Task<Outcome> TryRunAsync(params string[] arguments)
    {
        var executable = Executable.Value;
        Assert.True(executable is not null, "These tests check Keyward's PFX files and wrapped keys with openssl, which is not on PATH. Install it: apt-get install -y openssl");
        var start = new ProcessStartInfo(executable)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = Folder,
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        if (Password is not null)
        {
            start.Environment[PasswordVariable] = Password;
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException("Could not start openssl.");
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        using var limit = new CancellationTokenSource(Timeout);
        try
        {
            await process.WaitForExitAsync(limit.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            Assert.Fail($"`openssl {string.Join(' ', arguments)}` did not finish within {Timeout.TotalSeconds} s.\nstderr: {await error}");
        }

        return new Outcome(process.ExitCode, await output, await error);
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(Folder, recursive: true);
        }
        catch (IOException)
        {
            // A temporary folder left behind is harmless.
        }
    }

    public sealed record Outcome(int ExitCode, string Output, string Error);
}
