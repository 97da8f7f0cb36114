using System.CommandLine;
using Keyward.KeyArchive;
using Keyward.Server.Hosting;
using Keyward.Storage;
using Microsoft.Extensions.DependencyInjection;
using Spectre.Console;

namespace Keyward.Cli.Commands;

/// <summary><c>keyward archive rotate [--data DIR] [--batch-size N]</c>: run on the server host.</summary>
internal static class ArchiveCommand
{
    public static Command Create()
    {
        var data = new Option<string?>("--data") { Description = "Data folder of the server (default ./data); the database and key protector come from the server's configuration." };
        var batch = new Option<int>("--batch-size") { Description = "Envelopes re-wrapped per transaction.", DefaultValueFactory = _ => StorageKeyRotation.DefaultBatchSize };
        var rotate = new Command("rotate", "Create a new storage key and re-wrap every archived key's data key under it, online and resumably; retire old keys no envelope uses.") { data, batch };
        rotate.SetAction(async (parse, cancellationToken) =>
        {
            var error = parse.InvocationConfiguration.Error;
            var output = parse.InvocationConfiguration.Output;
            if (parse.GetValue(batch) < 1)
            {
                await error.WriteLineAsync("keyward: --batch-size must be at least 1").ConfigureAwait(false);
                return 2;
            }

            Microsoft.AspNetCore.Builder.WebApplication app;
            try
            {
                app = KeywardServer.Build(o => o.DataDirectory = parse.GetValue(data) ?? o.DataDirectory);
            }
            catch (Exception ex) when (ex is InvalidOperationException or IOException or InvalidDataException)
            {
                await error.WriteLineAsync($"keyward: {ex.Message}").ConfigureAwait(false);
                return 1;
            }

            await using (app.ConfigureAwait(false))
            {
                await app.Services.MigrateKeywardDatabaseAsync(cancellationToken).ConfigureAwait(false);
                var rotation = app.Services.GetRequiredService<StorageKeyRotation>();
                var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(output) });
                RotationSummary? summary = null;
                await console.Progress().AutoClear(false).StartAsync(async context =>
                {
                    var task = context.AddTask("Re-wrapping archived keys", maxValue: 1);
                    var progress = new Progress(task, output);
                    summary = await rotation.RotateAsync($"{Environment.UserName} (keyward archive rotate)", progress, parse.GetValue(batch), cancellationToken).ConfigureAwait(false);
                }).ConfigureAwait(false);
                await output.WriteLineAsync(
                    $"Storage key {summary!.ActiveStorageKeyId} is active{(summary.Resumed ? " (resumed an interrupted rotation)" : string.Empty)}; " +
                    $"{summary.Rewrapped} envelopes re-wrapped; retired: {(summary.Retired.Count == 0 ? "none" : string.Join(", ", summary.Retired))}.").ConfigureAwait(false);
                return 0;
            }
        });

        var archive = new Command("archive", "Administer the key archive.");
        archive.Subcommands.Add(rotate);
        return archive;
    }

    /// <summary>Drives the progress bar, and prints a plain line per batch so logs and scripts can follow.</summary>
    private sealed class Progress(ProgressTask task, TextWriter output) : IProgress<RotationProgress>
    {
        public void Report(RotationProgress value)
        {
            task.MaxValue = Math.Max(1, value.Total);
            task.Value = value.Rewrapped;
            output.WriteLine($"progress {value.Rewrapped}/{value.Total}");
        }
    }
}
