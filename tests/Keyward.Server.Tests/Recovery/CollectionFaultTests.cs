using System.Net;
using Keyward.Audit;
using Keyward.Common;
using Keyward.Profiles;
using Keyward.Recovery;
using Keyward.Server.KeyArchive;
using Keyward.Server.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace Keyward.Server.Tests.Recovery;

/// <summary>
/// Hardening finding 3: a collection fails closed. A fault at any step after the request was taken — an exception the
/// code did not expect, not a refusal — runs the failure path: the answer is a problem with a code, the request is
/// AwaitingIssue again with the failure in its history and the audit trail, no key left, and it collects once the fault
/// is gone. Before, an ArgumentException or InvalidOperationException left it InProgress and answered 500.
/// </summary>
public sealed class CollectionFaultTests
{
    private const string FileStore = "Key Recovery - Soft Certificate";

    public static TheoryData<string, string> FileStoreSteps => new()
    {
        { nameof(IKeyRecovery.GeneratePassword), nameof(InvalidOperationException) },
        { nameof(IKeyRecovery.BuildPfx), nameof(ArgumentException) },
        { nameof(IKeyRecovery.BuildPfx), nameof(InvalidOperationException) },
    };

    public static TheoryData<string, string> ClientSteps => new()
    {
        { nameof(IKeyRecovery.WrapForTransport), nameof(ArgumentException) },
        { nameof(IKeyRecovery.WrapForTransport), nameof(InvalidOperationException) },
        { nameof(IKeyRecovery.Chain), nameof(InvalidOperationException) },
    };

    [Theory]
    [MemberData(nameof(FileStoreSteps))]
    public async Task Collect_FaultAfterTheClaim_FailsClosedAndCollectsAfterwards(string step, string exception)
    {
        var faults = new Faults();
        await using var server = await DemoServer.StartAsync(configureBuilder: b => b.Services.AddSingleton<IKeyRecovery>(sp => new FaultyKeyRecovery(ActivatorUtilities.CreateInstance<KeyRecoveryAdapter>(sp), faults)));
        using var carol = await server.SignInAsync("carol");
        using var olivia = await server.SignInAsync("olivia");
        var certificates = await CardholderCertificates.OfAsync(olivia, await Json.PersonIdAsync(olivia, "carol"));
        var id = await RecoverySteps.ApprovedForCarolAsync(server, FileStore, [certificates.Current]);

        faults.Arm(step, exception);
        using (var faulted = await RecoverySteps.PostAsync(carol, id, "collect"))
        {
            await Json.ProblemAsync(faulted, HttpStatusCode.InternalServerError, "recovery.collection_failed");
        }

        await AssertFailedClosedAsync(server, carol, id, releases: 0);
        faults.Disarm();
        Assert.Equal("Completed", (await RecoverySteps.CollectAsync(carol, id)).GetProperty("request").GetProperty("status").GetString());
    }

    [Theory]
    [MemberData(nameof(ClientSteps))]
    public async Task BeginCollection_FaultAfterTheClaim_FailsClosedAndCollectsAfterwards(string step, string exception)
    {
        var faults = new Faults();
        await using var server = await DemoServer.StartAsync(configureBuilder: b => b.Services.AddSingleton<IKeyRecovery>(sp => new FaultyKeyRecovery(ActivatorUtilities.CreateInstance<KeyRecoveryAdapter>(sp), faults)));
        using var carol = await server.SignInAsync("carol");
        var (id, _) = await ReleaseTests.ApprovedSystemStoreRequestAsync(server);

        faults.Arm(step, exception);
        using (var transport = Keyward.Crypto.Recovery.TransportKeyPair.Create())
        using (var faulted = await RecoverySteps.PostCollectionAsync(carol, id, Convert.ToBase64String(transport.PublicKey)))
        {
            await Json.ProblemAsync(faulted, HttpStatusCode.InternalServerError, "recovery.collection_failed");
        }

        // The chain is read after the release was recorded: the release stands, and the failure says so.
        await AssertFailedClosedAsync(server, carol, id, releases: step == nameof(IKeyRecovery.Chain) ? 1 : 0);
        faults.Disarm();
        await ReleaseTests.BeginAsync(carol, id);
    }

    private static async Task AssertFailedClosedAsync(DemoServer server, HttpClient carol, string id, int releases)
    {
        var request = await RecoverySteps.GetAsync(carol, id);
        Assert.Equal("AwaitingIssue", request.GetProperty("status").GetString());
        Assert.Equal("CollectionFailed", RecoverySteps.History(request)[^1]);
        Assert.Equal(releases, (await ReleaseTests.AuditAsync(server, id, RecoveryWorkflow.ReleaseAction)).Count);
        var failure = Assert.Single(await ReleaseTests.AuditAsync(server, id, "recovery.collect"), e => e.Outcome == AuditOutcome.Failed);
        Assert.Equal("recovery.collection_failed", failure.Code);
        Assert.Contains(releases == 0 ? "before any key was released" : "after its keys were released", failure.Details, StringComparison.Ordinal);
    }

    /// <summary>Which step throws which exception, switched on and off by the test.</summary>
    private sealed class Faults
    {
        private volatile string? _step;
        private volatile string? _exception;

        public void Arm(string step, string exception)
        {
            _exception = exception;
            _step = step;
        }

        public void Disarm() => _step = null;

        public void At(string step)
        {
            if (_step == step)
            {
                throw _exception == nameof(ArgumentException)
                    ? new ArgumentException($"Injected fault at {step}.")
                    : new InvalidOperationException($"Injected fault at {step}.");
            }
        }
    }

    /// <summary>The real key recovery with a fault injected at one step.</summary>
    private sealed class FaultyKeyRecovery(IKeyRecovery inner, Faults faults) : IKeyRecovery
    {
        public IReadOnlyList<byte[]> Chain
        {
            get
            {
                faults.At(nameof(Chain));
                return inner.Chain;
            }
        }

        public Result<byte[]> BuildPfx(IReadOnlyList<KeyToRecover> keys, string password, PfxProtection protection, bool passwordHasFullEntropy)
        {
            faults.At(nameof(BuildPfx));
            return inner.BuildPfx(keys, password, protection, passwordHasFullEntropy);
        }

        public Result<TransportPackage> WrapForTransport(IReadOnlyList<KeyToRecover> keys, byte[] transportPublicKey, TransportHash hash, TransportKdf kdf)
        {
            faults.At(nameof(WrapForTransport));
            return inner.WrapForTransport(keys, transportPublicKey, hash, kdf);
        }

        public Error? CheckTransportKey(byte[] transportPublicKey) => inner.CheckTransportKey(transportPublicKey);

        public GeneratedPassword GeneratePassword(SecretPolicy policy)
        {
            faults.At(nameof(GeneratePassword));
            return inner.GeneratePassword(policy);
        }
    }
}
