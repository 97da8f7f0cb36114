using System.Diagnostics;
using System.Globalization;

namespace Keyward.Cli.Importing;

/// <summary>
/// The progress line of a parted import on standard error: people imported, how far into the file, and the rate. On
/// a terminal it is one line rewritten in place; redirected (a log, a pipe) it is a new line every ten seconds, so that
/// a log shows the run without a line per part.
/// </summary>
internal sealed class ImportProgress(TextWriter error, bool terminal)
{
    private static readonly TimeSpan TerminalInterval = TimeSpan.FromMilliseconds(250);
    private static readonly TimeSpan LogInterval = TimeSpan.FromSeconds(10);
    private readonly Stopwatch _sinceShown = Stopwatch.StartNew();
    private bool _shown;

    public void Report(long people, long bytesRead, long bytesTotal, double peoplePerSecond)
    {
        if (_sinceShown.Elapsed < (terminal ? TerminalInterval : LogInterval))
        {
            return;
        }

        _sinceShown.Restart();
        var percent = bytesTotal > 0 ? 100.0 * Math.Min(bytesRead, bytesTotal) / bytesTotal : 100;
        var line = string.Create(CultureInfo.InvariantCulture,
            $"{people,12:N0} people imported  {percent,5:F1}% of {bytesTotal / 1024.0 / 1024.0:N1} MiB  {peoplePerSecond,8:N0} people/s");
        if (terminal)
        {
            error.Write("\r" + line);
            _shown = true;
        }
        else
        {
            error.WriteLine(line);
        }
    }

    /// <summary>Ends the rewritten line, so that what follows starts on a line of its own.</summary>
    public void Done()
    {
        if (_shown)
        {
            error.WriteLine();
            _shown = false;
        }
    }
}
