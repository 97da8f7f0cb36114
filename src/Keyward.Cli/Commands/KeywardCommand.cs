using System.CommandLine;

namespace Keyward.Cli.Commands;

/// <summary>The <c>keyward</c> command tree.</summary>
internal static class KeywardCommand
{
    public static async Task<int> RunAsync(string[] args, TextWriter? output = null, TextWriter? error = null)
    {
        var root = Create();
        var parsed = root.Parse(args);
        var configuration = new InvocationConfiguration();
        if (output is not null)
        {
            configuration.Output = output;
        }

        if (error is not null)
        {
            configuration.Error = error;
        }

        return await parsed.InvokeAsync(configuration).ConfigureAwait(false);
    }

    public static RootCommand Create()
    {
        var root = new RootCommand("Keyward: archive the keys of encryption certificates and recover them under dual control.");
        root.Subcommands.Add(ServerCommand.Create());
        root.Subcommands.Add(PeopleCommand.Create());
        root.Subcommands.Add(DirectoryCommand.Create());
        root.Subcommands.Add(CertificatesCommand.Create());
        root.Subcommands.Add(ArchiveCommand.Create());
        root.Subcommands.Add(AuditCommand.Create());
        root.Subcommands.Add(RequestsCommand.Create());
        root.Subcommands.Add(CollectCommand.Create());
        root.Subcommands.Add(GroupsCommand.Create());
        root.Subcommands.Add(RolesCommand.Create());
        root.Subcommands.Add(PoliciesCommand.Create());
        root.Subcommands.Add(ProfilesCommand.Create());
        root.Subcommands.Add(ClientsCommand.Create());
        root.Subcommands.Add(ChangesCommand.Create());
        root.Subcommands.Add(BackupCommands.CreateBackup());
        root.Subcommands.Add(BackupCommands.CreateRestore());
        return root;
    }
}
