using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using System.Text.RegularExpressions;
using Keyward.Server.Tests.Infrastructure;
using Keyward.Server.Tests.Recovery;
using Microsoft.Extensions.DependencyInjection;

namespace Keyward.Server.Tests.Cli;

/// <summary>
/// <c>keyward collect --module</c> end to end: a real keyward process, a loopback demo server, and a real PKCS#11 token
/// (SoftHSM2) that OpenSC's <c>pkcs11-tool</c> reads back independently (docs/cards.md).
/// </summary>
public sealed partial class CollectCardTests
{
    private const string SmartCard = "Key Recovery - Smart Card";

    [Fact]
    public async Task NewCard_WritesEachKeyWithItsCertificate_NonExtractable_AndTheKeysDecryptWhatWasEncryptedToThem()
    {
        await using var rig = await CardRig.StartAsync("carol-new");
        var (server, keyward, card) = rig;
        var serial = await card.SerialAsync();
        var (id, certificates) = await keyward.ApprovedRequestForCarolAsync(SmartCard);

        var outcome = await keyward.RunAsync("olivia", SoftHsmCard.UserPin, "collect", id, "--module", SoftHsmCard.Module, "--token", "carol-new", "--pin-stdin");

        Assert.True(outcome.Exit == 0, outcome.ToString());
        Assert.Contains($"Collected request {id} onto token {serial}: 2 key(s) written, 0 already on the card, 0 certificate(s) removed; the request is Completed.", outcome.Output, StringComparison.Ordinal);
        Assert.Contains("[1/2]", outcome.Output, StringComparison.Ordinal);
        Assert.Contains("key unwrapped inside the token", outcome.Output, StringComparison.Ordinal);

        // What is on the token, read by OpenSC: each certificate with a private key under the same id, nothing else.
        var objects = await card.ObjectsAsync();
        var onCard = objects.Where(o => o.Type.StartsWith("Certificate", StringComparison.Ordinal)).ToList();
        var keys = objects.Where(o => o.Type.StartsWith("Private Key", StringComparison.Ordinal)).ToList();
        Assert.Equal(2, onCard.Count);
        Assert.Equal(onCard.Select(c => c.Id).Order(), keys.Select(k => k.Id).Order());
        Assert.DoesNotContain(objects, o => o.Type.StartsWith("Secret Key", StringComparison.Ordinal));
        Assert.All(keys, k => Assert.Contains("sensitive", k.Listing, StringComparison.Ordinal));
        Assert.All(keys, k => Assert.DoesNotContain("extractable", k.Listing.Replace("never extractable", string.Empty, StringComparison.Ordinal), StringComparison.Ordinal));

        // The keys do what they are for: decrypt, on the card, data encrypted to their certificates.
        using var admin = await server.SignInAsync("admin");
        foreach (var (certificateId, _) in certificates)
        {
            using var certificate = await CertificateAsync(admin, certificateId);
            var keyId = IdOnCard(certificate);
            Assert.Contains(keys, k => k.Id == keyId);
            var secret = RandomNumberGenerator.GetBytes(32);
            using var publicKey = certificate.GetRSAPublicKey()!;
            Assert.Equal(secret, await card.DecryptOnCardAsync(keyId, publicKey.Encrypt(secret, RSAEncryptionPadding.Pkcs1)));
        }

        // The server recorded a new card of carol's with those certificates on it, and what the client reported.
        var request = await keyward.RequestAsync(id);
        Assert.Equal("Completed", request.GetProperty("status").GetString());
        var carolId = request.GetProperty("targetId").GetString()!;
        var deviceId = await RecoverySteps.DeviceIdAsync(admin, carolId, serial);
        var onRecord = (await Json.GetAsync(admin, $"/api/people/{carolId}/certificates")).GetProperty("results").EnumerateArray()
            .Where(c => c.TryGetProperty("deviceId", out var d) && d.GetString() == deviceId).Select(c => c.GetProperty("id").GetString()!);
        Assert.Equal(certificates.Keys.Order(), onRecord.Order());
        var audit = await AuditAsync(server);
        Assert.Contains(audit, d => d.Contains($"token serial '{serial}', label 'carol-new', manufacturer 'SoftHSM project', model 'SoftHSM v2' (client-reported, not attested)", StringComparison.Ordinal)
                                    && d.Contains("transport key generated on the token", StringComparison.Ordinal)
                                    // The default on a token that can: an EC P-256 key; SoftHSM runs no KDF in C_DeriveKey.
                                    && d.Contains("(ECDH-P256+RAW-Z+AES-KWP, EC P-256 key SHA-256 fingerprint ", StringComparison.Ordinal));
    }

    [Fact]
    public async Task RsaTransportKeyOnTheToken_StillUnwrapsInsideTheToken_AndTheAuditNamesRsaOaep()
    {
        await using var rig = await CardRig.StartAsync("carol-new");
        var (server, keyward, card) = rig;
        var (id, certificates) = await keyward.ApprovedRequestForCarolAsync(SmartCard);

        var outcome = await keyward.RunAsync("olivia", SoftHsmCard.UserPin, "collect", id, "--module", SoftHsmCard.Module, "--pin-stdin", "--transport-key", "token-rsa");

        Assert.True(outcome.Exit == 0, outcome.ToString());
        Assert.Contains("key unwrapped inside the token", outcome.Output, StringComparison.Ordinal);
        var objects = await card.ObjectsAsync();
        var keys = objects.Where(o => o.Type.StartsWith("Private Key", StringComparison.Ordinal)).ToList();
        Assert.Equal(2, keys.Count);
        Assert.Equal(2, objects.Count(o => o.Type.StartsWith("Certificate", StringComparison.Ordinal)));
        Assert.DoesNotContain(objects, o => o.Type.StartsWith("Secret Key", StringComparison.Ordinal) || o.Type.StartsWith("Public Key", StringComparison.Ordinal));
        Assert.All(keys, k => Assert.Contains("sensitive", k.Listing, StringComparison.Ordinal));
        Assert.All(keys, k => Assert.DoesNotContain("extractable", k.Listing.Replace("never extractable", string.Empty, StringComparison.Ordinal), StringComparison.Ordinal));
        using var admin = await server.SignInAsync("admin");
        foreach (var certificateId in certificates.Keys)
        {
            using var certificate = await CertificateAsync(admin, certificateId);
            var secret = RandomNumberGenerator.GetBytes(32);
            using var publicKey = certificate.GetRSAPublicKey()!;
            Assert.Equal(secret, await card.DecryptOnCardAsync(IdOnCard(certificate), publicKey.Encrypt(secret, RSAEncryptionPadding.Pkcs1)));
        }

        // SoftHSM decrypts OAEP with SHA-1 only: the self-test found it, and the server wrapped with it.
        Assert.Contains(await AuditAsync(server), d => d.Contains("(RSA-OAEP+AES-KWP, RSA key SHA-256 fingerprint ", StringComparison.Ordinal)
                                                       && d.Contains("transport key generated on the token", StringComparison.Ordinal));
    }

    [Fact]
    public async Task NewCard_OnABlankToken_InitialisesIt_WithAGeneratedPinShownOnce()
    {
        await using var rig = await CardRig.StartAsync(null);
        var (server, keyward, card) = rig;
        var (id, _) = await keyward.ApprovedRequestForCarolAsync(SmartCard);

        // --pin-stdin on a blank card: the new user PIN (empty: generate one), then the new SO PIN.
        var outcome = await keyward.RunAsync("carol", $"\n{SoftHsmCard.SoPin}", "collect", id, "--module", SoftHsmCard.Module, "--pin-stdin");

        Assert.True(outcome.Exit == 0, outcome.ToString());
        Assert.Contains("Initialised token", outcome.Output, StringComparison.Ordinal);
        var pin = PinPattern().Match(outcome.Output);
        Assert.True(pin.Success, outcome.Output);
        Assert.InRange(pin.Groups[1].Value.Length, 6, 8); // The demo profile's PIN policy: 6 to 8 digits.
        Assert.Single(PinPattern().Matches(outcome.Output));

        // The card now has carol's label, and the generated PIN opens it.
        card.UseLabel("carol");
        var objects = await card.ObjectsAsync(pin.Groups[1].Value);
        Assert.Equal(2, objects.Count(o => o.Type.StartsWith("Private Key", StringComparison.Ordinal)));
        Assert.Equal("Completed", (await keyward.RequestAsync(id)).GetProperty("status").GetString());
        Assert.DoesNotContain(pin.Groups[1].Value, string.Join('\n', await AuditAsync(server)), StringComparison.Ordinal);
    }

    [Fact]
    public async Task CardUpdate_WithOneCertificateDeselected_PreviewsThenRemovesExactlyThatOne_AndKeepsTheRest()
    {
        await using var rig = await CardRig.StartAsync("carols-card");
        var (server, keyward, card) = rig;
        var serial = await card.SerialAsync();
        using var admin = await server.SignInAsync("admin");
        var carolId = await Json.PersonIdAsync(admin, "carol");
        var carols = await CardholderCertificates.OfAsync(admin, carolId);

        // Carol's card: issued by Keyward with her current and expired encryption certificates...
        var issued = await NewRequestAsync(server, carolId, [carols.Current, carols.Expired]);
        var first = await keyward.RunAsync("olivia", SoftHsmCard.UserPin, "collect", issued, "--module", SoftHsmCard.Module, "--pin-stdin");
        Assert.True(first.Exit == 0, first.ToString());

        // ...and a certificate another issuer put on it, which Keyward does not manage.
        using var foreign = ForeignCertificate();
        await card.WriteForeignCertificateAsync(foreign.RawData, "99", "badge");
        var before = await card.ObjectsAsync();

        // Olivia asks to update the card with the current and the revoked certificate: the expired one is deselected.
        var deviceId = await RecoverySteps.DeviceIdAsync(admin, carolId, serial);
        var update = await ApprovedDeviceUpdateAsync(server, deviceId, [carols.Current, carols.Revoked]);
        var serials = await SerialsAsync(admin, carols);

        // Without --yes and no terminal to ask, the preview is shown and nothing happens.
        var preview = await keyward.RunAsync("carol", SoftHsmCard.UserPin, "collect", update, "--module", SoftHsmCard.Module, "--pin-stdin");
        Assert.NotEqual(0, preview.Exit);
        Assert.Contains("pass --yes", preview.Error, StringComparison.Ordinal);
        Assert.Matches($@"add\s+{serials[carols.Revoked]}", preview.Output);
        Assert.Matches($@"present\s+{serials[carols.Current]}", preview.Output);
        Assert.Matches($@"remove\s+{serials[carols.Expired]}", preview.Output);
        Assert.Matches($@"keep\s+{foreign.SerialNumber.ToLowerInvariant()}", preview.Output);
        Assert.Equal(before.Select(o => o.Listing), (await card.ObjectsAsync()).Select(o => o.Listing));
        Assert.Equal("AwaitingIssue", (await keyward.RequestAsync(update)).GetProperty("status").GetString());

        var outcome = await keyward.RunAsync("carol", SoftHsmCard.UserPin, "collect", update, "--module", SoftHsmCard.Module, "--pin-stdin", "--yes");
        Assert.True(outcome.Exit == 0, outcome.ToString());
        Assert.Contains($"onto token {serial}: 1 key(s) written, 1 already on the card, 1 certificate(s) removed", outcome.Output, StringComparison.Ordinal);

        // On the card: current, revoked and the foreign certificate; keys for the first two only; the expired one gone.
        var objects = await card.ObjectsAsync();
        var certificateIds = objects.Where(o => o.Type.StartsWith("Certificate", StringComparison.Ordinal)).Select(o => o.Id).Order().ToList();
        using var current = await CertificateAsync(admin, carols.Current);
        using var revoked = await CertificateAsync(admin, carols.Revoked);
        using var expired = await CertificateAsync(admin, carols.Expired);
        Assert.Equal(new[] { IdOnCard(current), IdOnCard(revoked), "99" }.Order(), certificateIds);
        Assert.Equal(new[] { IdOnCard(current), IdOnCard(revoked) }.Order(), objects.Where(o => o.Type.StartsWith("Private Key", StringComparison.Ordinal)).Select(o => o.Id).Order());
        Assert.DoesNotContain(objects, o => o.Id == IdOnCard(expired));

        // The server's record of the card matches it: the removed certificate is no longer on the device.
        var onRecord = (await Json.GetAsync(admin, $"/api/people/{carolId}/certificates")).GetProperty("results").EnumerateArray()
            .Where(c => c.TryGetProperty("deviceId", out var d) && d.GetString() == deviceId).Select(c => c.GetProperty("id").GetString()!);
        Assert.Equal(new[] { carols.Current, carols.Revoked }.Order(), onRecord.Order());
    }

    [Fact]
    public async Task WrongPin_IsAClearError_NothingIsWrittenOrReleased_AndTheRequestStaysCollectable()
    {
        await using var rig = await CardRig.StartAsync("carol-new");
        var (server, keyward, card) = rig;
        var (id, _) = await keyward.ApprovedRequestForCarolAsync(SmartCard);

        var outcome = await keyward.RunAsync("olivia", "000000", "collect", id, "--module", SoftHsmCard.Module, "--pin-stdin");

        Assert.Equal(1, outcome.Exit);
        var line = Assert.Single(outcome.Error.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains("PIN", line, StringComparison.Ordinal);
        Assert.Contains("incorrect", line, StringComparison.OrdinalIgnoreCase);
        Assert.Empty(await card.ObjectsAsync());
        var request = await keyward.RequestAsync(id);
        Assert.Equal(("AwaitingIssue", 0), (request.GetProperty("status").GetString(), request.GetProperty("releases").GetInt32()));
        Assert.Equal(["Requested", "Approved"], KeywardProcess.HistoryActions(request));
    }

    [Fact]
    public async Task WrongCard_ForAnUpdate_IsRefusedByTheServerBeforeAnyKeyIsReleasedOrWritten_AndAudited()
    {
        await using var rig = await CardRig.StartAsync("not-carols-card");
        var (server, keyward, card) = rig;
        var serial = await card.SerialAsync();
        using var admin = await server.SignInAsync("admin");
        var carolId = await Json.PersonIdAsync(admin, "carol");
        var carols = await CardholderCertificates.OfAsync(admin, carolId);
        var id = await ApprovedDeviceUpdateAsync(server, await RecoverySteps.DeviceIdAsync(admin, carolId, "DEMO-CARD-CAROL"), [carols.Current, carols.Expired]);

        var outcome = await keyward.RunAsync("carol", SoftHsmCard.UserPin, "collect", id, "--module", SoftHsmCard.Module, "--pin-stdin", "--yes");

        Assert.Equal(1, outcome.Exit);
        Assert.Contains("recovery.device_mismatch", outcome.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("DEMO-CARD-CAROL", outcome.Error + outcome.Output, StringComparison.Ordinal);
        Assert.Empty(await card.ObjectsAsync());
        var request = await keyward.RequestAsync(id);
        Assert.Equal(("AwaitingIssue", 0), (request.GetProperty("status").GetString(), request.GetProperty("releases").GetInt32()));
        Assert.Contains(await AuditAsync(server), d => d.Contains($"(serial '{serial}') is not the card this request updates", StringComparison.Ordinal));
    }

    [Fact]
    public async Task KilledAfterTheFirstKey_TheRetryFinishesTheJob_WithNoDuplicateObjects()
    {
        await using var rig = await CardRig.StartAsync("carol-new");
        var (server, keyward, card) = rig;
        var serial = await card.SerialAsync();
        var (id, _) = await keyward.ApprovedRequestForCarolAsync(SmartCard);

        keyward.Environment["KEYWARD_COLLECT_ABORT_AFTER_KEYS"] = "1";
        var killed = await keyward.RunAsync("olivia", SoftHsmCard.UserPin, "collect", id, "--module", SoftHsmCard.Module, "--pin-stdin");
        Assert.NotEqual(0, killed.Exit);
        Assert.Contains("[1/2]", killed.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("[2/2]", killed.Output, StringComparison.Ordinal);
        var half = await card.ObjectsAsync();
        Assert.Single(half, o => o.Type.StartsWith("Certificate", StringComparison.Ordinal));
        Assert.Single(half, o => o.Type.StartsWith("Private Key", StringComparison.Ordinal));
        Assert.Equal("InProgress", (await keyward.RequestAsync(id)).GetProperty("status").GetString());

        keyward.Environment.Remove("KEYWARD_COLLECT_ABORT_AFTER_KEYS");
        var retry = await keyward.RunAsync("olivia", SoftHsmCard.UserPin, "collect", id, "--module", SoftHsmCard.Module, "--pin-stdin");

        Assert.True(retry.Exit == 0, retry.ToString());
        Assert.Contains($"onto token {serial}: 1 key(s) written, 1 already on the card", retry.Output, StringComparison.Ordinal);
        var objects = await card.ObjectsAsync();
        var certificates = objects.Where(o => o.Type.StartsWith("Certificate", StringComparison.Ordinal)).Select(o => o.Id).ToList();
        var keys = objects.Where(o => o.Type.StartsWith("Private Key", StringComparison.Ordinal)).Select(o => o.Id).ToList();
        Assert.Equal(2, certificates.Distinct().Count());
        Assert.Equal(certificates.Order(), keys.Order());
        Assert.DoesNotContain(objects, o => o.Type.StartsWith("Secret Key", StringComparison.Ordinal));
        var request = await keyward.RequestAsync(id);
        Assert.Equal("Completed", request.GetProperty("status").GetString());
        Assert.Equal(["Requested", "Approved", "CollectionStarted", "Released", "CollectionFailed", "CollectionStarted", "Released", "Completed"], KeywardProcess.HistoryActions(request));
    }

    [Fact]
    public async Task SoftwareTransportKey_ImportsThroughTheClient_AndTheAuditSaysSo()
    {
        await using var rig = await CardRig.StartAsync("carol-new");
        var (server, keyward, card) = rig;
        var (id, certificates) = await keyward.ApprovedRequestForCarolAsync(SmartCard);

        var outcome = await keyward.RunAsync("olivia", SoftHsmCard.UserPin, "collect", id, "--module", SoftHsmCard.Module, "--pin-stdin", "--transport-key", "software");

        Assert.True(outcome.Exit == 0, outcome.ToString());
        Assert.Contains("imported through this computer's memory", outcome.Output, StringComparison.Ordinal);
        var keys = (await card.ObjectsAsync()).Where(o => o.Type.StartsWith("Private Key", StringComparison.Ordinal)).ToList();
        Assert.Equal(2, keys.Count);
        Assert.All(keys, k => Assert.Contains("sensitive", k.Listing, StringComparison.Ordinal));
        using var admin = await server.SignInAsync("admin");
        using var certificate = await CertificateAsync(admin, certificates.Keys.First());
        var secret = RandomNumberGenerator.GetBytes(32);
        using var publicKey = certificate.GetRSAPublicKey()!;
        Assert.Equal(secret, await card.DecryptOnCardAsync(IdOnCard(certificate), publicKey.Encrypt(secret, RSAEncryptionPadding.Pkcs1)));
        Assert.Contains(await AuditAsync(server), d => d.Contains("transport key generated in software: the keys pass through the collecting client's memory", StringComparison.Ordinal));
    }

    /// <summary>Olivia asks to update the card <paramref name="deviceId"/> with <paramref name="certificateIds"/>; victor approves.</summary>
    private static async Task<string> ApprovedDeviceUpdateAsync(DemoServer server, string deviceId, IReadOnlyList<string> certificateIds)
    {
        using var olivia = await server.SignInAsync("olivia");
        using var response = await RecoverySteps.PostDeviceUpdateAsync(olivia, deviceId, null, certificateIds);
        var id = (await Json.ReadAsync(response, HttpStatusCode.Created)).GetProperty("id").GetString()!;
        using var victor = await server.SignInAsync("victor");
        await RecoverySteps.ApproveAsync(victor, id);
        return id;
    }

    /// <summary>The <c>CKA_ID</c> Keyward gives a recovered key on a generic token: SHA-1 of the RSA modulus, in hex.</summary>
    [System.Diagnostics.CodeAnalysis.SuppressMessage("Security", "CA5350:Do Not Use Weak Cryptographic Algorithms", Justification = "The identifier convention of card tools, not a security use.")]
    private static string IdOnCard(X509Certificate2 certificate)
    {
        using var rsa = certificate.GetRSAPublicKey()!;
        return Convert.ToHexStringLower(SHA1.HashData(rsa.ExportParameters(false).Modulus!));
    }

    private static async Task<X509Certificate2> CertificateAsync(HttpClient client, string id) =>
        X509Certificate2.CreateFromPem((await Json.GetAsync(client, $"/api/certificates/{id}")).GetProperty("pem").GetString()!);

    private static async Task<Dictionary<string, string>> SerialsAsync(HttpClient client, CardholderCertificates certificates)
    {
        var serials = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var id in new[] { certificates.Current, certificates.Expired, certificates.Revoked })
        {
            serials[id] = (await Json.GetAsync(client, $"/api/certificates/{id}")).GetProperty("certificate").GetProperty("serialNumber").GetString()!;
        }

        return serials;
    }

    private static async Task<string> NewRequestAsync(DemoServer server, string personId, IReadOnlyList<string> certificateIds)
    {
        using var olivia = await server.SignInAsync("olivia");
        using var victor = await server.SignInAsync("victor");
        var id = (await RecoverySteps.RequestAsync(olivia, personId, SmartCard, certificateIds)).GetProperty("id").GetString()!;
        await RecoverySteps.ApproveAsync(victor, id);
        return id;
    }

    private static X509Certificate2 ForeignCertificate()
    {
        using var key = RSA.Create(2048);
        var request = new CertificateRequest("CN=Building badge", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        return request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddYears(1));
    }

    private static async Task<IReadOnlyList<string>> AuditAsync(DemoServer server)
    {
        await using var scope = server.App.Services.CreateAsyncScope();
        var store = scope.ServiceProvider.GetRequiredService<Keyward.Common.IKeywardStore>();
        return await store.ToListAsync(store.AuditEvents.OrderBy(e => e.Sequence).Select(e => e.Details), CancellationToken.None);
    }

    /// <summary>A loopback demo server, a keyward process and a SoftHSM2 card that process sees (and nobody else).</summary>
    private sealed class CardRig : IAsyncDisposable
    {
        private CardRig(DemoServer server, KeywardProcess keyward, SoftHsmCard card) => (Server, Keyward, Card) = (server, keyward, card);

        public DemoServer Server { get; }

        public KeywardProcess Keyward { get; }

        public SoftHsmCard Card { get; }

        /// <summary>Starts everything; the card is initialised with <paramref name="label"/>, or left blank when it is null.</summary>
        public static async Task<CardRig> StartAsync(string? label)
        {
            var server = await DemoServer.StartOnLoopbackAsync();
            var card = new SoftHsmCard();
            if (label is not null)
            {
                await card.InitialiseAsync(label);
            }

            var keyward = new KeywardProcess(server);
            foreach (var (name, value) in card.Environment)
            {
                keyward.Environment[name] = value;
            }

            return new CardRig(server, keyward, card);
        }

        public void Deconstruct(out DemoServer server, out KeywardProcess keyward, out SoftHsmCard card) => (server, keyward, card) = (Server, Keyward, Card);

        public async ValueTask DisposeAsync()
        {
            Keyward.Dispose();
            Card.Dispose();
            await Server.DisposeAsync();
        }
    }

    [GeneratedRegex(@"User PIN: (\d+)")]
    private static partial Regex PinPattern();
}
