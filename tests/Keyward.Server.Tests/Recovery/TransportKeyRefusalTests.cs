using System.Formats.Asn1;
using System.Net;
using System.Numerics;
using System.Security.Cryptography;
using Keyward.Common;
using Keyward.Crypto.Recovery;
using Keyward.Recovery;
using Keyward.Server.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace Keyward.Server.Tests.Recovery;

/// <summary>
/// Finding 4 of the hardening review, through <c>POST /api/requests/{id}/collections</c>: a transport key someone
/// else could factor, or one encryption cannot use, is the client's error — 400 <c>recovery.transport_key_invalid</c>
/// naming the failed check — before the request is taken, so the request stays AwaitingIssue with its history
/// untouched and no key leaves the server.
/// </summary>
public sealed class TransportKeyRefusalTests
{
    private const string SystemStore = "Key Recovery - System Store";

    /// <summary>2^2203 − 1, a Mersenne prime: a modulus-sized odd number with no small factor.</summary>
    private static readonly BigInteger Prime2203 = BigInteger.Pow(2, 2203) - 1;

    [Fact]
    public async Task BeginCollection_HostileTransportKey_RefusedBeforeTheRequestIsTaken()
    {
        await using var server = await DemoServer.StartAsync();
        using var refusals = await Refusals.OnAsync(server);
        using var carol = await server.SignInAsync("carol");
        var carols = await CardholderCertificates.OfAsync(refusals.Admin, await Json.PersonIdAsync(refusals.Admin, "carol"));
        var id = await RecoverySteps.ApprovedForCarolAsync(server, SystemStore, [carols.Current]);
        using var rsa2048 = RSA.Create(2048);
        using var p256 = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        using var p384 = ECDsa.Create(ECCurve.NamedCurves.nistP384);
        var spki2048 = rsa2048.ExportSubjectPublicKeyInfo();
        var spkiP256 = p256.ExportSubjectPublicKeyInfo();
        var offCurve = spkiP256.ToArray();
        offCurve[^1] ^= 0x01;
        var q = p256.ExportParameters(false).Q;

        (byte[] Key, string Check)[] hostile =
        [
            (Spki(2 * Prime2203, 65_537), "even modulus"),
            (Spki(65_537 * Prime2203, 65_537), "small prime factor 65537"),
            (Spki(9_973 * Prime2203, 65_537), "small prime factor 9973"),
            (Spki(Prime2203, 3), "public exponent 3 is below 65537"),
            (Spki(Prime2203, 65_538), "public exponent 65538 is even"),
            ([.. spki2048, 0x00], "1 byte(s) after its SubjectPublicKeyInfo"),
            (LongFormAlgorithmLength(spki2048), "not canonical DER"),
            (p384.ExportSubjectPublicKeyInfo(), "only the named curve P-256"),
            (offCurve, "point is not on the curve P-256"),
            (EcSpkiWithPoint([(byte)(0x02 | (q.Y![^1] & 1)), .. q.X!]), "compressed point"),
            ([.. spkiP256, 0x00], "1 byte(s) after its SubjectPublicKeyInfo"),
        ];
        foreach (var (key, check) in hostile)
        {
            var detail = await refusals.UnchangedAsync(id, () => RecoverySteps.PostCollectionAsync(carol, id, Convert.ToBase64String(key)), HttpStatusCode.BadRequest, "recovery.transport_key_invalid");
            Assert.Contains(check, detail, StringComparison.Ordinal);
        }

        // Keys are wrapped only for a request taken (CollectionStarted): none was.
        var request = await RecoverySteps.GetAsync(refusals.Admin, id);
        Assert.Equal("AwaitingIssue", request.GetProperty("status").GetString());
        Assert.Equal(["Requested", "Approved"], RecoverySteps.History(request));

        // Still collectable, by a key the server accepts.
        using var transport = TransportKeyPair.Create();
        using var begun = await RecoverySteps.PostCollectionAsync(carol, id, Convert.ToBase64String(transport.PublicKey));
        Assert.Equal(HttpStatusCode.Created, begun.StatusCode);
    }

    [Fact]
    public async Task WrapForTransport_KeyThatCannotBeEncryptedTo_IsTheClientsErrorNotAnArchiveFailure()
    {
        // The core checks the key before taking the request; the port must answer the same even when asked directly,
        // so a key that fails at encryption can never be recorded as a damaged archive (it used to answer 500).
        await using var server = await DemoServer.StartAsync();
        var recovery = server.App.Services.GetRequiredService<IKeyRecovery>();
        var key = await ArchivedKeyAsync(server, "carol");

        var wrapped = recovery.WrapForTransport([key], Spki(2 * Prime2203, 65_537), TransportHash.Sha256, TransportKdf.X963Sha256);

        Assert.False(wrapped.IsSuccess);
        Assert.Equal("recovery.transport_key_invalid", wrapped.Error.Code);
        Assert.Equal(ErrorKind.Validation, wrapped.Error.Kind);
        Assert.Contains("even modulus", wrapped.Error.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task CheckTransportKey_RealRsaKeys_Accepted()
    {
        await using var server = await DemoServer.StartAsync();
        var recovery = server.App.Services.GetRequiredService<IKeyRecovery>();
        using var rsa2048 = RSA.Create(2048);
        using var rsa3072 = RSA.Create(3072);

        Assert.Null(recovery.CheckTransportKey(rsa2048.ExportSubjectPublicKeyInfo()));
        Assert.Null(recovery.CheckTransportKey(rsa3072.ExportSubjectPublicKeyInfo()));
        Assert.Contains("even modulus", recovery.CheckTransportKey(Spki(2 * Prime2203, 65_537))?.Detail, StringComparison.Ordinal);
    }

    private static byte[] Spki(BigInteger modulus, BigInteger exponent)
    {
        var numbers = new AsnWriter(AsnEncodingRules.DER);
        using (numbers.PushSequence())
        {
            numbers.WriteInteger(modulus);
            numbers.WriteInteger(exponent);
        }

        var writer = new AsnWriter(AsnEncodingRules.DER);
        using (writer.PushSequence())
        {
            using (writer.PushSequence())
            {
                writer.WriteObjectIdentifier("1.2.840.113549.1.1.1");
                writer.WriteNull();
            }

            writer.WriteBitString(numbers.Encode());
        }

        return writer.Encode();
    }

    /// <summary>The key with its AlgorithmIdentifier's length in the long form (<c>30 81 0D</c>): BER, not DER.</summary>
    /// <summary>An id-ecPublicKey P-256 SubjectPublicKeyInfo around any point bytes.</summary>
    private static byte[] EcSpkiWithPoint(byte[] point)
    {
        var writer = new AsnWriter(AsnEncodingRules.DER);
        using (writer.PushSequence())
        {
            using (writer.PushSequence())
            {
                writer.WriteObjectIdentifier("1.2.840.10045.2.1");
                writer.WriteObjectIdentifier("1.2.840.10045.3.1.7");
            }

            writer.WriteBitString(point);
        }

        return writer.Encode();
    }

    private static byte[] LongFormAlgorithmLength(byte[] spki)
    {
        Assert.Equal([0x30, 0x82, 0x30, 0x0D], [spki[0], spki[1], spki[4], spki[5]]);
        byte[] content = [0x30, 0x81, 0x0D, .. spki[6..]];
        return [0x30, 0x82, (byte)(content.Length >> 8), (byte)content.Length, .. content];
    }

    private static async Task<KeyToRecover> ArchivedKeyAsync(DemoServer server, string logonName)
    {
        await using var scope = server.App.Services.CreateAsyncScope();
        var store = scope.ServiceProvider.GetRequiredService<IKeywardStore>();
        var owner = await store.FirstOrDefaultAsync(store.People.Where(p => p.LogonName == logonName), CancellationToken.None);
        var certificate = await store.FirstOrDefaultAsync(store.Certificates.Where(c => c.OwnerId == owner!.Id && c.ArchivedKeyId != null), CancellationToken.None);
        var archived = await store.FirstOrDefaultAsync(store.ArchivedKeys.Where(k => k.Id == certificate!.ArchivedKeyId), CancellationToken.None);
        return new KeyToRecover(certificate!.Id, certificate.RawData, archived!.Envelope);
    }
}
