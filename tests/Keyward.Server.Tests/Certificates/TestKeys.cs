using System.Security.Cryptography;

namespace Keyward.Server.Tests.Certificates;

/// <summary>
/// RSA-2048 keys made once per test run: generating one costs about half a second of CPU here, and the tests
/// need only a few distinct keys. Each call returns a new instance (disposed by the caller), so tests that run
/// in parallel never share one.
/// </summary>
internal static class TestKeys
{
    private static readonly Lazy<byte[]> HolderKey = new(Generate);
    private static readonly Lazy<byte[]> AnotherKey = new(Generate);
    private static readonly Lazy<byte[]> OldCaKey = new(Generate);

    /// <summary>The key a holder makes for a CSR, or that another CA certified for carol.</summary>
    public static RSA Holder() => Load(HolderKey.Value);

    /// <summary>A second key, unrelated to <see cref="Holder"/>.</summary>
    public static RSA Another() => Load(AnotherKey.Value);

    /// <summary>The key of the "Old AD CS" CA.</summary>
    public static RSA OldCa() => Load(OldCaKey.Value);

    private static byte[] Generate()
    {
        using var rsa = RSA.Create(2048);
        return rsa.ExportPkcs8PrivateKey();
    }

    private static RSA Load(byte[] pkcs8)
    {
        var rsa = RSA.Create();
        rsa.ImportPkcs8PrivateKey(pkcs8, out _);
        return rsa;
    }
}
