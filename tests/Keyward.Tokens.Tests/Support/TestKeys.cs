using System.Collections.Concurrent;
using System.Security.Cryptography;

namespace Keyward.Tokens.Tests.Support;

/// <summary>Private keys to archive, as PKCS#8, generated once per test run (RSA-4096 takes seconds).</summary>
public static class TestKeys
{
    private static readonly ConcurrentDictionary<string, Lazy<byte[]>> Keys = new(StringComparer.Ordinal);

    public static TheoryData<string> Kinds => new("rsa-2048", "rsa-3072", "rsa-4096", "ecdsa-p256", "ecdsa-p384");

    /// <summary>A copy of the key's PKCS#8 encoding (callers may zero it).</summary>
    public static byte[] Pkcs8(string kind) => Keys.GetOrAdd(kind, k => new Lazy<byte[]>(() => Generate(k))).Value.ToArray();

    private static byte[] Generate(string kind)
    {
        using AsymmetricAlgorithm key = kind switch
        {
            "rsa-2048" => RSA.Create(2048),
            "rsa-3072" => RSA.Create(3072),
            "rsa-4096" => RSA.Create(4096),
            "ecdsa-p256" => ECDsa.Create(ECCurve.NamedCurves.nistP256),
            "ecdsa-p384" => ECDsa.Create(ECCurve.NamedCurves.nistP384),
            _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "Unknown key kind."),
        };
        return key.ExportPkcs8PrivateKey();
    }
}
