using System.Diagnostics;

namespace Keyward.Server.Tests.Infrastructure;

/// <summary>Runs a program outside .NET (openssl, pg_dump) with a time limit and collects what it printed.</summary>
public static class ExternalTool
{
    public sealed record Outcome(int ExitCode, string Output, string Error);

    /// <summary>Runs <paramref name="executable"/>; the test fails if it does not finish within <paramref name="timeout"/>.</summary>
    public static async Task<Outcome> RunAsync(
        string executable,
        IReadOnlyList<string> arguments,
        string workingDirectory,
        TimeSpan timeout,
        IReadOnlyDictionary<string, string>? environment = null)
    {
        ArgumentNullException.ThrowIfNull(arguments);
        var start = new ProcessStartInfo(executable)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory,
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        foreach (var (name, value) in environment ?? new Dictionary<string, string>())
        {
            start.Environment[name] = value;
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException($"Could not start {executable}.");
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        using var limit = new CancellationTokenSource(timeout);
        try
        {
            await process.WaitForExitAsync(limit.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            Assert.Fail($"`{Describe(executable, arguments)}` did not finish within {timeout.TotalSeconds} s.\nstderr: {await error}");
        }

        return new Outcome(process.ExitCode, await output, await error);
    }

    /// <summary>Runs the program and asserts it exited with 0; the failure message carries its stderr.</summary>
    public static async Task<string> RunOkAsync(string executable, IReadOnlyList<string> arguments, string workingDirectory, TimeSpan timeout, IReadOnlyDictionary<string, string>? environment = null)
    {
        var outcome = await RunAsync(executable, arguments, workingDirectory, timeout, environment);
        Assert.True(outcome.ExitCode == 0, $"`{Describe(executable, arguments)}` exited with {outcome.ExitCode}.\nstderr: {outcome.Error}\nstdout: {outcome.Output}");
        return outcome.Output;
    }

    /// <summary>The first <paramref name="name"/> on PATH, or null.</summary>
    public static string? OnPath(string name) =>
        (Environment.GetEnvironmentVariable("PATH") ?? string.Empty)
            .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Select(folder => Path.Combine(folder, name))
            .FirstOrDefault(File.Exists);

    private static string Describe(string executable, IReadOnlyList<string> arguments) => $"{Path.GetFileName(executable)} {string.Join(' ', arguments)}";
}
