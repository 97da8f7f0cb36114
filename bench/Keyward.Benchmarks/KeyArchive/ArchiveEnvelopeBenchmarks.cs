using System.Security.Cryptography;
using BenchmarkDotNet.Attributes;
using Keyward.Benchmarks.Support;
using Keyward.Crypto.KeyArchive;

namespace Keyward.Benchmarks.KeyArchive;

/// <summary>
/// Archiving and opening one RSA-2048 private key (PKCS#8, about 1.2 KB) with the software key store, against the
/// raw primitives of the same work in the same run. Target: the envelope at no less than 80 % of the raw rate
/// (Ratio at most 1.25).
/// </summary>
[Config(typeof(KeywardBenchmarkConfig))]
public class ArchiveEnvelopeBenchmarks
{
    private const string CertificateId = "0197a3c4-5b6d-7e8f-9a0b-1c2d3e4f5a6b";

    private TemporaryKeyStore _store = null!;
    private RawPrimitives _raw = null!;
    private byte[] _pkcs8 = null!;
    private CertificateBinding _binding = null!;
    private byte[] _envelope = null!;
    private byte[] _rawSealed = null!;

    [GlobalSetup]
    public void Setup()
    {
        _store = new TemporaryKeyStore();
        using (var rsa = RSA.Create(2048))
        {
            _pkcs8 = rsa.ExportPkcs8PrivateKey();
        }

        var sha256 = Convert.ToHexStringLower(SHA256.HashData(_pkcs8));
        _binding = new CertificateBinding(CertificateId, sha256);
        _raw = new RawPrimitives(CertificateId, sha256);
        _envelope = ArchiveEnvelope.Seal(_store.Store, _pkcs8, _binding).Envelope;
        _rawSealed = _raw.Seal(_pkcs8);
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _raw.Dispose();
        _store.Dispose();
    }

    [Benchmark(Baseline = true)]
    [BenchmarkCategory("Seal")]
    public byte[] RawSeal() => _raw.Seal(_pkcs8);

    [Benchmark]
    [BenchmarkCategory("Seal")]
    public byte[] Seal() => ArchiveEnvelope.Seal(_store.Store, _pkcs8, _binding).Envelope;

    [Benchmark(Baseline = true)]
    [BenchmarkCategory("Open")]
    public byte[] RawOpen() => _raw.Open(_rawSealed);

    [Benchmark]
    [BenchmarkCategory("Open")]
    public byte[] Open() => ArchiveEnvelope.Open(_store.Store, _envelope, _binding);
}
