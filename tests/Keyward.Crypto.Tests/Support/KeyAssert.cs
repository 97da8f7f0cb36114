using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Keyward.Crypto.Tests.Support;

/// <summary>Checks that a certificate's private key is the one its certificate names, the way a user would notice: a signature made with it verifies, or it agrees on the same secret.</summary>
internal static class KeyAssert
{
    private static readonly byte[] Message = "a message signed with the recovered key"u8.ToArray();

    /// <summary>Signs with <paramref name="withKey"/>'s private key and verifies with <paramref name="original"/>'s public key.</summary>
    public static void PrivateKeyMatches(X509Certificate2 withKey, X509Certificate2 original)
    {
        Assert.True(withKey.HasPrivateKey, $"{withKey.Subject} came without its private key.");
        if (original.GetRSAPublicKey() is { } publicRsa)
        {
            using (publicRsa)
            using (var privateRsa = withKey.GetRSAPrivateKey())
            {
                Assert.NotNull(privateRsa);
                var signature = privateRsa.SignData(Message, HashAlgorithmName.SHA256, RSASignaturePadding.Pss);
                Assert.True(publicRsa.VerifyData(Message, signature, HashAlgorithmName.SHA256, RSASignaturePadding.Pss), $"The key of {withKey.Subject} does not match its certificate.");
            }

            return;
        }

        if (original.GetECDsaPublicKey() is { } publicEc)
        {
            using (publicEc)
            using (var privateEc = withKey.GetECDsaPrivateKey())
            {
                Assert.NotNull(privateEc);
                var signature = privateEc.SignData(Message, HashAlgorithmName.SHA256);
                Assert.True(publicEc.VerifyData(Message, signature, HashAlgorithmName.SHA256), $"The key of {withKey.Subject} does not match its certificate.");
            }

            return;
        }

        // A key-agreement-only EC certificate: the recovered key and a stranger agree on the same secret as the
        // stranger and the certificate's public key.
        using var publicEcdh = original.GetECDiffieHellmanPublicKey();
        using var privateEcdh = withKey.GetECDiffieHellmanPrivateKey();
        Assert.NotNull(publicEcdh);
        Assert.NotNull(privateEcdh);
        using var stranger = ECDiffieHellman.Create(ECCurve.NamedCurves.nistP256);
        Assert.Equal(stranger.DeriveRawSecretAgreement(publicEcdh.PublicKey), privateEcdh.DeriveRawSecretAgreement(stranger.PublicKey));
    }

    /// <summary>Whether <paramref name="needle"/> occurs anywhere in <paramref name="haystack"/>.</summary>
    public static bool Contains(byte[] haystack, ReadOnlySpan<byte> needle) => haystack.AsSpan().IndexOf(needle) >= 0;
}
