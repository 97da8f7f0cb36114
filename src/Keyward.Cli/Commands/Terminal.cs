using System.CommandLine;
using System.Globalization;
using Spectre.Console;
using Spectre.Console.Rendering;

namespace Keyward.Cli.Commands;

/// <summary>Spectre.Console on the command's own writers: tables on standard output, progress on a terminal only.</summary>
internal static class Terminal
{
    /// <summary>Wide enough for a request's id, status and profile on one line when the output is a file or a pipe.</summary>
    private const int RedirectedWidth = 200;

    /// <summary>
    /// A console writing to <paramref name="output"/>. On a real terminal it has the terminal's width and colours;
    /// redirected (a pipe, a file, a test) it writes plain text, no escape codes, 200 columns wide.
    /// </summary>
    public static IAnsiConsole For(TextWriter output)
    {
        ArgumentNullException.ThrowIfNull(output);
        var terminal = ReferenceEquals(output, Console.Out) && !Console.IsOutputRedirected;
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Out = new AnsiConsoleOutput(output),
            Ansi = terminal ? AnsiSupport.Detect : AnsiSupport.No,
            ColorSystem = terminal ? ColorSystemSupport.Detect : ColorSystemSupport.NoColors,
            Interactive = terminal ? InteractionSupport.Detect : InteractionSupport.No,
        });
        if (!terminal)
        {
            console.Profile.Width = RedirectedWidth;
        }

        return console;
    }

    /// <summary>
    /// Runs <paramref name="work"/> under a Spectre status spinner on standard error when that is a terminal; otherwise
    /// just runs it, so that scripts and logs see only the command's result and its one-line errors.
    /// </summary>
    public static async Task<T> StatusAsync<T>(ParseResult parse, string text, Func<Task<T>> work)
    {
        ArgumentNullException.ThrowIfNull(parse);
        ArgumentNullException.ThrowIfNull(work);
        var error = parse.InvocationConfiguration.Error;
        if (!ReferenceEquals(error, Console.Error) || Console.IsErrorRedirected)
        {
            return await work().ConfigureAwait(false);
        }

        var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(error) });
        return await console.Status().StartAsync(text, _ => work()).ConfigureAwait(false);
    }

    /// <summary>Plain text in a table cell (never read as markup); a dash when there is nothing.</summary>
    public static IRenderable Cell(string? text) => new Text(string.IsNullOrEmpty(text) ? "-" : text);

    /// <summary>A UTC instant as the tables show it.</summary>
    public static string When(DateTime? at) =>
        at is { } value ? value.ToUniversalTime().ToString("yyyy-MM-dd HH:mm 'UTC'", CultureInfo.InvariantCulture) : "-";
}
