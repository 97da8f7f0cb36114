using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using Keyward.Cards;
using Keyward.Cli.Client;
using Keyward.Cli.Commands;
using Keyward.Crypto.Recovery;
using Keyward.Profiles;
using static Keyward.Cli.Client.Lookups;

namespace Keyward.Cli.Collecting;

/// <summary>What <c>keyward collect --module</c> was told about the card.</summary>
/// <param name="Module">The PKCS#11 module (shared library) of the card's middleware.</param>
/// <param name="Token">The token's serial number or label; null when only one token is present.</param>
/// <param name="PinsFromStandardInput">PINs come from standard input, one a line, rather than from prompts.</param>
/// <param name="AssumeYes">The change to an existing card is confirmed in advance.</param>
/// <param name="TransportKey">Where the transport key pair is made.</param>
internal sealed record CardOptions(string Module, string? Token, bool PinsFromStandardInput, bool AssumeYes, TransportKeyMode TransportKey);

/// <summary>
/// Collects a smart-card request (a new card or an update of the owner's card) onto a PKCS#11 token
/// (docs/cards.md#collecting-onto-a-card): everything that can fail at the card — the module, the token, the PIN,
/// a blank card's initialisation, what the card already holds — is settled before the server releases any key; the
/// keys are then written (unwrapped inside the token when it can), certificates the request removes are taken off
/// only after every key is on the card, and the server is told exactly what was done.
/// </summary>
internal static class CardCollector
{
    /// <summary>
    /// Set to a number N, the collection kills its own process right after the N-th key is on the card, without telling
    /// the server: a drill of a workstation that dies mid-collection (docs/cards.md#interrupted-collections).
    /// </summary>
    public const string AbortAfterKeysVariable = "KEYWARD_COLLECT_ABORT_AFTER_KEYS";

    /// <summary>A token label holds 32 characters.</summary>
    private const int MaxTokenLabel = 32;

    public static async Task<int> CollectAsync(ParseResult parse, KeywardClient api, TextWriter output, JsonElement request, CardOptions options, CancellationToken cancellationToken)
    {
        var requestId = Text(request, "id")!;
        var path = RequestsCommand.RequestPath(requestId);
        var update = Text(request, "collectionMethod") == "CardUpdate";
        var status = Text(request, "status");
        if (status is not ("AwaitingIssue" or "InProgress"))
        {
            throw new KeywardClientException($"request {requestId} is {status}: only a request awaiting issue can be collected; nothing was written");
        }

        var secrets = new Secrets(options.PinsFromStandardInput, parse.InvocationConfiguration.Error);

        using var module = AtTheCard(() => CardModule.Load(options.Module));
        using var card = AtTheCard(() => module.Open(options.Token ?? OnlyInitialised(module)));
        await output.WriteLineAsync($"Token: {Describe(card.Description)}.").ConfigureAwait(false);
        await SignInAsync(api, output, request, card, update, secrets, cancellationToken).ConfigureAwait(false);

        // Read again: initialising a blank token gives it its label and, on some tokens, its serial number.
        var token = card.Description;

        // What the request puts on the card and takes off it: the request answer names each certificate by its
        // thumbprint, enough to find it on the card, so no certificate is fetched (docs/recovery.md#what-a-request-answer-carries).
        var wanted = Listed(request, "certificates");
        IReadOnlyList<RequestCertificate> unwanted = update ? Listed(request, "removes") : [];

        // Made before the preview (an EC P-256 key pair and its self-test take milliseconds on the token), it is
        // destroyed unused when the collection stops there.
        using var transport = AtTheCard(() => card.CreateTransportKey(options.TransportKey));

        var contents = AtTheCard(card.Contents);
        var inventory = CardInventory.Compare(contents, wanted.Select(c => c.Thumbprint), unwanted.Select(c => c.Thumbprint));
        if (!update && inventory.Kept.Count > 0)
        {
            throw new KeywardClientException($"token {token.Serial} holds {inventory.Kept.Count} certificate(s) this request does not write: a new card must be blank (or hold only what an interrupted collection of this request wrote); nothing was written or released");
        }

        await PreviewAsync(output, token, inventory, wanted, unwanted, contents).ConfigureAwait(false);
        if (update && !secrets.Confirm($"Change card {token.Serial} as above?", options.AssumeYes))
        {
            throw new KeywardClientException($"card {token.Serial} was left as it was: nothing was written or released");
        }

        var begun = await Terminal.StatusAsync(
            parse,
            $"Collecting request {requestId}…",
            () => api.PostAsync($"{path}/collections", new
            {
                transportKey = Convert.ToBase64String(transport.PublicKeySpki),
                transportKeyHash = transport.OaepHash,
                transportKeyKdf = transport.Kdf,
                token = new { serialNumber = token.Serial, label = token.Label, manufacturer = token.Manufacturer, model = token.Model, transportKeyOnToken = transport.OnToken },
            },
            cancellationToken)).ConfigureAwait(false);
        var collectionId = Text(begun, "collectionId") ?? throw new KeywardClientException("the server began a collection but gave no collection id");
        var collectionPath = $"{path}/collections/{Uri.EscapeDataString(collectionId)}";

        IReadOnlyList<WrittenKey> written;
        List<string> removed;
        try
        {
            written = Write(output, card, transport, begun);
            removed = Remove(output, card, unwanted, contents);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            var reason = ex is CardException card1 ? card1.Message : KeywardClient.OneLine(ex.Message);
            var reported = await CollectCommand.ReportFailureAsync(api, collectionPath, $"Writing to token {token.Serial} failed: {reason}").ConfigureAwait(false);
            throw new KeywardClientException(reported is null
                ? $"collecting request {requestId} onto token {token.Serial} failed: {reason}; the failure is on record, and collecting again finishes the job from what is on the card"
                : $"collecting request {requestId} onto token {token.Serial} failed: {reason}; reporting the failure failed too ({reported}), so collect again to finish the job");
        }

        JsonElement completed;
        try
        {
            completed = await api.PostAsync($"{collectionPath}/complete", new { serialNumber = token.Serial, removedCertificateIds = removed }, CancellationToken.None).ConfigureAwait(false);
        }
        catch (KeywardClientException ex)
        {
            await CollectCommand.ReportFailureAsync(api, collectionPath, $"The keys were written to token {token.Serial}, but completing the collection failed: {KeywardClient.OneLine(ex.Message)}").ConfigureAwait(false);
            throw new KeywardClientException($"the keys of request {requestId} are on token {token.Serial}, but the server did not record the collection: {ex.Message}");
        }

        var added = written.Count(w => w.Outcome != WriteOutcome.AlreadyPresent);
        await output.WriteLineAsync(
            $"Collected request {requestId} onto token {token.Serial}: {added} key(s) written, {written.Count - added} already on the card, {removed.Count} certificate(s) removed; the request is {Text(completed, "status")}.").ConfigureAwait(false);
        return 0;
    }

    /// <summary>
    /// Logs in with the user PIN — or, for a new card on a blank token, initialises it with an SO PIN and a user PIN
    /// that meets the profile's PIN policy (typed twice, or generated and shown once).
    /// </summary>
    private static async Task SignInAsync(KeywardClient api, TextWriter output, JsonElement request, Card card, bool update, Secrets secrets, CancellationToken cancellationToken)
    {
        var token = card.Description;
        if (token.Initialized && token.UserPinInitialized)
        {
            var userPin = secrets.Read($"User PIN of token {token.Serial}: ", "the user PIN");
            AtTheCard(() => card.Login(userPin));
            return;
        }

        if (update)
        {
            throw new KeywardClientException($"token {token.Serial} is not initialised: an update writes to the owner's card, which has a user PIN; nothing was written or released");
        }

        if (token.Initialized)
        {
            throw new KeywardClientException($"token {token.Serial} has no user PIN yet: set one with the token's own tool (for example pkcs11-tool --init-pin), then collect again; nothing was written or released");
        }

        var policy = await PinPolicyAsync(api, request, cancellationToken).ConfigureAwait(false);
        var chosen = secrets.ReadNew($"Token {token.Serial} is blank. New user PIN ({Rules(policy)}; empty: Keyward generates one): ", "the new user PIN");
        var pin = chosen.Length > 0
            ? policy.Check(chosen, CommonPasswords.BuiltIn) is { } broken ? throw new UsageException($"the new user PIN {broken}; nothing was written") : chosen
            : PfxPackager.GeneratePassword(policy.MinLength, policy.MaxLength, policy.RequireUpper, policy.RequireLower, policy.RequireDigit, policy.RequireSymbol, policy.DigitsOnly).Value;
        var so = secrets.ReadNew("Security officer (SO) PIN to give the card: ", "the SO PIN");
        if (so.Length == 0)
        {
            throw new UsageException("a blank card needs an SO PIN to be initialised; nothing was written");
        }
        var target = Text(request, "targetName") ?? "Keyward";
        AtTheCard(() => card.Initialize(target.Length <= MaxTokenLabel ? target : target[..MaxTokenLabel], so, pin));
        await output.WriteLineAsync($"Initialised token {token.Serial} with label '{card.Description.Label}'.").ConfigureAwait(false);
        if (chosen.Length == 0)
        {
            await output.WriteLineAsync("The card's user PIN below is shown only now: Keyward does not keep it. Give it to the cardholder safely.").ConfigureAwait(false);
            await output.WriteLineAsync($"User PIN: {pin}").ConfigureAwait(false);
        }
    }

    /// <summary>Shows what the collection will do to the card before any key is released.</summary>
    private static async Task PreviewAsync(TextWriter output, TokenDescription token, CardInventory inventory, IReadOnlyList<RequestCertificate> wanted, IReadOnlyList<RequestCertificate> unwanted, CardContents contents)
    {
        var known = wanted.Concat(unwanted).ToList();
        string Line(string thumbprint)
        {
            var certificate = known.FirstOrDefault(c => string.Equals(c.Thumbprint, thumbprint, StringComparison.OrdinalIgnoreCase));
            if (certificate is not null)
            {
                return $"{certificate.SerialNumber}  {certificate.Subject}";
            }

            using var other = X509CertificateLoader.LoadCertificate(contents.CertificateWithThumbprint(thumbprint)!.Der);
            return $"{other.SerialNumber.ToLowerInvariant()}  {other.Subject}";
        }

        await output.WriteLineAsync($"Changes to token {token.Serial}:").ConfigureAwait(false);
        foreach (var thumbprint in inventory.Added)
        {
            await output.WriteLineAsync($"  add      {Line(thumbprint)}").ConfigureAwait(false);
        }

        foreach (var thumbprint in inventory.AlreadyPresent)
        {
            await output.WriteLineAsync($"  present  {Line(thumbprint)}  (already on the card)").ConfigureAwait(false);
        }

        foreach (var thumbprint in inventory.Removed)
        {
            await output.WriteLineAsync($"  remove   {Line(thumbprint)}  (on the card, not in the request)").ConfigureAwait(false);
        }

        foreach (var thumbprint in inventory.Kept)
        {
            await output.WriteLineAsync($"  keep     {Line(thumbprint)}").ConfigureAwait(false);
        }

        var absent = unwanted.Count(c => contents.CertificateWithThumbprint(c.Thumbprint) is null);
        if (absent > 0)
        {
            await output.WriteLineAsync($"  ({absent} certificate(s) the request removes are not on the card.)").ConfigureAwait(false);
        }
    }

    /// <summary>Writes every released key with its certificate, one progress line each.</summary>
    private static IReadOnlyList<WrittenKey> Write(TextWriter output, Card card, CardTransportKey transport, JsonElement begun)
    {
        var expected = transport.Algorithm;
        var algorithm = Text(begun, "algorithm");
        if (algorithm != expected)
        {
            throw new KeywardClientException($"the keys are wrapped with '{algorithm}', but this transport key unwraps {expected}");
        }

        var keys = Items(begun, "keys").Select(k =>
        {
            var der = k.GetProperty("certificate").GetBytesFromBase64();
            return new KeyToWrite(k.GetProperty("wrappedKey").GetBytesFromBase64(), der, Label(der));
        }).ToList();
        if (keys.Count == 0)
        {
            throw new KeywardClientException("the server released no key");
        }

        var abortAfter = int.TryParse(Environment.GetEnvironmentVariable(AbortAfterKeysVariable), NumberStyles.None, CultureInfo.InvariantCulture, out var n) ? n : 0;
        var done = 0;
        var ephemeral = begun.TryGetProperty("ephemeralPublicKey", out var e) && e.ValueKind == JsonValueKind.String ? e.GetBytesFromBase64() : null;
        using var opened = AtTheCard(() => transport.Open(begun.GetProperty("wrappedTransportKey").GetBytesFromBase64(), ephemeral));
        return AtTheCard(() => card.Write(opened, keys, new Reporter(key =>
        {
            done++;
            using var certificate = X509CertificateLoader.LoadCertificate(key.CertificateDer);
            output.WriteLine($"  [{done}/{keys.Count}] {certificate.SerialNumber.ToLowerInvariant()}  {certificate.Subject}  {Outcome(key.Outcome, transport.OnToken)}");
            output.Flush();
            if (done == abortAfter)
            {
                // The drill: the process dies here, as if the workstation lost power — no failure is reported.
                Process.GetCurrentProcess().Kill();
            }
        })));
    }

    /// <summary>Takes off the card the certificates (and keys) the request removes; all of them, once every key is written.</summary>
    /// <param name="output">Where each removal is reported.</param>
    /// <param name="card">The card, logged in.</param>
    /// <param name="unwanted">The certificates the request removes.</param>
    /// <param name="contents">The card as read before writing: each certificate to remove is found there by its thumbprint.</param>
    /// <returns>The ids of the certificates the request removes that are no longer on the card.</returns>
    private static List<string> Remove(TextWriter output, Card card, IReadOnlyList<RequestCertificate> unwanted, CardContents contents)
    {
        var gone = new List<string>();
        foreach (var certificate in unwanted)
        {
            if (contents.CertificateWithThumbprint(certificate.Thumbprint) is { } onCard && AtTheCard(() => card.Remove(onCard.Der)))
            {
                output.WriteLine($"  removed  {certificate.SerialNumber}  {certificate.Subject}");
            }

            gone.Add(certificate.Id);
        }

        return gone;
    }

    private static string Outcome(WriteOutcome outcome, bool onToken) => outcome switch
    {
        WriteOutcome.AlreadyPresent => "already on the card",
        WriteOutcome.CertificateAdded => "certificate added to the key an earlier attempt wrote",
        WriteOutcome.KeyAdded => onToken ? "key unwrapped into the token beside its certificate" : "key imported beside its certificate",
        _ => onToken ? "written (key unwrapped inside the token)" : "written (key imported through this computer's memory)",
    };

    /// <summary>The label of a recovered key on the card: the certificate's common name and when it was issued.</summary>
    private static string Label(byte[] der)
    {
        using var certificate = X509CertificateLoader.LoadCertificate(der);
        var name = certificate.GetNameInfo(X509NameType.SimpleName, forIssuer: false);
        return $"{(string.IsNullOrEmpty(name) ? "Recovered" : name)} encryption {certificate.NotBefore.ToUniversalTime():yyyy-MM-dd}";
    }

    /// <summary>
    /// With no token named: the serial of the only initialised token when there is exactly one — a reader that also
    /// offers an empty slot (SoftHSM always does) still has one card in it — else null, and the module decides.
    /// </summary>
    private static string? OnlyInitialised(CardModule module)
    {
        var initialised = AtTheCard(module.Tokens).Where(t => t.Initialized).ToList();
        return initialised.Count == 1 ? initialised[0].Serial : null;
    }

    private static string Describe(TokenDescription token) =>
        $"{token.Label} (serial {token.Serial}, {token.Manufacturer} {token.Model}{(token.Initialized ? string.Empty : ", blank")})";

    private static string Rules(SecretPolicy policy) =>
        $"{policy.MinLength} to {policy.MaxLength} {(policy.DigitsOnly ? "digits" : "characters")}";

    /// <summary>The PIN policy of the request's credential profile, from the profiles the caller may use.</summary>
    private static async Task<SecretPolicy> PinPolicyAsync(KeywardClient api, JsonElement request, CancellationToken cancellationToken)
    {
        var profileId = Text(request, "credentialProfileId");
        for (var page = 1; ; page++)
        {
            var list = await api.GetAsync($"/api/credentialProfiles?page={page}&pageSize=100", cancellationToken).ConfigureAwait(false);
            var profile = Items(list, "results").FirstOrDefault(p => Text(p, "id") == profileId);
            if (profile.ValueKind == JsonValueKind.Object)
            {
                return profile.GetProperty("pinPolicy").Deserialize<SecretPolicy>(JsonSerializerOptions.Web)
                       ?? throw new KeywardClientException($"the server gave profile {profileId} no PIN policy");
            }

            if (page * 100 >= Number(list, "total"))
            {
                throw new KeywardClientException($"the credential profile of request {Text(request, "id")} is not one you may use, so its PIN policy is unknown; nothing was written");
            }
        }
    }

    /// <summary>The certificates of one list of the request (<c>certificates</c> or <c>removes</c>), in the request's order.</summary>
    private static List<RequestCertificate> Listed(JsonElement request, string list) =>
        Items(request, list).Select(item =>
        {
            var id = Text(item, "id") ?? throw new KeywardClientException($"the server listed a certificate of request {Text(request, "id")} without its id");
            var thumbprint = Text(item, "thumbprint");
            return string.IsNullOrEmpty(thumbprint)
                ? throw new KeywardClientException($"the server gave certificate {id} without its thumbprint, which finds it on the card; nothing was written or released")
                : new RequestCertificate(id, Text(item, "serialNumber") ?? string.Empty, Text(item, "subject") ?? string.Empty, thumbprint);
        }).ToList();

    /// <summary>Runs a card operation; its <see cref="CardException"/> becomes the command's one-line error.</summary>
    private static T AtTheCard<T>(Func<T> operation)
    {
        try
        {
            return operation();
        }
        catch (CardException ex)
        {
            throw new KeywardClientException($"the card: {ex.Message}", code: ex.Problem.ToString());
        }
    }

    private static void AtTheCard(Action operation) => AtTheCard(() =>
    {
        operation();
        return true;
    });

    /// <summary>A certificate of the request: its id, serial number, subject and SHA-256 thumbprint (hex).</summary>
    private sealed record RequestCertificate(string Id, string SerialNumber, string Subject, string Thumbprint);

    /// <summary>Calls back synchronously on the writing thread (<see cref="Progress{T}"/> would post to the thread pool).</summary>
    private sealed class Reporter(Action<WrittenKey> report) : IProgress<WrittenKey>
    {
        public void Report(WrittenKey value) => report(value);
    }
}
