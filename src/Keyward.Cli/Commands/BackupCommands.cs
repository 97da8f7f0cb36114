using System.CommandLine;
using Keyward.Crypto.Backup;
using Keyward.Server.Backup;
using Keyward.Server.Hosting;

namespace Keyward.Cli.Commands;

/// <summary>
/// <c>keyward backup</c> and <c>keyward restore</c> (docs/operations.md#backing-up): an encrypted, consistent snapshot
/// of a data folder taken while the server runs, and a new data folder rebuilt from one.
/// </summary>
internal static class BackupCommands
{
    /// <summary>The environment variable that may hold the backup passphrase (else <c>--passphrase-stdin</c>).</summary>
    public const string PassphraseVariable = "KEYWARD_BACKUP_PASSPHRASE";

    /// <summary>The shortest backup passphrase accepted: it alone protects the key store's copy against guessing.</summary>
    private const int MinPassphraseLength = 16;

    public static Command CreateBackup()
    {
        var output = new Option<FileInfo>("--out") { HelpName = "FILE", Required = true, Description = "The backup file to write (new; readable by you only)." };
        var data = new Option<string?>("--data") { HelpName = "DIR", Description = "The server's data folder (default ./data, or Keyward:DataDirectory)." };
        var stdin = new Option<bool>("--passphrase-stdin") { Description = $"Read the backup passphrase, one line, from standard input (else {PassphraseVariable})." };
        var command = new Command("backup", "Back up a data folder while the server runs: the database (a consistent snapshot), the key store and the token keys, encrypted under a backup passphrase.")
        {
            output, data, stdin,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            FileCreationMask.Set(FileCreationMask.OwnerOnly);
            return await RunAsync(parse, async () =>
            {
                var options = KeywardServer.ReadOptions(o => o.DataDirectory = parse.GetValue(data) ?? o.DataDirectory);
                var passphrase = Passphrase(parse.GetValue(stdin), checkStrength: true);
                var target = parse.GetValue(output)!.FullName;
                var manifest = DataBackup.Create(options, target, passphrase, TimeProvider.System);
                await parse.InvocationConfiguration.Output.WriteLineAsync($"Backed up {Path.GetFullPath(options.DataDirectory)} to {target}: {string.Join(", ", manifest.Files)}.").ConfigureAwait(false);
                if (options.Database.Provider != Storage.DatabaseProvider.Sqlite)
                {
                    await parse.InvocationConfiguration.Output.WriteLineAsync("The database is PostgreSQL: back it up with pg_dump as well (docs/operations.md#backing-up).").ConfigureAwait(false);
                }

                if (options.KeyProtector.Kind == Server.KeyArchive.KeyProtectorKind.Pkcs11)
                {
                    await parse.InvocationConfiguration.Output.WriteLineAsync("The storage keys are in an HSM: back up the HSM's keys with its own tools as well (docs/operations.md#backing-up).").ConfigureAwait(false);
                }
            }).ConfigureAwait(false);
        });
        return command;
    }

    public static Command CreateRestore()
    {
        var file = new Argument<FileInfo>("FILE") { Description = "The backup to restore." };
        var data = new Option<string>("--data") { HelpName = "DIR", Required = true, Description = "The data folder to rebuild: new, or empty." };
        var stdin = new Option<bool>("--passphrase-stdin") { Description = $"Read the backup passphrase, one line, from standard input (else {PassphraseVariable})." };
        var command = new Command("restore", "Rebuild a data folder from a backup; start the server on it afterwards.") { file, data, stdin };
        command.SetAction(async (parse, cancellationToken) =>
        {
            FileCreationMask.Set(FileCreationMask.OwnerOnly);
            return await RunAsync(parse, async () =>
            {
                var source = parse.GetValue(file)!;
                if (!source.Exists)
                {
                    throw new UsageException($"{source.FullName} does not exist");
                }

                var target = Path.GetFullPath(parse.GetValue(data)!);
                var manifest = DataBackup.Restore(source.FullName, target, Passphrase(parse.GetValue(stdin), checkStrength: false));
                await parse.InvocationConfiguration.Output.WriteLineAsync($"Restored the backup of {manifest.CreatedAt:yyyy-MM-dd HH:mm} UTC into {target}: {string.Join(", ", manifest.Files)}. Start the server with --data {target}.").ConfigureAwait(false);
            }).ConfigureAwait(false);
        });
        return command;
    }

    private static async Task<int> RunAsync(ParseResult parse, Func<Task> action)
    {
        try
        {
            await action().ConfigureAwait(false);
            return 0;
        }
        catch (UsageException ex)
        {
            await parse.InvocationConfiguration.Error.WriteLineAsync($"keyward: {ex.Message}").ConfigureAwait(false);
            return 2;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or BackupUnreadableException or InvalidOperationException or Microsoft.Data.Sqlite.SqliteException or InvalidDataException)
        {
            await parse.InvocationConfiguration.Error.WriteLineAsync($"keyward: {ex.Message}").ConfigureAwait(false);
            return 1;
        }
    }

    private static string Passphrase(bool fromStandardInput, bool checkStrength)
    {
        var passphrase = fromStandardInput
            ? Console.In.ReadLine() ?? throw new UsageException("--passphrase-stdin: nothing to read on standard input")
            : Environment.GetEnvironmentVariable(PassphraseVariable) ?? throw new UsageException($"no backup passphrase: set {PassphraseVariable} or pass --passphrase-stdin");
        if (checkStrength && passphrase.Length < MinPassphraseLength)
        {
            throw new UsageException($"the backup passphrase must be at least {MinPassphraseLength} characters: it alone protects the backup");
        }

        return passphrase;
    }
}
