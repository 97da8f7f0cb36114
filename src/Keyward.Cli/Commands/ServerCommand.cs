using System.CommandLine;
using Keyward.Server.Demo;
using Keyward.Server.Hosting;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Spectre.Console;

namespace Keyward.Cli.Commands;

/// <summary><c>keyward server [--demo] [--urls URL] [--data DIR]</c>.</summary>
internal static class ServerCommand
{
    public static Command Create()
    {
        var demo = new Option<bool>("--demo") { Description = "Seed the demo organisation on an empty database and print its credentials." };
        var urls = new Option<string?>("--urls") { Description = $"Addresses to listen on, separated by ';' (default {KeywardServer.DefaultUrls})." };
        var data = new Option<string?>("--data") { Description = "Data folder holding the SQLite database and key files (default ./data)." };
        var command = new Command("server", "Run the Keyward server (Core API and Operator Client).") { demo, urls, data };
        command.Subcommands.Add(CreateInit());
        command.SetAction(async (parse, cancellationToken) =>
        {
            // Before anything is created: the data folder, its database and key files are for the server's user alone.
            FileCreationMask.Set(FileCreationMask.OwnerOnly);
            var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(parse.InvocationConfiguration.Output) });

            // Redirected output (a log file, CI) reports 80 columns; the credentials table needs more.
            console.Profile.Width = Math.Max(console.Profile.Width, 140);
            WebApplication app;
            try
            {
                app = KeywardServer.Build(
                    o =>
                    {
                        o.Demo |= parse.GetValue(demo);
                        o.DataDirectory = parse.GetValue(data) ?? o.DataDirectory;
                    },
                    b =>
                    {
                        if (parse.GetValue(urls) is { } u)
                        {
                            b.Configuration["urls"] = u;
                        }
                    });
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or InvalidDataException or InvalidOperationException)
            {
                await parse.InvocationConfiguration.Error.WriteLineAsync($"keyward: cannot start: {ex.Message}").ConfigureAwait(false);
                return 1;
            }

            await using (app.ConfigureAwait(false))
            {
                try
                {
                    await KeywardServer.InitialiseAsync(app, cancellationToken).ConfigureAwait(false);
                }
                catch (InvalidOperationException ex)
                {
                    await parse.InvocationConfiguration.Error.WriteLineAsync($"keyward: {ex.Message}").ConfigureAwait(false);
                    return 1;
                }

                var options = app.Services.GetService(typeof(KeywardServerOptions)) as KeywardServerOptions;
                if (options?.Demo == true)
                {
                    PrintDemo(console, app.Configuration["urls"] ?? KeywardServer.DefaultUrls);
                    if (options.GeneratedDemoPassphrase)
                    {
                        console.MarkupLine($"[yellow]Demo only:[/] the key store passphrase was generated and saved beside it in {Markup.Escape(Path.Combine(options.DataDirectory, "demo-keystore-passphrase.txt"))}. A real deployment sets KEYWARD_KEYSTORE_PASSPHRASE or uses an HSM.");
                    }

                    if (options.Mail.PickupDirectory is { } mail)
                    {
                        console.MarkupLine($"Owner e-mail notifications are written as .eml files to {Markup.Escape(mail)}.");
                    }
                }

                await app.StartAsync(cancellationToken).ConfigureAwait(false);
                await app.WaitForShutdownAsync(cancellationToken).ConfigureAwait(false);
                return 0;
            }
        });
        return command;
    }

    /// <summary>
    /// <c>keyward server init --data DIR --admin LOGON [--name NAME] [--email E] [--group PATH] [--client-id ID]</c>: the
    /// first start of a real deployment (docs/operations.md#first-start). Prints the administrator's client secret once.
    /// </summary>
    private static Command CreateInit()
    {
        var data = new Option<string?>("--data") { Description = "Data folder holding the SQLite database and key files (default ./data)." };
        var admin = new Option<string>("--admin") { Description = "The first administrator's logon name.", Required = true };
        var name = new Option<string?>("--name") { Description = "Their display name (default: the logon name)." };
        var email = new Option<string?>("--email") { Description = "Their e-mail address (default: LOGON@keyward.invalid; it goes into certificates issued to them)." };
        var group = new Option<string>("--group") { Description = "Their group, a path (default Administrators).", DefaultValueFactory = _ => "Administrators" };
        var clientId = new Option<string?>("--client-id") { Description = "Their API client's id (default LOGON-cli)." };
        var init = new Command("init", "Initialise a new deployment: the key store, the database, the first administrator (Administrator, scope All) and their API client. Refused on an initialised database.")
        {
            data, admin, name, email, group, clientId,
        };
        init.SetAction(async (parse, cancellationToken) =>
        {
            FileCreationMask.Set(FileCreationMask.OwnerOnly);
            var error = parse.InvocationConfiguration.Error;
            var output = parse.InvocationConfiguration.Output;
            try
            {
                var app = KeywardServer.Build(o => o.DataDirectory = parse.GetValue(data) ?? o.DataDirectory);
                await using (app.ConfigureAwait(false))
                {
                    var logon = parse.GetValue(admin)!;
                    var result = await KeywardServer.InitialiseDeploymentAsync(
                        app,
                        new Keyward.Settings.FirstAdministrator(logon, parse.GetValue(name), parse.GetValue(email) ?? $"{logon.Trim().ToLowerInvariant()}@keyward.invalid", parse.GetValue(group), parse.GetValue(clientId)),
                        cancellationToken).ConfigureAwait(false);
                    if (!result.IsSuccess)
                    {
                        await error.WriteLineAsync($"keyward: {result.Error.Detail} ({result.Error.Code})").ConfigureAwait(false);
                        return 1;
                    }

                    var made = result.Value;
                    await output.WriteLineAsync($"Initialised {app.Services.GetRequiredService<KeywardServerOptions>().DataDirectory}: {made.LogonName} holds Administrator with scope All, in group {made.GroupPath}.").ConfigureAwait(false);
                    await output.WriteLineAsync($"client id:     {made.ClientId}").ConfigureAwait(false);
                    await output.WriteLineAsync($"client secret: {made.ClientSecret}").ConfigureAwait(false);
                    await output.WriteLineAsync("The secret is shown this once; Keyward keeps only its hash. Rotate it with: keyward clients rotate " + made.ClientId).ConfigureAwait(false);
                    return 0;
                }
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or InvalidDataException or InvalidOperationException)
            {
                await error.WriteLineAsync($"keyward: cannot initialise: {ex.Message}").ConfigureAwait(false);
                return 1;
            }
        });
        return init;
    }

    private static void PrintDemo(IAnsiConsole console, string urls)
    {
        var table = new Table().Title("Keyward demo organisation — credentials for the demo only").AddColumns("logonName", "group", "role (scope)", "client id", "client secret", "password");
        foreach (var a in DemoOrganisation.Accounts)
        {
            table.AddRow(a.LogonName, a.Group, $"{a.Role} ({a.Scope})" + (a.Enabled ? string.Empty : " [red]disabled[/]"), a.ClientId, a.ClientSecret, Markup.Escape(DemoOrganisation.Password));
        }

        console.Write(table);
        var url = urls.Split(';')[0];
        console.MarkupLine($"Operator Client: open [bold]{Markup.Escape(url)}/[/] in a browser and sign in as one of the people above with the password {Markup.Escape(DemoOrganisation.Password)} (e.g. olivia, then victor to approve, then carol to collect).");
        console.MarkupLine($"Listening on [bold]{Markup.Escape(urls)}[/]. Try: curl -s -d grant_type=client_credentials -d client_id=olivia-cli -d client_secret=olivia-secret {Markup.Escape(url)}/connect/token");
    }
}
