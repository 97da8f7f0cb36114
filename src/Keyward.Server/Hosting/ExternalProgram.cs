using System.Diagnostics;

namespace Keyward.Server.Hosting;

/// <summary>A program outside .NET that the keyward command drives (NSS's certutil and pk12util, pg_dump and pg_restore).</summary>
public static class ExternalProgram
{
    private static readonly TimeSpan DefaultLimit = TimeSpan.FromMinutes(2);

    /// <summary>The first <paramref name="name"/> on PATH, or null.</summary>
    public static string? Find(string name) =>
        (Environment.GetEnvironmentVariable("PATH") ?? string.Empty)
            .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .SelectMany(folder => OperatingSystem.IsWindows() ? [Path.Combine(folder, name + ".exe")] : new[] { Path.Combine(folder, name) })
            .FirstOrDefault(File.Exists);

    /// <summary>
    /// Runs <paramref name="executable"/> with no standard input and returns what it printed; a non-zero exit or a
    /// run longer than <paramref name="limit"/> (two minutes by default) is an <see cref="IOException"/> naming the
    /// program and the last line it wrote. <paramref name="environment"/> is added to the program's environment (a
    /// password there never shows on a command line).
    /// </summary>
    public static async Task<string> RunAsync(string executable, IReadOnlyList<string> arguments, CancellationToken cancellationToken, IReadOnlyDictionary<string, string>? environment = null, TimeSpan? limit = null)
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

        foreach (var (variable, value) in environment ?? new Dictionary<string, string>())
        {
            start.Environment[variable] = value;
        }

        var name = Path.GetFileNameWithoutExtension(executable);
        using var process = Process.Start(start) ?? throw new IOException($"{name} could not be started");
        process.StandardInput.Close();
        var output = process.StandardOutput.ReadToEndAsync(cancellationToken);
        var error = process.StandardError.ReadToEndAsync(cancellationToken);
        var allowed = limit ?? DefaultLimit;
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(allowed);
        try
        {
            await process.WaitForExitAsync(timeout.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            cancellationToken.ThrowIfCancellationRequested();
            throw new IOException($"{name} did not finish within {allowed.TotalMinutes} minutes");
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
