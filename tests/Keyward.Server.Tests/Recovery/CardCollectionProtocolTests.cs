using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using Keyward.Server.Tests.Infrastructure;

namespace Keyward.Server.Tests.Recovery;

/// <summary>
/// The collecting client's protocol for smart cards (docs/recovery.md#cards), over the Core API: the client names the
/// token it writes to, read from the token; the server checks it before any key leaves, never tells it the card's
/// serial, records what was reported, and updates the card's certificate list at completion.
/// </summary>
public sealed class CardCollectionProtocolTests
{
    private const string SmartCard = "Key Recovery - Smart Card";
    private const string CarolsCard = "DEMO-CARD-CAROL";

    [Fact]
    public async Task CardUpdate_BegunWithAnotherTokensSerial_IsRefusedBeforeAnyRelease_AndAudited()
    {
        await using var server = await DemoServer.StartAsync();
        using var refusals = await Refusals.OnAsync(server);
        using var carol = await server.SignInAsync("carol");
        var (id, _, _) = await ApprovedCardUpdateAsync(server, refusals, keepCurrent: true);
        using var transport = RSA.Create(2048);

        foreach (var serial in new[] { "DEMO-CARD-DAVE", "SOMEONE-ELSES-CARD", "demo-card-carol" })
        {
            var detail = await refusals.UnchangedAsync(id, () => BeginAsync(carol, id, transport, Token(serial)), HttpStatusCode.BadRequest, "recovery.device_mismatch");
            Assert.DoesNotContain(CarolsCard, detail, StringComparison.Ordinal);
        }

        // No token named at all: a card collection must say which token it writes to.
        await refusals.UnchangedAsync(id, () => BeginAsync(carol, id, transport, null), HttpStatusCode.BadRequest, "recovery.serial_number_required");
        await refusals.UnchangedAsync(id, () => BeginAsync(carol, id, transport, Token(new string('9', 65))), HttpStatusCode.BadRequest, "recovery.serial_number_required");

        var request = await RecoverySteps.GetAsync(refusals.Admin, id);
        Assert.Equal(0, request.GetProperty("releases").GetInt32());
        Assert.DoesNotContain(await refusals.AuditDetailsAsync(), d => d.Contains("Released the keys", StringComparison.Ordinal));
    }

    [Fact]
    public async Task CardUpdate_BeginAnswer_NeverNamesTheCard_AndTheReleaseRecordsTheReportedToken()
    {
        await using var server = await DemoServer.StartAsync();
        using var refusals = await Refusals.OnAsync(server);
        using var carol = await server.SignInAsync("carol");
        var (id, _, _) = await ApprovedCardUpdateAsync(server, refusals, keepCurrent: true);
        using var transport = RSA.Create(2048);

        using var response = await BeginAsync(carol, id, transport, Token(CarolsCard) with { TransportKeyOnToken = true }, "SHA-1");
        var begun = await Json.ReadAsync(response, HttpStatusCode.Created);

        Assert.DoesNotContain(CarolsCard, begun.GetRawText(), StringComparison.Ordinal);
        Assert.False(begun.TryGetProperty("deviceSerialNumber", out _));
        // The token unwraps with OAEP over SHA-1 only (SoftHSM2 and many cards): the package says so and opens with it.
        Assert.Equal("RSA-OAEP+AES-KWP", begun.GetProperty("algorithm").GetString());
        var aesKey = transport.Decrypt(begun.GetProperty("wrappedTransportKey").GetBytesFromBase64(), RSAEncryptionPadding.OaepSHA1);
        Assert.Equal(32, aesKey.Length);

        var release = (await refusals.AuditDetailsAsync()).Single(d => d.StartsWith($"Released the keys of recovery request {id}", StringComparison.Ordinal));
        Assert.Contains($"token serial '{CarolsCard}', label 'Carol', manufacturer 'Test Cards', model 'TC-1' (client-reported, not attested)", release, StringComparison.Ordinal);
        Assert.Contains("transport key generated on the token", release, StringComparison.Ordinal);
        Assert.Contains("RSA-OAEP+AES-KWP", release, StringComparison.Ordinal);
    }

    [Fact]
    public async Task CardUpdate_WithOneCertificateDeselected_ListsItForRemoval_AndCompletionMovesTheCardsCertificates()
    {
        await using var server = await DemoServer.StartAsync();
        using var refusals = await Refusals.OnAsync(server);
        using var carol = await server.SignInAsync("carol");
        var (id, carols, carolId) = await ApprovedCardUpdateAsync(server, refusals, keepCurrent: false);

        // Before anything is released, the request says what collecting it removes from the card: the current
        // encryption certificate, deselected. The signing certificate has no archived key and is never touched.
        var request = await RecoverySteps.GetAsync(carol, id);
        Assert.Equal([carols.Current], Ids(request.GetProperty("removes")));
        Assert.Equal([carols.Expired], Ids(request.GetProperty("certificates")));

        using var transport = RSA.Create(2048);
        using var response = await BeginAsync(carol, id, transport, Token(CarolsCard));
        var collectionId = (await Json.ReadAsync(response, HttpStatusCode.Created)).GetProperty("collectionId").GetString()!;

        // Only a certificate the request removes may be reported removed.
        await refusals.UnchangedAsync(id, () => RecoverySteps.PostCollectionStepAsync(carol, id, collectionId, "complete", new { removedCertificateIds = new[] { carols.Signing } }), HttpStatusCode.BadRequest, "recovery.removal_not_allowed");
        await refusals.UnchangedAsync(id, () => RecoverySteps.PostCollectionStepAsync(carol, id, collectionId, "complete", new { serialNumber = "DEMO-CARD-DAVE" }), HttpStatusCode.BadRequest, "recovery.device_mismatch");

        using var complete = await RecoverySteps.PostCollectionStepAsync(carol, id, collectionId, "complete", new { removedCertificateIds = new[] { carols.Current } });
        Assert.Equal("Completed", (await Json.ReadAsync(complete, HttpStatusCode.OK)).GetProperty("status").GetString());

        var onCard = await CertificatesOnAsync(refusals.Admin, carolId, CarolsCard);
        Assert.Equal(new[] { carols.Expired, carols.Signing }.Order(), onCard.Order());
        var done = await RecoverySteps.GetAsync(refusals.Admin, id);
        Assert.Equal(0, done.GetProperty("removes").GetArrayLength());
        Assert.Contains(await refusals.AuditDetailsAsync(), d => d.Contains($"onto smart card {CarolsCard}, removing 1 certificate(s)", StringComparison.Ordinal));
    }

    [Fact]
    public async Task NewCard_MustBeATokenNotOnRecord_AndBecomesTheOwnersCardWithTheRecoveredCertificates()
    {
        await using var server = await DemoServer.StartAsync();
        using var refusals = await Refusals.OnAsync(server);
        using var olivia = await server.SignInAsync("olivia");
        var carolId = await Json.PersonIdAsync(refusals.Admin, "carol");
        var carols = await CardholderCertificates.OfAsync(refusals.Admin, carolId);
        var id = await RecoverySteps.ApprovedForCarolAsync(server, SmartCard, [carols.Current, carols.Expired]);
        using var transport = RSA.Create(2048);

        foreach (var issued in new[] { CarolsCard, "DEMO-CARD-DAVE" })
        {
            await refusals.UnchangedAsync(id, () => BeginAsync(olivia, id, transport, Token(issued)), HttpStatusCode.BadRequest, "recovery.device_mismatch");
        }

        using var response = await BeginAsync(olivia, id, transport, Token("NEW-TOKEN-0001"));
        var collectionId = (await Json.ReadAsync(response, HttpStatusCode.Created)).GetProperty("collectionId").GetString()!;
        using var complete = await RecoverySteps.PostCollectionStepAsync(olivia, id, collectionId, "complete");
        Assert.Equal("Completed", (await Json.ReadAsync(complete, HttpStatusCode.OK)).GetProperty("status").GetString());

        Assert.Equal(new[] { carols.Current, carols.Expired }.Order(), (await CertificatesOnAsync(refusals.Admin, carolId, "NEW-TOKEN-0001")).Order());
        Assert.Equal([carols.Signing], await CertificatesOnAsync(refusals.Admin, carolId, CarolsCard));
    }

    [Fact]
    public async Task ACollectorWhoseClientDied_BeginsAgain_TheAbandonedCollectionCountsAsAFailedRelease()
    {
        await using var server = await DemoServer.StartAsync();
        using var refusals = await Refusals.OnAsync(server);
        using var olivia = await server.SignInAsync("olivia");
        using var dave = await server.SignInAsync("dave");
        var carolId = await Json.PersonIdAsync(refusals.Admin, "carol");
        var carols = await CardholderCertificates.OfAsync(refusals.Admin, carolId);
        var id = await RecoverySteps.ApprovedForCarolAsync(server, SmartCard, [carols.Current]);
        using var transport = RSA.Create(2048);

        using (var first = await BeginAsync(olivia, id, transport, Token("NEW-TOKEN-0002")))
        {
            await Json.ReadAsync(first, HttpStatusCode.Created);
        }

        // The client died without reporting. Nobody else can take the collection over: not a collector who may
        // collect this request, nor one who cannot see it...
        await refusals.UnchangedAsync(id, () => BeginAsync(refusals.Admin, id, transport, Token("NEW-TOKEN-0002")), HttpStatusCode.Conflict, "recovery.not_collectable");
        await refusals.UnchangedAsync(id, () => BeginAsync(dave, id, transport, Token("NEW-TOKEN-0002")), HttpStatusCode.NotFound, "recovery.not_found");

        // ...the collector can: the first collection is failed on record, and the second is release 2 of 2.
        using (var second = await BeginAsync(olivia, id, transport, Token("NEW-TOKEN-0002")))
        {
            await Json.ReadAsync(second, HttpStatusCode.Created);
        }

        var request = await RecoverySteps.GetAsync(refusals.Admin, id);
        Assert.Equal(["Requested", "Approved", "CollectionStarted", "Released", "CollectionFailed", "CollectionStarted", "Released"], RecoverySteps.History(request));
        Assert.Equal(2, request.GetProperty("releases").GetInt32());

        // A third start would be a third release of one approval: the request needs a new approval instead.
        using (var third = await BeginAsync(olivia, id, transport, Token("NEW-TOKEN-0002")))
        {
            await Json.ProblemAsync(third, HttpStatusCode.Conflict, "recovery.release_limit");
        }

        Assert.Equal("AwaitingValidation", await RecoverySteps.StatusAsync(refusals.Admin, id));
        Assert.Contains(await refusals.AuditDetailsAsync(), d => d.Contains("then abandoned — the collector began a new collection", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("none", "ECDH-P256+RAW-Z+AES-KWP")]
    [InlineData("X9.63-SHA-256", "ECDH-P256+X963-SHA256+AES-KWP")]
    [InlineData(null, "ECDH-P256+X963-SHA256+AES-KWP")]
    public async Task NewCard_EcTransportKey_AnswerCarriesTheServersEphemeralKey_TheClientAgreesTheKek_AndTheAuditNamesTheScheme(string? kdf, string algorithm)
    {
        await using var server = await DemoServer.StartAsync();
        using var refusals = await Refusals.OnAsync(server);
        using var olivia = await server.SignInAsync("olivia");
        var carolId = await Json.PersonIdAsync(refusals.Admin, "carol");
        var carols = await CardholderCertificates.OfAsync(refusals.Admin, carolId);
        var id = await RecoverySteps.ApprovedForCarolAsync(server, SmartCard, [carols.Current]);
        using var transport = ECDiffieHellman.Create(ECCurve.NamedCurves.nistP256);

        using var response = await RecoverySteps.PostAsync(olivia, id, "collections", new
        {
            transportKey = Convert.ToBase64String(transport.ExportSubjectPublicKeyInfo()),
            transportKeyKdf = kdf,
            token = Token("NEW-TOKEN-EC") with { TransportKeyOnToken = true },
        });
        var begun = await Json.ReadAsync(response, HttpStatusCode.Created);

        Assert.Equal(algorithm, begun.GetProperty("algorithm").GetString());
        using var ephemeral = ECDiffieHellman.Create();
        ephemeral.ImportSubjectPublicKeyInfo(begun.GetProperty("ephemeralPublicKey").GetBytesFromBase64(), out _);
        Assert.Equal(ECCurve.NamedCurves.nistP256.Oid.Value, ephemeral.ExportParameters(false).Curve.Oid.Value);
        // The client's side, as a token computes it: Z by ECDH, the KEK (Z itself, or X9.63 SHA-256 with the scheme's name).
        var kek = kdf == "none"
            ? transport.DeriveRawSecretAgreement(ephemeral.PublicKey)
            : transport.DeriveKeyFromHash(ephemeral.PublicKey, HashAlgorithmName.SHA256, null, [0, 0, 0, 1, .. "ECDH-P256+X963-SHA256+AES-KWP"u8]);
        using var aes = Aes.Create();
        aes.Key = kek;
        aes.Key = aes.DecryptKeyWrapPadded(begun.GetProperty("wrappedTransportKey").GetBytesFromBase64());
        var pkcs8 = aes.DecryptKeyWrapPadded(begun.GetProperty("keys")[0].GetProperty("wrappedKey").GetBytesFromBase64());
        using var key = RSA.Create();
        key.ImportPkcs8PrivateKey(pkcs8, out _);
        using var certificate = X509CertificateLoader.LoadCertificate(begun.GetProperty("keys")[0].GetProperty("certificate").GetBytesFromBase64());
        Assert.Equal(certificate.GetRSAPublicKey()!.ExportSubjectPublicKeyInfo(), key.ExportSubjectPublicKeyInfo());

        var release = (await refusals.AuditDetailsAsync()).Single(d => d.StartsWith($"Released the keys of recovery request {id}", StringComparison.Ordinal));
        Assert.Contains($"({algorithm}, EC P-256 key SHA-256 fingerprint {Convert.ToHexStringLower(SHA256.HashData(transport.ExportSubjectPublicKeyInfo()))})", release, StringComparison.Ordinal);
        Assert.Contains("transport key generated on the token", release, StringComparison.Ordinal);
    }

    [Fact]
    public async Task TransportKeyKdf_OtherThanX963OrNone_IsRefused()
    {
        await using var server = await DemoServer.StartAsync();
        using var refusals = await Refusals.OnAsync(server);
        using var olivia = await server.SignInAsync("olivia");
        var carolId = await Json.PersonIdAsync(refusals.Admin, "carol");
        var carols = await CardholderCertificates.OfAsync(refusals.Admin, carolId);
        var id = await RecoverySteps.ApprovedForCarolAsync(server, SmartCard, [carols.Current]);
        using var transport = ECDiffieHellman.Create(ECCurve.NamedCurves.nistP256);

        foreach (var kdf in new[] { "NONE", "X9.63-SHA-1", "CKD_NULL", string.Empty })
        {
            using var response = await RecoverySteps.PostAsync(olivia, id, "collections", new { transportKey = Convert.ToBase64String(transport.ExportSubjectPublicKeyInfo()), transportKeyKdf = kdf, token = Token("NEW-TOKEN-0004") });
            var problem = await Json.ProblemAsync(response, HttpStatusCode.BadRequest, "recovery.transport_key_invalid");
            Assert.Contains("transportKeyKdf", problem, StringComparison.Ordinal);
        }

        var request = await RecoverySteps.GetAsync(refusals.Admin, id);
        Assert.Equal("AwaitingIssue", request.GetProperty("status").GetString());
        Assert.Equal(["Requested", "Approved"], RecoverySteps.History(request));
    }

    [Fact]
    public async Task TransportKeyHash_OtherThanSha256OrSha1_IsRefused()
    {
        await using var server = await DemoServer.StartAsync();
        using var refusals = await Refusals.OnAsync(server);
        using var olivia = await server.SignInAsync("olivia");
        var carolId = await Json.PersonIdAsync(refusals.Admin, "carol");
        var carols = await CardholderCertificates.OfAsync(refusals.Admin, carolId);
        var id = await RecoverySteps.ApprovedForCarolAsync(server, SmartCard, [carols.Current]);
        using var transport = RSA.Create(2048);

        foreach (var hash in new[] { "MD5", "sha-256", "SHA-384", string.Empty })
        {
            using var response = await BeginAsync(olivia, id, transport, Token("NEW-TOKEN-0003"), hash);
            await Json.ProblemAsync(response, HttpStatusCode.BadRequest, "recovery.transport_key_invalid");
        }

        Assert.Equal("AwaitingIssue", await RecoverySteps.StatusAsync(refusals.Admin, id));
    }

    private sealed record TokenInfo(string SerialNumber, string Label, string Manufacturer, string Model, bool TransportKeyOnToken);

    private static TokenInfo Token(string serial) => new(serial, "Carol", "Test Cards", "TC-1", false);

    private static Task<HttpResponseMessage> BeginAsync(HttpClient client, string requestId, RSA transport, TokenInfo? token, string? hash = null) =>
        RecoverySteps.PostAsync(client, requestId, "collections", new
        {
            transportKey = Convert.ToBase64String(transport.ExportSubjectPublicKeyInfo()),
            transportKeyHash = hash,
            token,
        });

    /// <summary>Olivia asks to update carol's card with her expired certificate (and her current one when <paramref name="keepCurrent"/>); victor approves.</summary>
    private static async Task<(string Id, CardholderCertificates Carols, string CarolId)> ApprovedCardUpdateAsync(DemoServer server, Refusals refusals, bool keepCurrent)
    {
        using var olivia = await server.SignInAsync("olivia");
        using var victor = await server.SignInAsync("victor");
        var carolId = await Json.PersonIdAsync(refusals.Admin, "carol");
        var carols = await CardholderCertificates.OfAsync(refusals.Admin, carolId);
        var card = await RecoverySteps.DeviceIdAsync(refusals.Admin, carolId, CarolsCard);
        using var response = await RecoverySteps.PostDeviceUpdateAsync(olivia, card, null, keepCurrent ? [carols.Current, carols.Expired] : [carols.Expired]);
        var id = (await Json.ReadAsync(response, HttpStatusCode.Created)).GetProperty("id").GetString()!;
        Assert.Equal("AwaitingIssue", (await RecoverySteps.ApproveAsync(victor, id)).GetProperty("status").GetString());
        return (id, carols, carolId);
    }

    /// <summary>The ids of the certificates the person's device <paramref name="serial"/> carries.</summary>
    private static async Task<IReadOnlyList<string>> CertificatesOnAsync(HttpClient admin, string personId, string serial)
    {
        var deviceId = await RecoverySteps.DeviceIdAsync(admin, personId, serial);
        var list = await Json.GetAsync(admin, $"/api/people/{personId}/certificates");
        return list.GetProperty("results").EnumerateArray()
            .Where(c => c.TryGetProperty("deviceId", out var d) && d.ValueKind == JsonValueKind.String && d.GetString() == deviceId)
            .Select(c => c.GetProperty("id").GetString()!)
            .ToList();
    }

    private static List<string> Ids(JsonElement list) => list.EnumerateArray().Select(c => c.GetProperty("id").GetString()!).ToList();
}
