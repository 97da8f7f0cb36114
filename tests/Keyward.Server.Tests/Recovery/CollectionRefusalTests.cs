using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using Keyward.Crypto.Recovery;
using Keyward.Server.Tests.Infrastructure;

namespace Keyward.Server.Tests.Recovery;

/// <summary>
/// The collection rules of docs/recovery.md#collecting and the collecting client's protocol, through <c>POST /api/requests/{id}/collect</c> and
/// <c>/collections</c>: each refusal answers its own code, leaves the request as it was (still collectable when it
/// was), releases no key, records no device and is audited without any secret.
/// </summary>
public sealed class CollectionRefusalTests
{
    private const string FileStore = "Key Recovery - Soft Certificate";
    private const string SystemStore = "Key Recovery - System Store";
    private const string SmartCard = "Key Recovery - Smart Card";

    // Only a request awaiting issue; the owner, or an operator with the collect operation, in scope, on Can collect.
    [Fact]
    public async Task Collecting_WhileAwaitingValidation_IsNotCollectable()
    {
        await using var server = await DemoServer.StartAsync();
        using var refusals = await Refusals.OnAsync(server);
        using var olivia = await server.SignInAsync("olivia");
        using var carol = await server.SignInAsync("carol");
        var carolId = await Json.PersonIdAsync(olivia, "carol");
        var carols = await CardholderCertificates.OfAsync(olivia, carolId);
        var pfx = (await RecoverySteps.RequestAsync(olivia, carolId, FileStore, [carols.Current])).GetProperty("id").GetString()!;
        var store = (await RecoverySteps.RequestAsync(olivia, carolId, SystemStore, [carols.Expired])).GetProperty("id").GetString()!;

        var detail = await refusals.UnchangedAsync(pfx, () => RecoverySteps.PostAsync(carol, pfx, "collect"), HttpStatusCode.Conflict, "recovery.not_collectable");
        Assert.Contains("AwaitingValidation", detail, StringComparison.Ordinal);
        await refusals.UnchangedAsync(pfx, () => RecoverySteps.PostAsync(olivia, pfx, "collect"), HttpStatusCode.Conflict, "recovery.not_collectable");
        using var transport = TransportKeyPair.Create();
        await refusals.UnchangedAsync(store, () => RecoverySteps.PostCollectionAsync(carol, store, Convert.ToBase64String(transport.PublicKey)), HttpStatusCode.Conflict, "recovery.not_collectable");
    }

    [Fact]
    public async Task Collecting_WithoutTheCollectOperation_IsForbidden()
    {
        await using var server = await DemoServer.StartAsync();
        using var refusals = await Refusals.OnAsync(server);
        using var victor = await server.SignInAsync("victor");
        var carols = await CarolsCertificatesAsync(refusals);
        var id = await RecoverySteps.ApprovedForCarolAsync(server, FileStore, [carols.Current]);

        // Victor sees carol's request (Finance division) but validates only.
        var detail = await refusals.UnchangedAsync(id, () => RecoverySteps.PostAsync(victor, id, "collect"), HttpStatusCode.Forbidden, "recovery.forbidden");
        Assert.Contains("CollectSoftCertificate", detail, StringComparison.Ordinal);
        Assert.Equal("AwaitingIssue", await RecoverySteps.StatusAsync(refusals.Admin, id));
    }

    [Fact]
    public async Task Collecting_ForAPersonOutsideTheOperatorsScope_IsForbidden()
    {
        await using var server = await DemoServer.StartAsync();
        using var refusals = await Refusals.OnAsync(server);
        using var olivia = await server.SignInAsync("olivia");
        var carols = await CarolsCertificatesAsync(refusals);
        var id = await RecoverySteps.ApprovedForCarolAsync(server, FileStore, [carols.Current]);

        // Carol moves to Engineering after approval: olivia still sees the request she made, but may not collect it.
        await DemoChanges.MoveAsync(server, "carol", "Acme/Engineering");
        var detail = await refusals.UnchangedAsync(id, () => RecoverySteps.PostAsync(olivia, id, "collect"), HttpStatusCode.Forbidden, "recovery.forbidden");
        Assert.Contains("scope", detail, StringComparison.Ordinal);
        Assert.Equal("AwaitingIssue", await RecoverySteps.StatusAsync(refusals.Admin, id));
    }

    [Fact]
    public async Task Collecting_WithARoleNotOnCanCollect_IsRefused()
    {
        await using var server = await DemoServer.StartAsync();
        using var refusals = await Refusals.OnAsync(server);
        using var olivia = await server.SignInAsync("olivia");
        using var carol = await server.SignInAsync("carol");
        var carols = await CarolsCertificatesAsync(refusals);
        await DemoChanges.AddProfileAsync(server, "Administrators collect only", (s, roles) => s with { CanCollect = [roles["Administrator"]] });
        var id = await RecoverySteps.ApprovedForCarolAsync(server, "Administrators collect only", [carols.Current]);

        var detail = await refusals.UnchangedAsync(id, () => RecoverySteps.PostAsync(olivia, id, "collect"), HttpStatusCode.Forbidden, "recovery.cannot_collect");
        Assert.Contains("Administrators collect only", detail, StringComparison.Ordinal);
        await refusals.UnchangedAsync(id, () => RecoverySteps.PostAsync(carol, id, "collect"), HttpStatusCode.Forbidden, "recovery.cannot_collect");

        Assert.Equal("Completed", (await RecoverySteps.CollectAsync(refusals.Admin, id)).GetProperty("request").GetProperty("status").GetString());
    }

    [Fact]
    public async Task Collecting_ForADisabledPerson_IsRefused()
    {
        await using var server = await DemoServer.StartAsync();
        using var refusals = await Refusals.OnAsync(server);
        using var olivia = await server.SignInAsync("olivia");
        var carols = await CarolsCertificatesAsync(refusals);
        var pfx = await RecoverySteps.ApprovedForCarolAsync(server, FileStore, [carols.Current]);
        var card = await RecoverySteps.ApprovedForCarolAsync(server, SmartCard, [carols.Expired]);

        // A disabled person receives nothing, however far her request got.
        await DemoChanges.DisableAsync(server, "carol");
        await refusals.UnchangedAsync(pfx, () => RecoverySteps.PostAsync(olivia, pfx, "collect"), HttpStatusCode.Forbidden, "recovery.target_disabled");
        using var transport = TransportKeyPair.Create();
        await refusals.UnchangedAsync(card, () => RecoverySteps.PostCollectionAsync(olivia, card, Convert.ToBase64String(transport.PublicKey)), HttpStatusCode.Forbidden, "recovery.target_disabled");
    }

    // File Store: the collector's password checked against the profile's policy.
    [Fact]
    public async Task ChosenPasswordBreakingThePolicy_IsRefused_AndAValidOneProtectsThePfx()
    {
        await using var server = await DemoServer.StartAsync();
        using var refusals = await Refusals.OnAsync(server);
        using var carol = await server.SignInAsync("carol");
        var carols = await CarolsCertificatesAsync(refusals);
        var id = await RecoverySteps.ApprovedForCarolAsync(server, FileStore, [carols.Current, carols.Expired]);
        var history = RecoverySteps.History(await RecoverySteps.GetAsync(refusals.Admin, id));

        // The demo's policy: 12 to 128 characters with upper case, lower case and a digit.
        string[] broken = ["Short-1a", "all-lower-case-and-7", "ALL-UPPER-CASE-AND-7", "No-Digits-At-All-Here"];
        foreach (var password in broken)
        {
            var detail = await refusals.UnchangedAsync(id, () => RecoverySteps.PostAsync(carol, id, "collect", new { password }), HttpStatusCode.BadRequest, "recovery.password_policy", password);
            Assert.DoesNotContain(password, detail, StringComparison.Ordinal);
        }

        var unchanged = await RecoverySteps.GetAsync(refusals.Admin, id);
        Assert.Equal("AwaitingIssue", unchanged.GetProperty("status").GetString());
        Assert.Equal(history, RecoverySteps.History(unchanged));

        const string chosen = "Correct-Horse-Battery-42";
        using (var response = await RecoverySteps.PostAsync(carol, id, "collect", new { password = chosen }))
        {
            Assert.Equal("no-store", response.Headers.CacheControl?.ToString());
            var collected = await Json.ReadAsync(response, HttpStatusCode.OK);
            Assert.True(!collected.TryGetProperty("password", out var shown) || shown.ValueKind == JsonValueKind.Null, "A password the collector chose is never sent back.");
            Assert.DoesNotContain(chosen, collected.GetRawText(), StringComparison.Ordinal);
            var pfx = collected.GetProperty("pfx").GetBytesFromBase64();

            var recovered = X509CertificateLoader.LoadPkcs12Collection(pfx, chosen);
            try
            {
                var withKeys = recovered.Where(c => c.HasPrivateKey).Select(c => c.SerialNumber.ToLowerInvariant()).Order(StringComparer.Ordinal).ToList();
                var wanted = (await RecoverySteps.ArchivedEncryptionCertificatesAsync(refusals.Admin, await Json.PersonIdAsync(refusals.Admin, "carol"))).Values.Order(StringComparer.Ordinal).ToList();
                Assert.Equal(wanted, withKeys);
            }
            finally
            {
                foreach (var certificate in recovered)
                {
                    certificate.Dispose();
                }
            }

            Assert.ThrowsAny<CryptographicException>(() => X509CertificateLoader.LoadPkcs12Collection(pfx, broken[0]));
        }

        // Keyward never logs a PFX password, refused or accepted.
        var trail = await refusals.AuditDetailsAsync();
        foreach (var password in broken.Append(chosen))
        {
            Assert.DoesNotContain(trail, details => details.Contains(password, StringComparison.Ordinal));
        }
    }

    // System Store requests are collected by their owner, through the collecting client.
    [Fact]
    public async Task SystemStoreRequest_CollectedByAnOperator_IsRefused()
    {
        await using var server = await DemoServer.StartAsync();
        using var refusals = await Refusals.OnAsync(server);
        using var olivia = await server.SignInAsync("olivia");
        using var carol = await server.SignInAsync("carol");
        var carols = await CarolsCertificatesAsync(refusals);
        var id = await RecoverySteps.ApprovedForCarolAsync(server, SystemStore, [carols.Current]);
        using var transport = TransportKeyPair.Create();
        var key = Convert.ToBase64String(transport.PublicKey);

        // Collected by olivia, carol's keys would land in olivia's own certificate store.
        await refusals.UnchangedAsync(id, () => RecoverySteps.PostCollectionAsync(olivia, id, key), HttpStatusCode.Forbidden, "recovery.system_store_owner_only");
        await refusals.UnchangedAsync(id, () => RecoverySteps.PostAsync(olivia, id, "collect"), HttpStatusCode.Forbidden, "recovery.system_store_owner_only");

        using var byOwner = await RecoverySteps.PostCollectionAsync(carol, id, key);
        Assert.Equal("InProgress", (await Json.ReadAsync(byOwner, HttpStatusCode.Created)).GetProperty("request").GetProperty("status").GetString());
    }

    [Fact]
    public async Task CollectingARequestTheWrongWay_IsRefused()
    {
        await using var server = await DemoServer.StartAsync();
        using var refusals = await Refusals.OnAsync(server);
        using var olivia = await server.SignInAsync("olivia");
        using var carol = await server.SignInAsync("carol");
        var carols = await CarolsCertificatesAsync(refusals);
        var pfx = await RecoverySteps.ApprovedForCarolAsync(server, FileStore, [carols.Current]);
        var store = await RecoverySteps.ApprovedForCarolAsync(server, SystemStore, [carols.Expired]);
        var card = await RecoverySteps.ApprovedForCarolAsync(server, SmartCard, [carols.Revoked]);
        using var transport = TransportKeyPair.Create();
        var key = Convert.ToBase64String(transport.PublicKey);

        var detail = await refusals.UnchangedAsync(store, () => RecoverySteps.PostAsync(carol, store, "collect", new { password = "Correct-Horse-Battery-42" }), HttpStatusCode.BadRequest, "recovery.wrong_collection_method", "Correct-Horse-Battery-42");
        Assert.Contains("keyward collect", detail, StringComparison.Ordinal);
        detail = await refusals.UnchangedAsync(pfx, () => RecoverySteps.PostCollectionAsync(carol, pfx, key), HttpStatusCode.BadRequest, "recovery.wrong_collection_method");
        Assert.Contains("/collect", detail, StringComparison.Ordinal);
        await refusals.UnchangedAsync(card, () => RecoverySteps.PostAsync(olivia, card, "collect"), HttpStatusCode.BadRequest, "recovery.wrong_collection_method");
    }

    [Fact]
    public async Task BeginningACollectionWithAnUnusableTransportKey_IsRefused()
    {
        await using var server = await DemoServer.StartAsync();
        using var refusals = await Refusals.OnAsync(server);
        using var carol = await server.SignInAsync("carol");
        var carols = await CarolsCertificatesAsync(refusals);
        var id = await RecoverySteps.ApprovedForCarolAsync(server, SystemStore, [carols.Current]);
        using var small = RSA.Create(1024);
        // EC keys are accepted on P-256 only (docs/security.md#transport-keys).
        using var ec = ECDsa.Create(ECCurve.NamedCurves.nistP384);
        using var good = RSA.Create(3072);

        string?[] unusable =
        [
            "this is not base64!",
            Convert.ToBase64String(small.ExportSubjectPublicKeyInfo()),
            Convert.ToBase64String(ec.ExportSubjectPublicKeyInfo()),
            Convert.ToBase64String([.. good.ExportSubjectPublicKeyInfo(), 0x00]),
            Convert.ToBase64String(RandomNumberGenerator.GetBytes(400)),
            string.Empty,
            null,
        ];
        foreach (var key in unusable)
        {
            await refusals.UnchangedAsync(id, () => RecoverySteps.PostCollectionAsync(carol, id, key), HttpStatusCode.BadRequest, "recovery.transport_key_invalid");
        }

        Assert.Equal("AwaitingIssue", await RecoverySteps.StatusAsync(refusals.Admin, id));
    }

    // The collecting client's protocol: keys wrapped for one collection, which ends once.
    [Fact]
    public async Task CollectingClient_UnwrapsTheKeys_FailsAndRetries_AndEachCollectionEndsOnce()
    {
        await using var server = await DemoServer.StartAsync();
        using var refusals = await Refusals.OnAsync(server);
        using var olivia = await server.SignInAsync("olivia");
        using var carol = await server.SignInAsync("carol");
        var carolId = await Json.PersonIdAsync(refusals.Admin, "carol");
        var carols = await CarolsCertificatesAsync(refusals);
        string[] wanted = [carols.Current, carols.Expired];
        var id = await RecoverySteps.ApprovedForCarolAsync(server, SystemStore, wanted);

        // The documented wire format, read with nothing but .NET: RSA-OAEP-SHA256, then AES key wrap with padding.
        using var rsa = RSA.Create(3072);
        string firstCollection;
        using (var response = await RecoverySteps.PostCollectionAsync(carol, id, Convert.ToBase64String(rsa.ExportSubjectPublicKeyInfo())))
        {
            Assert.Equal("no-store", response.Headers.CacheControl?.ToString());
            var begun = await Json.ReadAsync(response, HttpStatusCode.Created);
            firstCollection = begun.GetProperty("collectionId").GetString()!;
            Assert.Equal("RSA-OAEP-256+AES-KWP", begun.GetProperty("algorithm").GetString());
            Assert.Equal("InProgress", begun.GetProperty("request").GetProperty("status").GetString());
            var keys = begun.GetProperty("keys").EnumerateArray().ToList();
            Assert.Equal(wanted.Order(StringComparer.Ordinal), keys.Select(k => k.GetProperty("certificateId").GetString()!).Order(StringComparer.Ordinal));
            var transportKey = rsa.Decrypt(begun.GetProperty("wrappedTransportKey").GetBytesFromBase64(), RSAEncryptionPadding.OaepSHA256);
            using var aes = Aes.Create();
            aes.Key = transportKey;
            foreach (var key in keys)
            {
                using var certificate = X509CertificateLoader.LoadCertificate(key.GetProperty("certificate").GetBytesFromBase64());
                using var privateKey = RSA.Create();
                privateKey.ImportPkcs8PrivateKey(aes.DecryptKeyWrapPadded(key.GetProperty("wrappedKey").GetBytesFromBase64()), out _);
                Assert.Equal(certificate.PublicKey.ExportSubjectPublicKeyInfo(), privateKey.ExportSubjectPublicKeyInfo());
                Assert.Equal(key.GetProperty("serialNumber").GetString(), certificate.SerialNumber.ToLowerInvariant());
            }
        }

        // The client could not install the keys: the request is collectable again, the failure on record.
        using (var response = await RecoverySteps.PostCollectionStepAsync(carol, id, firstCollection, "fail", new { reason = "The certificate store is locked." }))
        {
            var failed = await Json.ReadAsync(response, HttpStatusCode.OK);
            Assert.Equal("AwaitingIssue", failed.GetProperty("status").GetString());
            var last = failed.GetProperty("history").EnumerateArray().Last();
            Assert.Equal(("CollectionFailed", "The certificate store is locked."), (last.GetProperty("action").GetString(), last.GetProperty("notes").GetString()));
        }

        await refusals.UnchangedAsync(id, () => RecoverySteps.PostCollectionStepAsync(carol, id, firstCollection, "complete"), HttpStatusCode.NotFound, "recovery.collection_not_found");

        // The second attempt, with the collecting client's own key pair.
        using var client = TransportKeyPair.Create();
        string secondCollection;
        using (var response = await RecoverySteps.PostCollectionAsync(carol, id, Convert.ToBase64String(client.PublicKey)))
        {
            var begun = await Json.ReadAsync(response, HttpStatusCode.Created);
            secondCollection = begun.GetProperty("collectionId").GetString()!;
            Assert.NotEqual(firstCollection, secondCollection);
            var keys = begun.GetProperty("keys").EnumerateArray().ToList();
            var package = new WrappedPackage(
                begun.GetProperty("wrappedTransportKey").GetBytesFromBase64(),
                keys.Select(k => new WrappedKey(k.GetProperty("certificateId").GetString()!, k.GetProperty("wrappedKey").GetBytesFromBase64())).ToList());
            foreach (var key in keys)
            {
                using var installed = client.Unwrap(package, key.GetProperty("certificateId").GetString()!, key.GetProperty("certificate").GetBytesFromBase64());
                Assert.True(installed.HasPrivateKey);
            }
        }

        // Only the collector, quoting this collection, ends it.
        await refusals.UnchangedAsync(id, () => RecoverySteps.PostCollectionStepAsync(carol, id, "00000000000000000000000000000000", "complete"), HttpStatusCode.NotFound, "recovery.collection_not_found");
        await refusals.UnchangedAsync(id, () => RecoverySteps.PostCollectionStepAsync(olivia, id, secondCollection, "complete"), HttpStatusCode.NotFound, "recovery.collection_not_found");
        await refusals.UnchangedAsync(id, () => RecoverySteps.PostCollectionStepAsync(olivia, id, secondCollection, "fail", new { reason = "Not mine." }), HttpStatusCode.NotFound, "recovery.collection_not_found");

        using (var response = await RecoverySteps.PostCollectionStepAsync(carol, id, secondCollection, "complete"))
        {
            var completed = await Json.ReadAsync(response, HttpStatusCode.OK);
            Assert.Equal("Completed", completed.GetProperty("status").GetString());
            Assert.Equal(["Requested", "Approved", "CollectionStarted", "Released", "CollectionFailed", "CollectionStarted", "Released", "Completed"], RecoverySteps.History(completed));
        }

        var devices = (await Json.GetAsync(refusals.Admin, $"/api/people/{carolId}/devices")).GetProperty("results").EnumerateArray().Select(d => d.GetProperty("serialNumber").GetString()).ToList();
        Assert.Single(devices, serial => serial == $"STORE-{id}");

        // A collection ends once.
        await refusals.UnchangedAsync(id, () => RecoverySteps.PostCollectionStepAsync(carol, id, secondCollection, "complete"), HttpStatusCode.NotFound, "recovery.collection_not_found");
        await refusals.UnchangedAsync(id, () => RecoverySteps.PostCollectionStepAsync(carol, id, secondCollection, "fail", new { reason = "Late." }), HttpStatusCode.NotFound, "recovery.collection_not_found");
        await refusals.UnchangedAsync(id, () => RecoverySteps.PostCollectionAsync(carol, id, Convert.ToBase64String(client.PublicKey)), HttpStatusCode.Conflict, "recovery.not_collectable");
    }

    private static async Task<CardholderCertificates> CarolsCertificatesAsync(Refusals refusals) =>
        await CardholderCertificates.OfAsync(refusals.Admin, await Json.PersonIdAsync(refusals.Admin, "carol"));
}
