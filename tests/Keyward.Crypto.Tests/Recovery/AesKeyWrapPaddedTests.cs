using System.Security.Cryptography;
using Keyward.Crypto.Recovery;
using Keyward.Crypto.Tests.Support;

namespace Keyward.Crypto.Tests.Recovery;

/// <summary>The hand-written RFC 5649 wrap gives the runtime's bytes, so every unwrapper (the runtime, OpenSSL, a token) opens it.</summary>
public sealed class AesKeyWrapPaddedTests
{
    [Theory]
    [InlineData(16)]
    [InlineData(24)]
    [InlineData(32)]
    public void Wrap_EveryLengthUpToTwelveBlocks_SameBytesAsTheRuntime(int keySize)
    {
        var key = RandomNumberGenerator.GetBytes(keySize);
        using var runtime = Aes.Create();
        runtime.Key = key;
        using var wrapper = new AesKeyWrapPadded(key);

        for (var length = 1; length <= 96; length++)
        {
            var plaintext = RandomNumberGenerator.GetBytes(length);

            var wrapped = wrapper.Wrap(plaintext);

            Assert.Equal(runtime.EncryptKeyWrapPadded(plaintext), wrapped);
            Assert.Equal(plaintext, runtime.DecryptKeyWrapPadded(wrapped));
        }
    }

    [Fact]
    public void Wrap_RealPkcs8Keys_SameBytesAsTheRuntime()
    {
        var key = RandomNumberGenerator.GetBytes(32);
        using var runtime = Aes.Create();
        runtime.Key = key;
        using var wrapper = new AesKeyWrapPadded(key);

        foreach (var archived in TestArchive.Shared.Rsa.Take(3).Append(TestArchive.Shared.Ecdsa))
        {
            Assert.Equal(runtime.EncryptKeyWrapPadded(archived.Pkcs8), wrapper.Wrap(archived.Pkcs8));
        }
    }

    [Fact]
    public void Wrap_Nothing_Refused()
    {
        using var wrapper = new AesKeyWrapPadded(RandomNumberGenerator.GetBytes(32));

        Assert.Throws<ArgumentException>(() => wrapper.Wrap([]));
    }
}
