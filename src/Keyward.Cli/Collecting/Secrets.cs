using System.Text;
using Keyward.Cli.Commands;

namespace Keyward.Cli.Collecting;

/// <summary>
/// Where PINs come from: prompts on the terminal that do not echo, or — for scripts — lines of standard input
/// (<c>--pin-stdin</c>), read in the order the collection asks for them.
/// </summary>
internal sealed class Secrets(bool fromStandardInput, TextWriter prompts)
{
    /// <summary>Whether the PINs come from standard input rather than a person at a terminal.</summary>
    public bool FromStandardInput { get; } = fromStandardInput;

    /// <summary>Reads one secret: the next line of standard input, or what is typed after <paramref name="prompt"/> (not echoed).</summary>
    /// <param name="prompt">The prompt on the terminal.</param>
    /// <param name="what">What is asked for, for the error when there is nothing to read ("the user PIN").</param>
    public string Read(string prompt, string what)
    {
        if (FromStandardInput)
        {
            return Console.In.ReadLine() ?? throw new UsageException($"--pin-stdin: standard input ended before {what}");
        }

        if (Console.IsInputRedirected)
        {
            throw new UsageException($"no terminal to ask for {what}: pass --pin-stdin and give it on standard input");
        }

        prompts.Write(prompt);
        prompts.Flush();
        var typed = new StringBuilder();
        while (true)
        {
            var key = Console.ReadKey(intercept: true);
            if (key.Key == ConsoleKey.Enter)
            {
                break;
            }

            if (key.Key == ConsoleKey.Backspace)
            {
                if (typed.Length > 0)
                {
                    typed.Length--;
                }

                continue;
            }

            if (!char.IsControl(key.KeyChar))
            {
                typed.Append(key.KeyChar);
            }
        }

        prompts.WriteLine();
        var secret = typed.ToString();
        typed.Clear();
        return secret;
    }

    /// <summary>
    /// A new secret, typed twice on a terminal (once from standard input); empty means "generate one". The two entries
    /// must match.
    /// </summary>
    public string ReadNew(string prompt, string what)
    {
        var first = Read(prompt, what);
        if (FromStandardInput || first.Length == 0)
        {
            return first;
        }

        var again = Read("Again: ", what);
        return string.Equals(first, again, StringComparison.Ordinal)
            ? first
            : throw new UsageException($"the two entries of {what} differ; nothing was written");
    }

    /// <summary>Asks a yes/no question; only "y" or "yes" is yes. Without a terminal, or from standard input, <paramref name="assumeYes"/> decides.</summary>
    public bool Confirm(string question, bool assumeYes)
    {
        if (assumeYes)
        {
            return true;
        }

        if (FromStandardInput || Console.IsInputRedirected)
        {
            throw new UsageException("the change to the card needs your confirmation and there is no terminal to ask: pass --yes");
        }

        prompts.Write($"{question} [y/N] ");
        prompts.Flush();
        var answer = Console.ReadLine()?.Trim();
        return answer is not null && (answer.Equals("y", StringComparison.OrdinalIgnoreCase) || answer.Equals("yes", StringComparison.OrdinalIgnoreCase));
    }
}
