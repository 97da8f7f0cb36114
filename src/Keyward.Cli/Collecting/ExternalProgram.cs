using System.Diagnostics;

namespace Keyward.Cli.Collecting;

/// <summary>A program outside .NET that the keyward command drives (NSS's certutil and pk12util).</summary>
internal static class ExternalProgram
{
    private static readonly TimeSpan Limit = TimeSpan.FromMinutes(2);

    /// <summary>The first <paramref name="name"/> on PATH, or null.</summary>
    public static string? Find(string name) =>
        (Environment.GetEnvironmentVariable("PATH") ?? string.Empty)
            .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .SelectMany(folder => OperatingSystem.IsWindows() ? [Path.Combine(folder, name + ".exe")] : new[] { Path.Combine(folder, name) })
            .FirstOrDefault(File.Exists);

    /// <summary>
    /// Runs <paramref name="executable"/> with no standard input and returns what it printed; a non-zero exit or a
    /// run longer than two minutes is an <see cref="IOException"/> naming the program and the last line it wrote.
    /// </summary>
    public static async Task<string> RunAsync(string executable, IReadOnlyList<string> arguments, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(arguments);
        var start = new ProcessStartInfo(executable)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        var name = Path.GetFileNameWithoutExtension(executable);
        using var process = Process.Start(start) ?? throw new IOException($"{name} could not be started");
        process.StandardInput.Close();
        var output = process.StandardOutput.ReadToEndAsync(cancellationToken);
        var error = process.StandardError.ReadToEndAsync(cancellationToken);
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        limit.CancelAfter(Limit);
        try
        {
            await process.WaitForExitAsync(limit.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            cancellationToken.ThrowIfCancellationRequested();
            throw new IOException($"{name} did not finish within {Limit.TotalMinutes} minutes");
        }

        var printed = await output.ConfigureAwait(false);
        var complaint = await error.ConfigureAwait(false);
        if (process.ExitCode != 0)
        {
            var last = LastLine(complaint) ?? LastLine(printed);
            throw new IOException($"{name} failed (exit {process.ExitCode}){(last is null ? string.Empty : ": " + last)}");
        }

        return printed;
    }

    private static string? LastLine(string text) =>
        text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).LastOrDefault();
}
