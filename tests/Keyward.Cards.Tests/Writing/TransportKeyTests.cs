using System.Security.Cryptography;
using Keyward.Cards.Tests.Support;

namespace Keyward.Cards.Tests.Writing;

/// <summary>The transport key on a SoftHSM2 token and in software.</summary>
public sealed class TransportKeyTests(SoftHsmTokens tokens) : IClassFixture<SoftHsmTokens>
{
    [Theory]
    [InlineData(TransportKeyMode.Auto)]
    [InlineData(TransportKeyMode.Token)]
    public void CreateTransportKey_SoftHsm_OnTokenWithSha1AndAnRsa2048Spki(TransportKeyMode mode)
    {
        using var opened = OpenedCard.Login(tokens.NewToken());

        using var transport = opened.Card.CreateTransportKey(mode);

        Assert.True(transport.OnToken);
        // SoftHSM 2.6.1 refuses OAEP with SHA-256 parameters; the self-test finds SHA-1.
        Assert.Equal(CardTransportKey.Sha1, transport.OaepHash);
        using var rsa = RSA.Create();
        rsa.ImportSubjectPublicKeyInfo(transport.PublicKeySpki, out var read);
        Assert.Equal(transport.PublicKeySpki.Length, read);
        Assert.Equal(2048, rsa.KeySize);
    }

    [Fact]
    public void CreateTransportKey_Software_Rsa3072WithSha256()
    {
        using var opened = OpenedCard.Login(tokens.NewToken());

        using var transport = opened.Card.CreateTransportKey(TransportKeyMode.Software);

        Assert.False(transport.OnToken);
        Assert.Equal(CardTransportKey.Sha256, transport.OaepHash);
        using var rsa = RSA.Create();
        rsa.ImportSubjectPublicKeyInfo(transport.PublicKeySpki, out _);
        Assert.Equal(3072, rsa.KeySize);
    }

    [Fact]
    public void CreateTransportKey_OnToken_LeavesNothingOnTheToken()
    {
        var token = tokens.NewToken();
        using var opened = OpenedCard.Login(token);

        using var transport = opened.Card.CreateTransportKey(TransportKeyMode.Token);
        using var aes = transport.Open(RecoveredKeys.EncryptTo(transport, RecoveredKeys.NewAesKey()));

        // Session objects only: another application (pkcs11-tool) sees no object on the token.
        Assert.True(aes.OnToken);
        Assert.Empty(Pkcs11Tool.Objects(token));
    }

    [Theory]
    [InlineData(TransportKeyMode.Token)]
    [InlineData(TransportKeyMode.Software)]
    public void Open_AesKeyEncryptedToAnotherKey_PackageUnreadable(TransportKeyMode mode)
    {
        using var opened = OpenedCard.Login(tokens.NewToken());
        using var transport = opened.Card.CreateTransportKey(mode);
        using var other = RSA.Create(mode == TransportKeyMode.Token ? 2048 : 3072);
        var wrongRecipient = other.Encrypt(RecoveredKeys.NewAesKey(), RSAEncryptionPadding.OaepSHA1);
        var recovered = RecoveredKeys.Rsa();

        // On the token the RSA unwrap fails at once; in software at the first key, where Keyward.Crypto opens it.
        var error = Assert.Throws<CardException>(() =>
        {
            using var aes = transport.Open(wrongRecipient);
            opened.Card.Write(aes, [recovered.WrappedUnder(RecoveredKeys.NewAesKey(), "Alice")]);
        });

        Assert.True(error.Problem == CardProblem.PackageUnreadable, $"{error.Problem}: {error.Message}");
        Assert.Empty(opened.Card.Contents().Certificates);
        Assert.Empty(opened.Card.Contents().KeysWithoutCertificate);
    }
}
