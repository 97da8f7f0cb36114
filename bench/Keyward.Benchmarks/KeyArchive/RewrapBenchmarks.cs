using System.Security.Cryptography;
using BenchmarkDotNet.Attributes;
using Keyward.Benchmarks.Support;
using Keyward.Crypto.KeyArchive;

namespace Keyward.Benchmarks.KeyArchive;

/// <summary>
/// Storage-key rotation, per envelope: <see cref="ArchiveEnvelope.Rewrap"/> from the old storage key to the new
/// active one, against the raw AES-KWP unwrap and wrap of one data key.
/// </summary>
[Config(typeof(KeywardBenchmarkConfig))]
public class RewrapBenchmarks
{
    private TemporaryKeyStore _store = null!;
    private RawPrimitives _raw = null!;
    private byte[] _envelope = null!;
    private byte[] _rawWrappedKey = null!;

    [GlobalSetup]
    public void Setup()
    {
        _store = new TemporaryKeyStore();
        byte[] pkcs8;
        using (var rsa = RSA.Create(2048))
        {
            pkcs8 = rsa.ExportPkcs8PrivateKey();
        }

        var sha256 = Convert.ToHexStringLower(SHA256.HashData(pkcs8));
        _raw = new RawPrimitives("rewrap", sha256);
        _envelope = ArchiveEnvelope.Seal(_store.Store, pkcs8, new CertificateBinding("rewrap", sha256)).Envelope;
        _rawWrappedKey = _raw.Seal(pkcs8).AsSpan(0, RawPrimitives.WrappedKeySize).ToArray();

        // Rotate once: every Rewrap below moves the envelope from the first storage key to this one.
        _store.Store.CreateStorageKey();
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _raw.Dispose();
        _store.Dispose();
    }

    [Benchmark(Baseline = true)]
    [BenchmarkCategory("Rewrap")]
    public byte[] RawRewrap() => _raw.Rewrap(_rawWrappedKey);

    [Benchmark]
    [BenchmarkCategory("Rewrap")]
    public byte[] Rewrap() => ArchiveEnvelope.Rewrap(_store.Store, _envelope).Envelope;
}
