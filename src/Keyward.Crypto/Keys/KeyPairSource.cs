using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Keyward.Crypto.Authority;

namespace Keyward.Crypto.Keys;

/// <summary>A fresh key pair, handed out once. Dispose it when done: it clears the private key.</summary>
public sealed class FreshKeyPair : IDisposable
{
    private readonly AsymmetricAlgorithm _key;

    internal FreshKeyPair(AsymmetricAlgorithm key) => _key = key;

    public PublicKey PublicKey() => _key switch
    {
        RSA rsa => new PublicKey(rsa),
        ECDsa ec => new PublicKey(ec),
        _ => throw new InvalidOperationException("Unknown key type."),
    };

    /// <summary>The private key as PKCS#8. The caller zeroes the returned bytes.</summary>
    public byte[] ExportPkcs8() => _key.ExportPkcs8PrivateKey();

    public void Dispose() => _key.Dispose();
}

/// <summary>
/// Makes key pairs for server-side generation. RSA generation is slow (a few keys per second per core for
/// RSA-2048, seconds for RSA-4096), so the source can keep a small pool of keys made ahead on a background
/// thread; <see cref="Take"/> then returns at once. A pooled key is handed out exactly once.
/// </summary>
/// <remarks>Pooled keys live only in this process's memory and are disposed with the source.</remarks>
public sealed class KeyPairSource : IDisposable
{
    private readonly int _poolSize;
    private readonly ConcurrentQueue<RSA> _rsa2048 = new();
    private readonly CancellationTokenSource _stop = new();
    private readonly SemaphoreSlim _refill = new(0);
    private readonly Task? _filler;
    private int _disposed;

    /// <param name="poolSize">How many RSA-2048 keys to keep ready; 0 generates every key on demand.</param>
    public KeyPairSource(int poolSize)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(poolSize);
        _poolSize = poolSize;
        if (poolSize > 0)
        {
            _filler = Task.Run(FillAsync);
            _refill.Release();
        }
    }

    /// <summary>How many pre-generated keys are ready now.</summary>
    public int Ready => _rsa2048.Count;

    public FreshKeyPair Take(LeafKeyAlgorithm algorithm)
    {
        if (algorithm == LeafKeyAlgorithm.Rsa2048 && _rsa2048.TryDequeue(out var pooled))
        {
            _refill.Release();
            return new FreshKeyPair(pooled);
        }

        return new FreshKeyPair(Generate(algorithm));
    }

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
        {
            return;
        }

        _stop.Cancel();
        _refill.Release();
        try
        {
            _filler?.Wait(TimeSpan.FromSeconds(5));
        }
        catch (AggregateException)
        {
            // The filler ends by cancellation.
        }

        while (_rsa2048.TryDequeue(out var key))
        {
            key.Dispose();
        }

        _stop.Dispose();
        _refill.Dispose();
    }

    private static AsymmetricAlgorithm Generate(LeafKeyAlgorithm algorithm) => algorithm switch
    {
        LeafKeyAlgorithm.Rsa2048 => RSA.Create(2048),
        LeafKeyAlgorithm.Rsa3072 => RSA.Create(3072),
        LeafKeyAlgorithm.Rsa4096 => RSA.Create(4096),
        LeafKeyAlgorithm.EcP256 => ECDsa.Create(ECCurve.NamedCurves.nistP256),
        LeafKeyAlgorithm.EcP384 => ECDsa.Create(ECCurve.NamedCurves.nistP384),
        _ => throw new ArgumentOutOfRangeException(nameof(algorithm), algorithm, "Unknown key algorithm."),
    };

    private async Task FillAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            await _refill.WaitAsync(_stop.Token).ConfigureAwait(false);
            while (_rsa2048.Count < _poolSize && !_stop.IsCancellationRequested)
            {
                var key = RSA.Create(2048);

                // RSA.Create(size) defers generation to first use; export the public part to make it now.
                _ = key.ExportSubjectPublicKeyInfo();
                _rsa2048.Enqueue(key);
            }
        }
    }
}
