using System.CommandLine;
using Keyward.Cli.Client;

namespace Keyward.Cli.Commands;

/// <summary>
/// How client commands reach a server: <c>--server</c> / <c>KEYWARD_SERVER</c>, <c>--client-id</c> /
/// <c>KEYWARD_CLIENT_ID</c>, <c>--client-secret</c> / <c>KEYWARD_CLIENT_SECRET</c>.
/// </summary>
internal sealed class ClientOptions
{
    public Option<string?> Server { get; } = new("--server") { Description = "The Keyward server's URL (or KEYWARD_SERVER).", Recursive = true };

    public Option<string?> ClientId { get; } = new("--client-id") { Description = "API client id (or KEYWARD_CLIENT_ID).", Recursive = true };

    public Option<string?> ClientSecret { get; } = new("--client-secret") { Description = "API client secret (or KEYWARD_CLIENT_SECRET).", Recursive = true };

    public void AddTo(Command command)
    {
        command.Options.Add(Server);
        command.Options.Add(ClientId);
        command.Options.Add(ClientSecret);
    }

    /// <summary>
    /// Runs a client command: connects, runs <paramref name="action"/>, and turns any failure the server or the
    /// network explains into one line on standard error and exit status 1.
    /// </summary>
    public Task<int> RunAsync(ParseResult parse, Func<KeywardClient, TextWriter, Task> action)
    {
        ArgumentNullException.ThrowIfNull(action);
        return RunAsync(parse, async (api, output) =>
        {
            await action(api, output).ConfigureAwait(false);
            return 0;
        });
    }

    /// <summary>
    /// Runs a client command that chooses its own exit status; a <see cref="UsageException"/> (the command line
    /// asks for something that cannot be done) exits with 2, any other explained failure with 1.
    /// </summary>
    public async Task<int> RunAsync(ParseResult parse, Func<KeywardClient, TextWriter, Task<int>> action)
    {
        ArgumentNullException.ThrowIfNull(parse);
        ArgumentNullException.ThrowIfNull(action);
        try
        {
            using var api = Connect(parse);
            return await action(api, parse.InvocationConfiguration.Output).ConfigureAwait(false);
        }
        catch (UsageException ex)
        {
            await parse.InvocationConfiguration.Error.WriteLineAsync($"keyward: {KeywardClient.OneLine(ex.Message)}").ConfigureAwait(false);
            return 2;
        }
        catch (Exception ex) when (ex is KeywardClientException or IOException or InvalidDataException or UnauthorizedAccessException or System.Text.Json.JsonException)
        {
            await parse.InvocationConfiguration.Error.WriteLineAsync($"keyward: {KeywardClient.OneLine(ex.Message)}").ConfigureAwait(false);
            return 1;
        }
    }

    /// <summary>A client for the parsed options, or a readable reason why one cannot be made.</summary>
    public KeywardClient Connect(ParseResult parse)
    {
        var serverText = parse.GetValue(Server) ?? Environment.GetEnvironmentVariable("KEYWARD_SERVER");
        var id = parse.GetValue(ClientId) ?? Environment.GetEnvironmentVariable("KEYWARD_CLIENT_ID");
        var secret = parse.GetValue(ClientSecret) ?? Environment.GetEnvironmentVariable("KEYWARD_CLIENT_SECRET");
        if (string.IsNullOrWhiteSpace(serverText))
        {
            throw new KeywardClientException("no server: pass --server URL or set KEYWARD_SERVER");
        }

        if (!Uri.TryCreate(serverText, UriKind.Absolute, out var server) || server.Scheme is not ("http" or "https"))
        {
            throw new KeywardClientException($"'{serverText}' is not an http(s) URL");
        }

        if (string.IsNullOrEmpty(id) || string.IsNullOrEmpty(secret))
        {
            throw new KeywardClientException("no credentials: pass --client-id and --client-secret or set KEYWARD_CLIENT_ID and KEYWARD_CLIENT_SECRET");
        }

        return new KeywardClient(server, id, secret);
    }
}

/// <summary>The command line asks for something that cannot be done as asked (exit status 2).</summary>
internal sealed class UsageException(string message) : Exception(message);
