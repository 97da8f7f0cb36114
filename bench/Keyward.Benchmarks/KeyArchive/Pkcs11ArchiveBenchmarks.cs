using System.Diagnostics;
using System.Security.Cryptography;
using BenchmarkDotNet.Attributes;
using Keyward.Benchmarks.Support;
using Keyward.Crypto.KeyArchive;
using Keyward.Tokens.Protection;

namespace Keyward.Benchmarks.KeyArchive;

/// <summary>
/// Archiving and opening one RSA-2048 private key with the PKCS#11 protector on a SoftHSM2 token, against the HSM's
/// own wrap and unwrap of a data key in the same run. Target: the envelope at no less than 80 % of the HSM's rate.
/// Needs <c>SOFTHSM2_CONF</c> set before the run (see docs/performance.md); makes its own token.
/// </summary>
[Config(typeof(KeywardBenchmarkConfig))]
public class Pkcs11ArchiveBenchmarks
{
    private const string Module = "/usr/lib/softhsm/libsofthsm2.so";
    private const string Pin = "bench-user-pin";

    private Pkcs11KeyProtector _protector = null!;
    private byte[] _pkcs8 = null!;
    private byte[] _dataKey = null!;
    private byte[] _wrapped = null!;
    private string _storageKeyId = null!;
    private byte[] _envelope = null!;
    private CertificateBinding _binding = null!;

    [GlobalSetup]
    public void Setup()
    {
        if (string.IsNullOrEmpty(Environment.GetEnvironmentVariable("SOFTHSM2_CONF")))
        {
            throw new InvalidOperationException("Set SOFTHSM2_CONF to a softhsm2.conf with a writable tokendir before running the PKCS#11 benchmarks.");
        }

        var label = "bench-" + Guid.NewGuid().ToString("N")[..8];
        using (var init = Process.Start("softhsm2-util", ["--init-token", "--free", "--label", label, "--so-pin", "bench-so-pin", "--pin", Pin])!)
        {
            init.WaitForExit();
            if (init.ExitCode != 0)
            {
                throw new InvalidOperationException("softhsm2-util --init-token failed.");
            }
        }

        _protector = Pkcs11KeyProtector.Open(new Pkcs11KeyProtectorOptions { ModulePath = Module, TokenLabel = label, UserPin = Pin });
        if (_protector.StorageKeyIds.Count == 0)
        {
            _protector.CreateStorageKey();
        }

        using (var rsa = RSA.Create(2048))
        {
            _pkcs8 = rsa.ExportPkcs8PrivateKey();
        }

        _binding = new CertificateBinding("0197a3c4-5b6d-7e8f-9a0b-1c2d3e4f5a6b", Convert.ToHexStringLower(SHA256.HashData(_pkcs8)));
        _dataKey = RandomNumberGenerator.GetBytes(32);
        _wrapped = _protector.WrapDataKey(_dataKey, out _storageKeyId);
        _envelope = ArchiveEnvelope.Seal(_protector, _pkcs8, _binding).Envelope;
    }

    [GlobalCleanup]
    public void Cleanup() => _protector.Dispose();

    [Benchmark(Baseline = true)]
    [BenchmarkCategory("Seal")]
    public byte[] HsmWrap() => _protector.WrapDataKey(_dataKey, out _);

    [Benchmark]
    [BenchmarkCategory("Seal")]
    public byte[] Seal() => ArchiveEnvelope.Seal(_protector, _pkcs8, _binding).Envelope;

    [Benchmark(Baseline = true)]
    [BenchmarkCategory("Open")]
    public byte[] HsmUnwrap() => _protector.UnwrapDataKey(_storageKeyId, _wrapped);

    [Benchmark]
    [BenchmarkCategory("Open")]
    public byte[] Open() => ArchiveEnvelope.Open(_protector, _envelope, _binding);
}
