using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Jobs;
using Keyward.Benchmarks.Support;
using Keyward.Crypto.Authority;
using Keyward.Crypto.Keys;

namespace Keyward.Benchmarks.Authority;

/// <summary>
/// Server-side issuance of an RSA-2048 certificate whose key is archived
/// (<see cref="CertificateAuthority.IssueWithArchivedKey"/>): with every key generated on demand, and with a key
/// taken from a full <see cref="KeyPairSource"/> pool. Yardstick: raw RSA-2048 generation in the same run.
/// </summary>
/// <remarks>
/// Each measured iteration runs <see cref="IssuanceConfig.InvocationsPerIteration"/> operations. Before each
/// iteration of the pool benchmarks the pool is refilled until it holds <see cref="PoolSize"/> keys, so every
/// operation is served from the pool; the background filler starts again after the first take and competes for
/// the second core, as it would in the server. The pool lowers the latency of one issuance; it does not raise
/// how many keys per second the machine can generate.
/// </remarks>
[Config(typeof(IssuanceConfig))]
public class IssuanceBenchmarks
{
    public const int PoolSize = IssuanceConfig.InvocationsPerIteration;

    private TemporaryKeyStore _store = null!;
    private X509Certificate2 _caCertificate = null!;
    private CertificateAuthority _authority = null!;
    private LeafRequest _leaf = null!;
    private KeyPairSource _onDemand = null!;
    private KeyPairSource? _pool;

    [GlobalSetup]
    public void Setup()
    {
        _store = new TemporaryKeyStore();
        _caCertificate = CertificateAuthority.CreateCaCertificate(_store.Store, "Bench CA", DateTime.UtcNow.AddDays(-1), TimeSpan.FromDays(3650));
        _authority = new CertificateAuthority(_store.Store, _caCertificate, null);
        var now = DateTime.UtcNow;
        _leaf = new LeafRequest("0197a3c4-5b6d-7e8f-9a0b-1c2d3e4f5a6b", "Bench Person", "bench.person@example.org", LeafKeyAlgorithm.Rsa2048, LeafUsage.Encryption, now.AddMinutes(-5), now.AddDays(365));
        _onDemand = new KeyPairSource(0);
    }

    // The pool exists only while its own benchmarks run: its filler thread would otherwise take a core from the others.
    [GlobalSetup(Targets = [nameof(IssueFromWarmPool), nameof(TakeFromWarmPool)])]
    public void SetupWithPool()
    {
        Setup();
        _pool = new KeyPairSource(PoolSize);
    }

    [IterationSetup(Targets = [nameof(IssueFromWarmPool), nameof(TakeFromWarmPool)])]
    public void WaitForFullPool()
    {
        var deadline = DateTime.UtcNow.AddMinutes(2);
        while (_pool!.Ready < PoolSize)
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"The key pool did not refill to {PoolSize} keys.");
            }

            Thread.Sleep(5);
        }
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _pool?.Dispose();
        _onDemand.Dispose();
        _caCertificate.Dispose();
        _store.Dispose();
    }

    /// <summary>Raw RSA-2048 generation; exporting the public key forces the lazy generation to happen now.</summary>
    [Benchmark(Baseline = true)]
    [BenchmarkCategory("Issue RSA-2048")]
    public byte[] RawGenerateRsa2048()
    {
        using var rsa = RSA.Create(2048);
        return rsa.ExportSubjectPublicKeyInfo();
    }

    [Benchmark]
    [BenchmarkCategory("Issue RSA-2048")]
    public IssuedLeaf IssueOnDemand() => _authority.IssueWithArchivedKey(_leaf, _onDemand);

    [Benchmark]
    [BenchmarkCategory("Issue RSA-2048")]
    public IssuedLeaf IssueFromWarmPool() => _authority.IssueWithArchivedKey(_leaf, _pool!);

    /// <summary>The key source alone: what a request waits for when the pool has a key ready.</summary>
    [Benchmark]
    [BenchmarkCategory("Issue RSA-2048")]
    public PublicKey TakeFromWarmPool()
    {
        using var key = _pool!.Take(LeafKeyAlgorithm.Rsa2048);
        return key.PublicKey();
    }
}

/// <summary>
/// RSA generation takes tens to hundreds of milliseconds and varies with the primes found, and a pool iteration
/// may not take more keys than the pool holds: a fixed number of operations per iteration, no unrolling.
/// </summary>
public sealed class IssuanceConfig : KeywardBenchmarkConfig
{
    public const int InvocationsPerIteration = 8;

    public IssuanceConfig()
        : base(Job.Default.WithWarmupCount(2).WithIterationCount(12).WithInvocationCount(InvocationsPerIteration).WithUnrollFactor(1))
    {
    }
}
