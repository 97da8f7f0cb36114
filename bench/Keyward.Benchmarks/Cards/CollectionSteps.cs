using System.Diagnostics;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using Keyward.Cards;
using Keyward.Cli.Client;
using static Keyward.Cli.Client.Lookups;

namespace Keyward.Benchmarks.Cards;

/// <summary>
/// Where a card collection's time goes: the steps of <c>CardCollector.CollectAsync</c> for a new card, made in the same
/// order with the same calls (the Core API through the CLI's <see cref="KeywardClient"/>, the token through
/// Keyward.Cards), each under its own stopwatch. The product code is not instrumented; this replica is checked
/// against it by comparing its total with the timed collection of the same round.
/// </summary>
internal static class CollectionSteps
{
    /// <summary>The segments, in the order they happen.</summary>
    public static readonly string[] Names =
    [
        "GET request",
        "module load, token open, login, contents",
        "transport key pair on the token (EC P-256 + ECDH self-test)",
        "POST collections (server opens and wraps)",
        "derive KEK, open transport AES key + unwrap and write keys",
        "POST complete",
        "close session, finalise module",
    ];

    /// <summary>
    /// Collects <paramref name="requestId"/> onto the token labelled <paramref name="tokenLabel"/>; milliseconds per
    /// segment, of the clock and of the server's CPU (read from <paramref name="serverCpu"/> at each segment's ends).
    /// </summary>
    public static async Task<(double[] Wall, double[] ServerCpu)> RunAsync(KeywardClient api, string requestId, string tokenLabel, Func<TimeSpan> serverCpu, CancellationToken cancellationToken)
    {
        var times = new double[Names.Length];
        var cpu = new double[Names.Length];
        var cpuAt = serverCpu();
        var clock = Stopwatch.StartNew();
        void Lap(int segment)
        {
            times[segment] = clock.Elapsed.TotalMilliseconds;
            var now = serverCpu();
            cpu[segment] = (now - cpuAt).TotalMilliseconds;
            cpuAt = now;
            clock.Restart();
        }

        var path = $"/api/requests/{Uri.EscapeDataString(requestId)}";
        var request = await api.GetAsync(path, cancellationToken).ConfigureAwait(false);
        // The request answer names each certificate by its thumbprint: no certificate is fetched.
        var wanted = Items(request, "certificates").Select(item => Text(item, "thumbprint")!).ToList();

        Lap(0);
        var module = CardModule.Load(SoftHsm.Module);
        var card = module.Open(tokenLabel);
        card.Login(SoftHsm.UserPin);
        var contents = card.Contents();
        _ = CardInventory.Compare(contents, wanted, []);
        Lap(1);
        var transport = card.CreateTransportKey(TransportKeyMode.Auto);
        if (!transport.OnToken || !transport.IsEc)
        {
            throw new InvalidOperationException("The transport key was not an EC key made on the token, which the token should have made.");
        }

        Lap(2);
        var token = card.Description;
        var begun = await api.PostAsync($"{path}/collections", new
        {
            transportKey = Convert.ToBase64String(transport.PublicKeySpki),
            transportKeyHash = transport.OaepHash,
            transportKeyKdf = transport.Kdf,
            token = new { serialNumber = token.Serial, label = token.Label, manufacturer = token.Manufacturer, model = token.Model, transportKeyOnToken = transport.OnToken },
        },
        cancellationToken).ConfigureAwait(false);
        var collectionPath = $"{path}/collections/{Uri.EscapeDataString(Text(begun, "collectionId")!)}";
        Lap(3);
        var keys = Items(begun, "keys").Select(k =>
        {
            var der = k.GetProperty("certificate").GetBytesFromBase64();
            return new KeyToWrite(k.GetProperty("wrappedKey").GetBytesFromBase64(), der, Label(der));
        }).ToList();
        if (Text(begun, "algorithm") != transport.Algorithm)
        {
            throw new InvalidOperationException($"The keys are wrapped with {Text(begun, "algorithm")}, not {transport.Algorithm}.");
        }

        var ephemeral = begun.GetProperty("ephemeralPublicKey").GetBytesFromBase64();
        using (var opened = transport.Open(begun.GetProperty("wrappedTransportKey").GetBytesFromBase64(), ephemeral))
        {
            var written = card.Write(opened, keys);
            if (written.Count != keys.Count || written.Any(w => w.Outcome != WriteOutcome.Written))
            {
                throw new InvalidOperationException("Not every key was written.");
            }
        }

        Lap(4);
        var completed = await api.PostAsync($"{collectionPath}/complete", new { serialNumber = token.Serial, removedCertificateIds = Array.Empty<string>() }, cancellationToken).ConfigureAwait(false);
        if (Text(completed, "status") != "Completed")
        {
            throw new InvalidOperationException($"The collection ended {Text(completed, "status")}.");
        }

        Lap(5);
        transport.Dispose();
        card.Dispose();
        module.Dispose();
        Lap(6);
        return (times, cpu);
    }

    /// <summary>The label CardCollector gives a recovered key (docs/cards.md).</summary>
    private static string Label(byte[] der)
    {
        using var certificate = X509CertificateLoader.LoadCertificate(der);
        var name = certificate.GetNameInfo(X509NameType.SimpleName, forIssuer: false);
        return $"{(string.IsNullOrEmpty(name) ? "Recovered" : name)} encryption {certificate.NotBefore.ToUniversalTime():yyyy-MM-dd}";
    }
}
