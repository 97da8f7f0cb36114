using Keyward.Cli.Commands;

return await KeywardCommand.RunAsync(args).ConfigureAwait(false);
