using System.Security.Cryptography;
using Keyward.Crypto.Recovery;
using Net.Pkcs11Interop.Common;
using Net.Pkcs11Interop.HighLevelAPI;

namespace Keyward.Cards;

/// <summary>
/// The one-time RSA key pair whose public key goes to the server, which encrypts a fresh AES-256 key to it with
/// RSA-OAEP; <see cref="Open"/> takes that encrypted AES key.
/// </summary>
/// <remarks>
/// <para>On the token it is an RSA-2048 session key pair (<c>CKA_TOKEN</c> false: it disappears with the session),
/// its private half sensitive and not extractable, so the recovered keys never pass through this process's memory.
/// Which OAEP hash the token can use is found out by a self-test when the pair is made (SoftHSM 2.6.1 does SHA-1
/// only): tell the server <see cref="OaepHash"/>.</para>
/// <para>In software it is Keyward.Crypto's RSA-3072 <see cref="TransportKeyPair"/> with OAEP-SHA-256, and every
/// recovered key passes through this process's memory on its way to the card (zeroed after).</para>
/// <para>Disposing destroys the private key. Belongs to the <see cref="Card"/> that made it; not thread-safe.</para>
/// </remarks>
public sealed class CardTransportKey : IDisposable
{
    /// <summary>The <see cref="OaepHash"/> of SHA-256 (with MGF1-SHA-256, no label).</summary>
    public const string Sha256 = "SHA-256";

    /// <summary>The <see cref="OaepHash"/> of SHA-1 (with MGF1-SHA-1, no label).</summary>
    public const string Sha1 = "SHA-1";

    private const int AesKeySize = 32;

    private readonly byte[] _spki;
    private readonly IObjectHandle? _privateKey;
    private readonly IObjectHandle? _publicKey;
    private readonly TransportKeyPair? _software;
    private readonly int _softwareModulusBytes;
    private bool _disposed;

    private CardTransportKey(Card card, byte[] spki, string oaepHash, IObjectHandle? privateKey, IObjectHandle? publicKey, TransportKeyPair? software)
    {
        Card = card;
        _spki = spki;
        OaepHash = oaepHash;
        _privateKey = privateKey;
        _publicKey = publicKey;
        _software = software;
        if (software is not null)
        {
            // An RSA ciphertext is as long as the modulus: a wrong length is refused before any decryption.
            using var rsa = RSA.Create();
            rsa.ImportSubjectPublicKeyInfo(spki, out _);
            _softwareModulusBytes = rsa.KeySize / 8;
        }
    }

    /// <summary>The public key to send to the server: SubjectPublicKeyInfo (rsaEncryption), DER. A fresh copy on every read.</summary>
    public byte[] PublicKeySpki => (byte[])_spki.Clone();

    /// <summary>Whether the private key lives on the token (and so do the AES key and the keys it unwraps).</summary>
    public bool OnToken => _software is null;

    /// <summary>The hash the server must use for RSA-OAEP (and MGF1) to this key: <see cref="Sha256"/> or <see cref="Sha1"/>.</summary>
    public string OaepHash { get; }

    internal Card Card { get; }

    /// <summary>
    /// Opens the AES-256 key the server encrypted to this key. On the token it is unwrapped into a session object
    /// (sensitive, not extractable, usable only to unwrap); in software it is decrypted again for each key written
    /// and zeroed straight after, so no copy of it stays in memory between keys.
    /// </summary>
    /// <param name="wrappedAesKey">The AES key, RSA-OAEP-encrypted with <see cref="OaepHash"/> to <see cref="PublicKeySpki"/>.</param>
    /// <exception cref="CardException"><see cref="CardProblem.PackageUnreadable"/>: it does not open with this key.</exception>
    public OpenedTransport Open(byte[] wrappedAesKey)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        ArgumentNullException.ThrowIfNull(wrappedAesKey);
        if (_software is not null)
        {
            if (wrappedAesKey.Length != _softwareModulusBytes)
            {
                throw new CardException(CardProblem.PackageUnreadable, "The wrapped AES key is not an RSA-3072 ciphertext: it was made for another transport key.");
            }

            return OpenedTransport.InSoftware(this, _software, wrappedAesKey);
        }

        var session = Card.Session;
        using var mechanism = Oaep(OaepHash);
        using var template = new Keyward.Tokens.Pkcs11.Template()
            .Add(CKA.CKA_CLASS, CKO.CKO_SECRET_KEY)
            .Add(CKA.CKA_KEY_TYPE, CKK.CKK_AES)
            .Add(CKA.CKA_TOKEN, false)
            .Add(CKA.CKA_PRIVATE, true)
            .Add(CKA.CKA_SENSITIVE, true)
            .Add(CKA.CKA_EXTRACTABLE, false)
            .Add(CKA.CKA_UNWRAP, true)
            .Add(CKA.CKA_WRAP, false)
            .Add(CKA.CKA_ENCRYPT, false)
            .Add(CKA.CKA_DECRYPT, false);
        IObjectHandle aesKey;
        try
        {
            aesKey = session.UnwrapKey(mechanism.Mechanism, _privateKey!, wrappedAesKey, template.Attributes);
        }
        catch (Pkcs11Exception ex) when (ex.RV == CKR.CKR_GENERAL_ERROR)
        {
            // SoftHSM 2.6.1 answers an OAEP decoding failure with CKR_GENERAL_ERROR; a handle problem would say so instead.
            throw new CardException(CardProblem.PackageUnreadable, $"Opening the transport key on the token: the wrapped AES key does not open with this transport key (encrypted to another one, or altered) ({ex.RV}).", ex);
        }
        catch (Pkcs11Exception ex)
        {
            throw Pkcs11Errors.Map(ex, "opening the transport key on the token", Card.Description);
        }

        // SoftHSM neither takes CKA_VALUE_LEN in the template nor reports it (0); a token that reports it is checked.
        var length = Card.ReadUlong(aesKey, CKA.CKA_VALUE_LEN);
        if (length is not 0 and not AesKeySize)
        {
            Card.Destroy(aesKey);
            throw new CardException(CardProblem.PackageUnreadable, $"The transport key holds a {length * 8}-bit key where an AES-256 key was expected.");
        }

        return OpenedTransport.InToken(this, aesKey);
    }

    /// <summary>Destroys the private key (and, on the token, the public key object).</summary>
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        _software?.Dispose();
        if (_privateKey is not null)
        {
            Card.DestroyQuietly(_privateKey);
            Card.DestroyQuietly(_publicKey!);
        }
    }

    /// <summary>Makes the key pair; see <see cref="Card.CreateTransportKey"/>.</summary>
    internal static CardTransportKey Create(Card card, TransportKeyMode mode)
    {
        if (mode == TransportKeyMode.Software)
        {
            return Software(card);
        }

        var missing = card.MissingUnwrapMechanisms();
        if (missing.Count > 0)
        {
            return mode == TransportKeyMode.Auto
                ? Software(card)
                : throw new CardException(CardProblem.UnsupportedMechanism, $"{card.Description} cannot unwrap keys itself: it lacks {string.Join(", ", missing)}; use a software transport key.");
        }

        var onToken = OnTokenOrNull(card);
        return onToken ?? (mode == TransportKeyMode.Auto
            ? Software(card)
            : throw new CardException(CardProblem.UnsupportedMechanism, $"{card.Description} decrypts RSA-OAEP with neither SHA-256 nor SHA-1; use a software transport key."));
    }

    internal static MechanismHolder Oaep(string hash) => new(hash == Sha256
        ? Keyward.Tokens.Pkcs11.Pkcs11Module.Factories.MechanismParamsFactory.CreateCkRsaPkcsOaepParams((ulong)CKM.CKM_SHA256, (ulong)CKG.CKG_MGF1_SHA256, (ulong)CKZ.CKZ_DATA_SPECIFIED, null)
        : Keyward.Tokens.Pkcs11.Pkcs11Module.Factories.MechanismParamsFactory.CreateCkRsaPkcsOaepParams((ulong)CKM.CKM_SHA_1, (ulong)CKG.CKG_MGF1_SHA1, (ulong)CKZ.CKZ_DATA_SPECIFIED, null));

    private static CardTransportKey Software(Card card)
    {
        var pair = TransportKeyPair.Create();
        return new CardTransportKey(card, pair.PublicKey, Sha256, null, null, pair);
    }

    private static CardTransportKey? OnTokenOrNull(Card card)
    {
        var session = card.Session;
        var factories = Keyward.Tokens.Pkcs11.Pkcs11Module.Factories;
        using var generate = factories.MechanismFactory.Create(CKM.CKM_RSA_PKCS_KEY_PAIR_GEN);
        using var publicTemplate = new Keyward.Tokens.Pkcs11.Template()
            .Add(CKA.CKA_TOKEN, false)
            .Add(CKA.CKA_PRIVATE, false)
            .Add(CKA.CKA_MODULUS_BITS, 2048UL)
            .Add(CKA.CKA_PUBLIC_EXPONENT, [0x01, 0x00, 0x01])
            .Add(CKA.CKA_ENCRYPT, true)
            .Add(CKA.CKA_WRAP, true)
            .Add(CKA.CKA_LABEL, "keyward-transport");
        using var privateTemplate = new Keyward.Tokens.Pkcs11.Template()
            .Add(CKA.CKA_TOKEN, false)
            .Add(CKA.CKA_PRIVATE, true)
            .Add(CKA.CKA_SENSITIVE, true)
            .Add(CKA.CKA_EXTRACTABLE, false)
            .Add(CKA.CKA_DECRYPT, true)
            .Add(CKA.CKA_UNWRAP, true)
            .Add(CKA.CKA_SIGN, false)
            .Add(CKA.CKA_LABEL, "keyward-transport");
        IObjectHandle? publicKey = null;
        IObjectHandle? privateKey = null;
        Pkcs11Errors.Run(() => session.GenerateKeyPair(generate, publicTemplate.Attributes, privateTemplate.Attributes, out publicKey, out privateKey), "making the transport key on the token");

        try
        {
            using var rsa = RSA.Create();
            rsa.ImportParameters(new RSAParameters
            {
                Modulus = CertificateKey.Unsigned(card.ReadBytes(publicKey!, CKA.CKA_MODULUS)),
                Exponent = CertificateKey.Unsigned(card.ReadBytes(publicKey!, CKA.CKA_PUBLIC_EXPONENT)),
            });
            var hash = SelfTest(card, rsa, privateKey!, Sha256) ? Sha256 : SelfTest(card, rsa, privateKey!, Sha1) ? Sha1 : null;
            if (hash is null)
            {
                card.DestroyQuietly(privateKey!);
                card.DestroyQuietly(publicKey!);
                return null;
            }

            return new CardTransportKey(card, rsa.ExportSubjectPublicKeyInfo(), hash, privateKey, publicKey, null);
        }
        catch
        {
            card.DestroyQuietly(privateKey!);
            card.DestroyQuietly(publicKey!);
            throw;
        }
    }

    /// <summary>
    /// Encrypts 32 random bytes to the new key in .NET with OAEP and <paramref name="hash"/>, and has the token
    /// decrypt them: true when it gives them back. A token that refuses the parameters (SoftHSM 2.6.1 answers
    /// SHA-256 with <c>CKR_ARGUMENTS_BAD</c>) gives false, so the caller tries the next hash.
    /// </summary>
    private static bool SelfTest(Card card, RSA publicKey, IObjectHandle privateKey, string hash)
    {
        var probe = RandomNumberGenerator.GetBytes(AesKeySize);
        var ciphertext = publicKey.Encrypt(probe, hash == Sha256 ? RSAEncryptionPadding.OaepSHA256 : RSAEncryptionPadding.OaepSHA1);
        using var mechanism = Oaep(hash);
        try
        {
            var plaintext = card.Session.Decrypt(mechanism.Mechanism, privateKey, ciphertext);
            return CryptographicOperations.FixedTimeEquals(plaintext, probe);
        }
        catch (Pkcs11Exception ex) when (ex.RV is CKR.CKR_ARGUMENTS_BAD or CKR.CKR_MECHANISM_PARAM_INVALID or CKR.CKR_MECHANISM_INVALID
                                             or CKR.CKR_ENCRYPTED_DATA_INVALID or CKR.CKR_FUNCTION_FAILED or CKR.CKR_GENERAL_ERROR)
        {
            return false;
        }
    }

}

