using System.CommandLine;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using Keyward.Cards;
using Keyward.Cli.Client;
using Keyward.Cli.Collecting;
using Keyward.Crypto.Recovery;
using static Keyward.Cli.Client.Lookups;

namespace Keyward.Cli.Commands;

/// <summary>
/// <c>keyward collect REQUEST-ID</c>: collects an approved recovery request on this machine
/// (docs/recovery.md#collecting). File Store requests become a PFX file; System Store requests are installed,
/// through the collecting-client protocol, into the user's personal store or an NSS database; smart-card requests
/// are written to a PKCS#11 token (<see cref="CardCollector"/>, docs/cards.md).
/// </summary>
internal static class CollectCommand
{
    /// <summary>Failure reasons sent to the server are kept short; the server keeps at most 2,000 characters.</summary>
    private const int MaxReasonLength = 500;

    public static Command Create()
    {
        var client = new ClientOptions();
        var id = new Argument<string>("REQUEST-ID") { Description = "The request to collect; it must be awaiting issue." };
        var output = new Option<FileInfo?>("--out") { HelpName = "FILE.pfx", Description = "File Store requests: the PFX file to write (readable by you only)." };
        var passwordStdin = new Option<bool>("--password-stdin") { Description = "File Store requests: read the PFX password, one line, from standard input. Without it Keyward generates one and it is shown once." };
        var force = new Option<bool>("--force") { Description = "File Store requests: replace the --out file if it exists." };
        var nssdb = new Option<string?>("--nssdb") { HelpName = "DIR", Description = "System Store requests: install into this NSS database folder (Firefox, Thunderbird) instead of your personal certificate store; created when missing." };
        var module = new Option<FileInfo?>("--module") { HelpName = "PATH", Description = "Smart-card requests: the card's PKCS#11 module (opensc-pkcs11.so, libykcs11.so, libsofthsm2.so, …)." };
        var token = new Option<string?>("--token") { HelpName = "SERIAL-OR-LABEL", Description = "Smart-card requests: the token to write to, by serial number or label; needed when several are present." };
        var pinStdin = new Option<bool>("--pin-stdin") { Description = "Smart-card requests: read PINs from standard input, one a line, instead of asking: the user PIN (a blank card: its new user PIN, empty to generate one, then its new SO PIN)." };
        var yes = new Option<bool>("--yes") { Description = "Smart-card requests: change an existing card as shown without asking." };
        var transportKey = new Option<TransportKeyMode>("--transport-key")
        {
            HelpName = "auto|token|token-ec|token-rsa|software",
            DefaultValueFactory = _ => TransportKeyMode.Auto,
            CustomParser = TransportKeyModeOf,
            Description = "Smart-card requests: where, and of which kind, the one-time transport key is made; auto: an EC key on the token when it can unwrap keys with it, else an RSA key on the token, else software; token: on the token, EC else RSA; token-ec, token-rsa: on the token, that kind only; software: in this computer's memory.",
        };
        var collect = new Command("collect", "Collect an approved recovery request on this machine: a PFX file (File Store), your personal certificate store (System Store) or a smart card (--module).")
        {
            id, output, passwordStdin, force, nssdb, module, token, pinStdin, yes, transportKey,
        };
        client.AddTo(collect);
        collect.SetAction((parse, ct) => client.RunAsync(parse, async (api, writer) =>
        {
            var requestId = parse.GetValue(id)!.Trim();
            var path = RequestsCommand.RequestPath(requestId);
            // The server says how the request is collected; keyward does not work it out from the profile.
            var request = await api.GetAsync(path, ct).ConfigureAwait(false);
            var method = Text(request, "collectionMethod");
            var cardOptions = parse.GetValue(module) is not null || parse.GetValue(token) is not null || parse.GetValue(pinStdin) || parse.GetValue(yes);
            if (method is "NewCard" or "CardUpdate")
            {
                if (parse.GetValue(output) is not null || parse.GetValue(passwordStdin) || parse.GetValue(force) || parse.GetValue(nssdb) is not null)
                {
                    throw new UsageException($"request {requestId} is collected onto a smart card ({method}): --out, --password-stdin, --force and --nssdb are for soft certificates");
                }

                var path11 = parse.GetValue(module) ?? throw new UsageException($"request {requestId} is collected onto a smart card ({method}): pass --module PATH, the card's PKCS#11 module; nothing was collected");
                return await CardCollector.CollectAsync(parse, api, writer, request, new CardOptions(path11.FullName, parse.GetValue(token), parse.GetValue(pinStdin), parse.GetValue(yes), parse.GetValue(transportKey)), ct).ConfigureAwait(false);
            }

            if (cardOptions)
            {
                throw new UsageException($"request {requestId} is collected as soft certificates ({method}): --module, --token, --pin-stdin and --yes are for smart cards");
            }

            if (method is not ("FileStore" or "SystemStore"))
            {
                throw new KeywardClientException($"the server gave request {requestId} the collection method '{method}', which this keyward does not know; nothing was collected");
            }

            if (method == "FileStore")
            {
                if (parse.GetValue(nssdb) is not null)
                {
                    throw new UsageException($"request {requestId} is collected as a PFX file (File Store): --nssdb is for System Store requests; pass --out FILE.pfx");
                }

                var file = parse.GetValue(output) ?? throw new UsageException($"request {requestId} is collected as a PFX file (File Store): pass --out FILE.pfx");
                return await CollectPfxAsync(parse, api, writer, requestId, path, file.FullName, parse.GetValue(passwordStdin), parse.GetValue(force), ct).ConfigureAwait(false);
            }

            if (parse.GetValue(output) is not null || parse.GetValue(passwordStdin) || parse.GetValue(force))
            {
                throw new UsageException($"request {requestId} is installed into your certificate store (System Store): --out, --password-stdin and --force are for File Store requests; use --nssdb DIR for an NSS database");
            }

            IKeyInstaller installer;
            if (parse.GetValue(nssdb) is { } folder)
            {
                installer = await NssDatabaseInstaller.PrepareAsync(folder, ct).ConfigureAwait(false);
            }
            else
            {
                try
                {
                    UserStoreInstaller.CheckWritable();
                }
                catch (CryptographicException ex)
                {
                    throw new IOException($"your personal certificate store cannot be opened for writing: {ex.Message}", ex);
                }

                installer = new UserStoreInstaller();
            }

            return await CollectIntoStoreAsync(parse, api, writer, requestId, path, installer, ct).ConfigureAwait(false);
        }));
        return collect;
    }

    /// <summary>File Store: the server builds the PFX; it is written to a new owner-only file, then moved into place.</summary>
    private static async Task<int> CollectPfxAsync(ParseResult parse, KeywardClient api, TextWriter output, string requestId, string path, string target, bool passwordFromStdin, bool force, CancellationToken cancellationToken)
    {
        var folder = Path.GetDirectoryName(target)!;
        if (!Directory.Exists(folder))
        {
            throw new UsageException($"--out {target}: the folder {folder} does not exist");
        }

        if (Directory.Exists(target))
        {
            throw new UsageException($"--out {target} is a folder");
        }

        if (File.Exists(target) && !force)
        {
            throw new UsageException($"--out {target} already exists; pass --force to replace it");
        }

        string? password = null;
        if (passwordFromStdin)
        {
            password = Console.In.ReadLine() ?? throw new UsageException("--password-stdin: nothing to read on standard input");
        }

        // The file is made (owner-only) before the request is collected, so a folder that cannot be written fails
        // while the request is still collectable; it gets its name only once it holds the whole PFX.
        var partial = Path.Combine(folder, $".{Path.GetFileName(target)}.{Convert.ToHexString(RandomNumberGenerator.GetBytes(4))}.partial");
        var file = OwnerOnlyFile.CreateNew(partial);
        JsonElement collected;
        try
        {
            var body = password is null ? new Dictionary<string, string>() : new Dictionary<string, string> { ["password"] = password };
            collected = await Terminal.StatusAsync(parse, $"Collecting request {requestId}…", () => api.PostAsync($"{path}/collect", body, cancellationToken)).ConfigureAwait(false);
        }
        catch
        {
            await file.DisposeAsync().ConfigureAwait(false);
            File.Delete(partial);
            throw;
        }

        var generated = Text(collected, "password");
        var count = Items(collected, "certificates").Count();
        var pfx = collected.GetProperty("pfx").GetBytesFromBase64();
        var written = false;
        try
        {
            await using (file.ConfigureAwait(false))
            {
                // Not the request's token: once collected, the PFX is written whatever happens.
                await file.WriteAsync(pfx, CancellationToken.None).ConfigureAwait(false);
                file.Flush(flushToDisk: true);
            }

            written = true;
            File.Move(partial, target, overwrite: force);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            if (!written)
            {
                OwnerOnlyFile.Shred(partial);
                throw new IOException($"request {requestId} was collected, but the PFX could not be written ({ex.Message}); the request is now Completed: ask for a new one", ex);
            }

            if (generated is not null)
            {
                await PrintPasswordAsync(output, generated).ConfigureAwait(false);
            }

            throw new IOException($"request {requestId} was collected, but the PFX could not be moved to {target} ({ex.Message}); it is at {partial}", ex);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(pfx);
        }

        await output.WriteLineAsync($"Collected request {requestId}: {count} certificate(s) with their private keys written to {target} (readable by you only).").ConfigureAwait(false);
        if (generated is not null)
        {
            await PrintPasswordAsync(output, generated).ConfigureAwait(false);
        }

        return 0;
    }

    private static async Task PrintPasswordAsync(TextWriter output, string password)
    {
        await output.WriteLineAsync("The PFX password below is shown only now: Keyward does not keep it. Store it safely.").ConfigureAwait(false);
        await output.WriteLineAsync($"Password: {password}").ConfigureAwait(false);
    }

    /// <summary>
    /// System Store: begins a collection with a one-time transport key, unwraps each key, installs, and completes —
    /// or, when anything fails after the collection began, reports the failure so the request is collectable again.
    /// </summary>
    private static async Task<int> CollectIntoStoreAsync(ParseResult parse, KeywardClient api, TextWriter output, string requestId, string path, IKeyInstaller installer, CancellationToken cancellationToken)
    {
        using var transport = TransportKeyPair.Create();
        var begun = await Terminal.StatusAsync(
            parse,
            $"Collecting request {requestId}…",
            () => api.PostAsync($"{path}/collections", new { transportKey = Convert.ToBase64String(transport.PublicKey) }, cancellationToken)).ConfigureAwait(false);
        var collectionId = Text(begun, "collectionId") ?? throw new KeywardClientException("the server began a collection but gave no collection id");
        var collectionPath = $"{path}/collections/{Uri.EscapeDataString(collectionId)}";

        var certificates = new List<X509Certificate2>();
        try
        {
            try
            {
                var algorithm = Text(begun, "algorithm");
                if (algorithm != TransportWrap.Algorithm)
                {
                    throw new CryptographicException($"the keys are wrapped with '{algorithm}', which this keyward does not unwrap (it knows {TransportWrap.Algorithm})");
                }

                var keys = Items(begun, "keys")
                    .Select(k => (Id: Text(k, "certificateId")!, Certificate: k.GetProperty("certificate").GetBytesFromBase64(), Wrapped: k.GetProperty("wrappedKey").GetBytesFromBase64()))
                    .ToList();
                if (keys.Count == 0)
                {
                    throw new CryptographicException("the server released no key");
                }

                var package = new WrappedPackage(begun.GetProperty("wrappedTransportKey").GetBytesFromBase64(), keys.Select(k => new WrappedKey(k.Id, k.Wrapped)).ToList());
                foreach (var key in keys)
                {
                    certificates.Add(transport.Unwrap(package, key.Id, key.Certificate));
                }

                var chain = Items(begun, "chain").Select(c => c.GetBytesFromBase64()).ToList();
                await Terminal.StatusAsync(parse, $"Installing {certificates.Count} key(s) into {installer.Where}…", async () =>
                {
                    await installer.InstallAsync(certificates, chain, cancellationToken).ConfigureAwait(false);
                    return true;
                }).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                var reason = Reason(ex);
                var reported = await ReportFailureAsync(api, collectionPath, $"Installing into {installer.Where} failed: {reason}").ConfigureAwait(false);
                throw new KeywardClientException(reported is null
                    ? $"collecting request {requestId} failed: {reason}; the failure is on record and the request can be collected again"
                    : $"collecting request {requestId} failed: {reason}; reporting the failure failed too ({reported}), so the request stays in progress");
            }

            JsonElement completed;
            try
            {
                completed = await api.PostAsync($"{collectionPath}/complete", new { }, CancellationToken.None).ConfigureAwait(false);
            }
            catch (KeywardClientException ex)
            {
                await ReportFailureAsync(api, collectionPath, $"The keys were installed into {installer.Where}, but completing the collection failed: {Reason(ex)}").ConfigureAwait(false);
                throw new KeywardClientException($"the keys of request {requestId} were installed into {installer.Where}, but the server did not record the collection: {ex.Message}");
            }

            await output.WriteLineAsync($"Collected request {requestId}: {certificates.Count} certificate(s) with their private keys installed into {installer.Where}; the request is {Text(completed, "status")}.").ConfigureAwait(false);
            foreach (var certificate in certificates)
            {
                await output.WriteLineAsync($"  {certificate.SerialNumber}  {certificate.Subject}  until {certificate.NotAfter.ToUniversalTime():yyyy-MM-dd}").ConfigureAwait(false);
            }

            return 0;
        }
        finally
        {
            foreach (var certificate in certificates)
            {
                certificate.Dispose();
            }
        }
    }

    /// <summary>Reports a failed collection (<c>…/fail</c>), even after the user cancelled; null when it was recorded, else why not.</summary>
    internal static async Task<string?> ReportFailureAsync(KeywardClient api, string collectionPath, string reason)
    {
        using var limit = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        try
        {
            await api.PostAsync($"{collectionPath}/fail", new { reason = Shorten(reason) }, limit.Token).ConfigureAwait(false);
            return null;
        }
        catch (Exception ex) when (ex is KeywardClientException or OperationCanceledException or JsonException)
        {
            return ex.Message;
        }
    }

    private static string Reason(Exception ex) => ex switch
    {
        OperationCanceledException => "the collection was cancelled on this computer",
        _ => Shorten(KeywardClient.OneLine(ex.Message)),
    };

    /// <summary>
    /// The value of <c>--transport-key</c> (docs/cards.md#transport-key): <c>auto</c>, <c>token</c>, <c>token-ec</c>,
    /// <c>token-rsa</c> or <c>software</c>, in any case.
    /// </summary>
    private static TransportKeyMode TransportKeyModeOf(System.CommandLine.Parsing.ArgumentResult result)
    {
        var value = result.Tokens.Count == 1 ? result.Tokens[0].Value : string.Empty;
        switch (value.ToLowerInvariant())
        {
            case "auto":
                return TransportKeyMode.Auto;
            case "token":
                return TransportKeyMode.Token;
            case "token-ec":
                return TransportKeyMode.TokenEc;
            case "token-rsa":
                return TransportKeyMode.TokenRsa;
            case "software":
                return TransportKeyMode.Software;
            default:
                result.AddError($"--transport-key is auto, token, token-ec, token-rsa or software, not '{value}'.");
                return TransportKeyMode.Auto;
        }
    }

    private static string Shorten(string text) => text.Length <= MaxReasonLength ? text : text[..(MaxReasonLength - 1)] + "…";
}
