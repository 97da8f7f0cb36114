using System.Security.Cryptography;
using Keyward.Crypto.Recovery;
using Net.Pkcs11Interop.Common;
using Net.Pkcs11Interop.HighLevelAPI;

namespace Keyward.Cards;

/// <summary>
/// The one-time key pair whose public key goes to the server, which sends a fresh AES-256 transport key to it;
/// <see cref="Open(byte[], byte[])"/> takes what the server sent (docs/cards.md#transport-key).
/// </summary>
/// <remarks>
/// <para>On the token it is a session key pair (<c>CKA_TOKEN</c> false: it disappears with the session), its private
/// half sensitive and not extractable, so the recovered keys never pass through this process's memory. Two kinds:</para>
/// <list type="bullet">
/// <item>EC P-256 (the default where the token can): the server agrees a KEK with it by ECDH and wraps the AES key
/// under the KEK (<see cref="EcdhTransport"/>); the token derives the KEK itself (<c>CKM_ECDH1_DERIVE</c>) and unwraps
/// the AES key with it (<c>CKM_AES_KEY_WRAP_PAD</c>). Which KDF the token runs is found out by a self-test when the
/// pair is made (SoftHSM 2.6.1 runs none): tell the server <see cref="Kdf"/>.</item>
/// <item>RSA-2048: the server encrypts the AES key with RSA-OAEP; which OAEP hash the token can use is found out by a
/// self-test when the pair is made (SoftHSM 2.6.1 does SHA-1 only): tell the server <see cref="OaepHash"/>.</item>
/// </list>
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

    /// <summary>The <see cref="Kdf"/> of ANSI X9.63 with SHA-256 (<c>CKD_SHA256_KDF</c>, SharedInfo <see cref="EcdhTransport.SharedInfo"/>).</summary>
    public const string KdfX963Sha256 = "X9.63-SHA-256";

    /// <summary>The <see cref="Kdf"/> of a token that runs no KDF (<c>CKD_NULL</c>): the KEK is the shared secret itself.</summary>
    public const string KdfNone = "none";

    private const int AesKeySize = 32;

    /// <summary>The DER of the named curve prime256v1 (P-256), the value of <c>CKA_EC_PARAMS</c>.</summary>
    private static readonly byte[] P256Parameters = [0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07];

    private readonly byte[] _spki;
    private readonly IObjectHandle? _privateKey;
    private readonly IObjectHandle? _publicKey;
    private readonly TransportKeyPair? _software;
    private readonly int _softwareModulusBytes;
    private bool _disposed;

    private CardTransportKey(Card card, byte[] spki, string? oaepHash, string? kdf, IObjectHandle? privateKey, IObjectHandle? publicKey, TransportKeyPair? software)
    {
        Card = card;
        _spki = spki;
        OaepHash = oaepHash;
        Kdf = kdf;
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

    /// <summary>The public key to send to the server: SubjectPublicKeyInfo (rsaEncryption, or id-ecPublicKey on P-256), DER. A fresh copy on every read.</summary>
    public byte[] PublicKeySpki => (byte[])_spki.Clone();

    /// <summary>Whether the private key lives on the token (and so do the AES key and the keys it unwraps).</summary>
    public bool OnToken => _software is null;

    /// <summary>Whether this is an EC P-256 key (ECDH), not an RSA key (RSA-OAEP).</summary>
    public bool IsEc => Kdf is not null;

    /// <summary>For an RSA key: the hash the server must use for RSA-OAEP (and MGF1) to it, <see cref="Sha256"/> or <see cref="Sha1"/>; null for EC.</summary>
    public string? OaepHash { get; }

    /// <summary>For an EC key: how the token derives the KEK, <see cref="KdfX963Sha256"/> or <see cref="KdfNone"/>; null for RSA.</summary>
    public string? Kdf { get; }

    /// <summary>The scheme the server's answer must name (<c>algorithm</c>) for this key to open it.</summary>
    public string Algorithm => Kdf switch
    {
        KdfX963Sha256 => EcdhTransport.AlgorithmX963,
        KdfNone => EcdhTransport.AlgorithmRawZ,
        _ => TransportWrap.AlgorithmOf(OaepHash == Sha1 ? TransportOaep.Sha1 : TransportOaep.Sha256),
    };

    internal Card Card { get; }

    /// <summary>Opens the AES-256 key the server encrypted to this RSA key; see <see cref="Open(byte[], byte[])"/>.</summary>
    public OpenedTransport Open(byte[] wrappedAesKey) => Open(wrappedAesKey, null);

    /// <summary>
    /// Opens the AES-256 key the server sent to this key. On the token it is unwrapped into a session object
    /// (sensitive, not extractable, usable only to unwrap); for an EC key the token first derives the KEK from the
    /// server's ephemeral key (a session object too, destroyed once the AES key is unwrapped). In software it is
    /// decrypted again for each key written and zeroed straight after, so no copy of it stays in memory between keys.
    /// </summary>
    /// <param name="wrappedAesKey">The AES key: RSA-OAEP-encrypted with <see cref="OaepHash"/> to an RSA key, or wrapped under the agreed KEK for an EC key.</param>
    /// <param name="serverPublicKey">For an EC key: the server's ephemeral P-256 public key (SubjectPublicKeyInfo, DER); null for RSA.</param>
    /// <exception cref="CardException"><see cref="CardProblem.PackageUnreadable"/>: it does not open with this key, or the server's key is refused.</exception>
    public OpenedTransport Open(byte[] wrappedAesKey, byte[]? serverPublicKey)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        ArgumentNullException.ThrowIfNull(wrappedAesKey);
        if (IsEc != serverPublicKey is not null)
        {
            throw new CardException(CardProblem.PackageUnreadable, IsEc
                ? "The server sent no ephemeral key, which an EC transport key needs: the keys were wrapped for another kind of transport key."
                : "The server sent an ephemeral key, which an RSA transport key does not use: the keys were wrapped for another kind of transport key.");
        }

        if (_software is not null)
        {
            if (wrappedAesKey.Length != _softwareModulusBytes)
            {
                throw new CardException(CardProblem.PackageUnreadable, "The wrapped AES key is not an RSA-3072 ciphertext: it was made for another transport key.");
            }

            return OpenedTransport.InSoftware(this, _software, wrappedAesKey);
        }

        return IsEc ? OpenEc(wrappedAesKey, serverPublicKey!) : OpenRsa(wrappedAesKey);
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

        var reasons = new List<string>();
        if (mode is TransportKeyMode.Auto or TransportKeyMode.Token or TransportKeyMode.TokenEc)
        {
            var missing = card.MissingEcMechanisms();
            var ec = missing.Count == 0 ? EcOnTokenOrNull(card) : null;
            if (ec is not null)
            {
                return ec;
            }

            reasons.Add(missing.Count > 0
                ? $"for an EC transport key it lacks {string.Join(", ", missing)}"
                : "it would not make a P-256 key pair, or the pair failed the self-test (ECDH derivation and AES key unwrap) with either KDF");
            if (mode == TransportKeyMode.TokenEc)
            {
                throw Unsupported(card, reasons);
            }
        }

        var missingRsa = card.MissingUnwrapMechanisms();
        var rsa = missingRsa.Count == 0 ? RsaOnTokenOrNull(card) : null;
        if (rsa is not null)
        {
            return rsa;
        }

        reasons.Add(missingRsa.Count > 0
            ? $"for an RSA transport key it lacks {string.Join(", ", missingRsa)}"
            : "it decrypts RSA-OAEP with neither SHA-256 nor SHA-1");
        return mode == TransportKeyMode.Auto ? Software(card) : throw Unsupported(card, reasons);
    }

    internal static MechanismHolder Oaep(string hash) => new(CKM.CKM_RSA_PKCS_OAEP, hash == Sha256
        ? Keyward.Tokens.Pkcs11.Pkcs11Module.Factories.MechanismParamsFactory.CreateCkRsaPkcsOaepParams((ulong)CKM.CKM_SHA256, (ulong)CKG.CKG_MGF1_SHA256, (ulong)CKZ.CKZ_DATA_SPECIFIED, null)
        : Keyward.Tokens.Pkcs11.Pkcs11Module.Factories.MechanismParamsFactory.CreateCkRsaPkcsOaepParams((ulong)CKM.CKM_SHA_1, (ulong)CKG.CKG_MGF1_SHA1, (ulong)CKZ.CKZ_DATA_SPECIFIED, null));

    /// <summary>
    /// <c>CKM_ECDH1_DERIVE</c> with the server's point as public data and <paramref name="kdf"/>: <c>CKD_SHA256_KDF</c>
    /// with <see cref="EcdhTransport.SharedInfo"/>, or <c>CKD_NULL</c> with no shared data (docs/cards.md#transport-key).
    /// </summary>
    internal static MechanismHolder Ecdh(byte[] point, TransportEcdhKdf kdf) => new(CKM.CKM_ECDH1_DERIVE, kdf == TransportEcdhKdf.X963Sha256
        ? Keyward.Tokens.Pkcs11.Pkcs11Module.Factories.MechanismParamsFactory.CreateCkEcdh1DeriveParams((ulong)CKD.CKD_SHA256_KDF, EcdhTransport.SharedInfo, point)
        : Keyward.Tokens.Pkcs11.Pkcs11Module.Factories.MechanismParamsFactory.CreateCkEcdh1DeriveParams((ulong)CKD.CKD_NULL, null, point));

    private static CardException Unsupported(Card card, List<string> reasons) =>
        new(CardProblem.UnsupportedMechanism, $"{card.Description} cannot make the transport key on the token: {string.Join("; ", reasons)}. Use another --transport-key (software unwraps in this computer's memory).");

    private static CardTransportKey Software(Card card)
    {
        var pair = TransportKeyPair.Create();
        return new CardTransportKey(card, pair.PublicKey, Sha256, null, null, null, pair);
    }

    private static CardTransportKey? RsaOnTokenOrNull(Card card)
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

            return new CardTransportKey(card, rsa.ExportSubjectPublicKeyInfo(), hash, null, privateKey, publicKey, null);
        }
        catch
        {
            card.DestroyQuietly(privateKey!);
            card.DestroyQuietly(publicKey!);
            throw;
        }
    }

    /// <summary>
    /// Makes an EC P-256 session key pair on the token (<c>CKM_EC_KEY_PAIR_GEN</c>; the private half sensitive, not
    /// extractable, <c>CKA_DERIVE</c> only) and finds the KDF it runs: X9.63 SHA-256 when its self-test passes, else
    /// none when that one passes. Null when the token refuses the curve or both self-tests fail.
    /// </summary>
    private static CardTransportKey? EcOnTokenOrNull(Card card)
    {
        var session = card.Session;
        using var generate = Keyward.Tokens.Pkcs11.Pkcs11Module.Factories.MechanismFactory.Create(CKM.CKM_EC_KEY_PAIR_GEN);
        using var publicTemplate = new Keyward.Tokens.Pkcs11.Template()
            .Add(CKA.CKA_TOKEN, false)
            .Add(CKA.CKA_PRIVATE, false)
            .Add(CKA.CKA_EC_PARAMS, P256Parameters)
            .Add(CKA.CKA_LABEL, "keyward-transport");
        using var privateTemplate = new Keyward.Tokens.Pkcs11.Template()
            .Add(CKA.CKA_TOKEN, false)
            .Add(CKA.CKA_PRIVATE, true)
            .Add(CKA.CKA_SENSITIVE, true)
            .Add(CKA.CKA_EXTRACTABLE, false)
            .Add(CKA.CKA_DERIVE, true)
            .Add(CKA.CKA_SIGN, false)
            .Add(CKA.CKA_DECRYPT, false)
            .Add(CKA.CKA_UNWRAP, false)
            .Add(CKA.CKA_LABEL, "keyward-transport");
        IObjectHandle? publicKey = null;
        IObjectHandle? privateKey = null;
        try
        {
            session.GenerateKeyPair(generate, publicTemplate.Attributes, privateTemplate.Attributes, out publicKey, out privateKey);
        }
        catch (Pkcs11Exception ex) when (ex.RV is CKR.CKR_DOMAIN_PARAMS_INVALID or CKR.CKR_CURVE_NOT_SUPPORTED or CKR.CKR_TEMPLATE_INCONSISTENT
                                             or CKR.CKR_ATTRIBUTE_VALUE_INVALID or CKR.CKR_MECHANISM_INVALID or CKR.CKR_FUNCTION_FAILED)
        {
            // The token lists the mechanism but will not make a P-256 key this way: it gets an RSA key instead.
            return null;
        }
        catch (Pkcs11Exception ex)
        {
            throw Pkcs11Errors.Map(ex, "making the transport key on the token", card.Description);
        }

        try
        {
            var spki = EcdhTransport.SpkiOf(PointOf(card.ReadBytes(publicKey!, CKA.CKA_EC_POINT)));
            var kdf = EcSelfTest(card, privateKey!, spki, TransportEcdhKdf.X963Sha256) ? KdfX963Sha256
                : EcSelfTest(card, privateKey!, spki, TransportEcdhKdf.None) ? KdfNone
                : null;
            if (kdf is null)
            {
                card.DestroyQuietly(privateKey!);
                card.DestroyQuietly(publicKey!);
                return null;
            }

            return new CardTransportKey(card, spki, null, kdf, privateKey, publicKey, null);
        }
        catch (ArgumentException ex)
        {
            card.DestroyQuietly(privateKey!);
            card.DestroyQuietly(publicKey!);
            throw new CardException(CardProblem.Failed, $"The token made an EC transport key whose public key is not a P-256 point: {ex.Message}", ex);
        }
        catch
        {
            card.DestroyQuietly(privateKey!);
            card.DestroyQuietly(publicKey!);
            throw;
        }
    }

    /// <summary>
    /// The point of <c>CKA_EC_POINT</c>: a DER OCTET STRING around the point (PKCS#11 v2.20 and later, SoftHSM), or
    /// the bare point (v2.01). The lengths tell them apart without guessing: 67 bytes wrapped, 65 bare.
    /// </summary>
    private static byte[] PointOf(byte[] ecPoint) => ecPoint switch
    {
        [0x04, 0x41, 0x04, ..] when ecPoint.Length == 2 + 65 => ecPoint[2..],
        _ => ecPoint,
    };

    /// <summary>
    /// The whole EC path with a random probe in place of the transport key: Keyward.Crypto wraps it for this key
    /// exactly as the server would (<see cref="EcdhTransport.Wrap(ReadOnlySpan{byte}, ReadOnlySpan{byte}, TransportEcdhKdf)"/>),
    /// the token derives the KEK with <paramref name="kdf"/> and unwraps the probe into an extractable session secret,
    /// and the probe must come back. A token that refuses the KDF (SoftHSM 2.6.1 answers <c>CKD_SHA256_KDF</c> with
    /// <c>CKR_MECHANISM_PARAM_INVALID</c>) or computes another KEK gives false, so the caller tries the next KDF.
    /// </summary>
    private static bool EcSelfTest(Card card, IObjectHandle privateKey, byte[] spki, TransportEcdhKdf kdf)
    {
        var probe = RandomNumberGenerator.GetBytes(AesKeySize);
        var sent = EcdhTransport.Wrap(spki, probe, kdf);
        IObjectHandle? kek = null;
        IObjectHandle? unwrapped = null;
        try
        {
            kek = Derive(card, privateKey, EcdhTransport.PointOf(sent.EphemeralPublicKey), kdf);
            using var mechanism = Keyward.Tokens.Pkcs11.Pkcs11Module.Factories.MechanismFactory.Create(CKM.CKM_AES_KEY_WRAP_PAD);
            using var template = new Keyward.Tokens.Pkcs11.Template()
                .Add(CKA.CKA_CLASS, CKO.CKO_SECRET_KEY)
                .Add(CKA.CKA_KEY_TYPE, CKK.CKK_GENERIC_SECRET)
                .Add(CKA.CKA_TOKEN, false)
                .Add(CKA.CKA_SENSITIVE, false)
                .Add(CKA.CKA_EXTRACTABLE, true);
            unwrapped = card.Session.UnwrapKey(mechanism, kek, sent.WrappedKey, template.Attributes);
            return CryptographicOperations.FixedTimeEquals(card.ReadBytes(unwrapped, CKA.CKA_VALUE), probe);
        }
        catch (Pkcs11Exception ex) when (ex.RV is CKR.CKR_MECHANISM_PARAM_INVALID or CKR.CKR_ARGUMENTS_BAD or CKR.CKR_MECHANISM_INVALID
                                             or CKR.CKR_FUNCTION_FAILED or CKR.CKR_GENERAL_ERROR or CKR.CKR_FUNCTION_NOT_SUPPORTED
                                             or CKR.CKR_TEMPLATE_INCONSISTENT or CKR.CKR_ATTRIBUTE_VALUE_INVALID or CKR.CKR_KEY_TYPE_INCONSISTENT
                                             or CKR.CKR_WRAPPED_KEY_INVALID or CKR.CKR_ENCRYPTED_DATA_INVALID or CKR.CKR_ATTRIBUTE_SENSITIVE
                                             or CKR.CKR_KEY_FUNCTION_NOT_PERMITTED)
        {
            return false;
        }
        finally
        {
            if (unwrapped is not null)
            {
                card.DestroyQuietly(unwrapped);
            }

            if (kek is not null)
            {
                card.DestroyQuietly(kek);
            }
        }
    }

    /// <summary>The KEK, derived on the token into a session AES-256 key: sensitive, not extractable, usable only to unwrap.</summary>
    private static IObjectHandle Derive(Card card, IObjectHandle privateKey, byte[] point, TransportEcdhKdf kdf)
    {
        using var mechanism = Ecdh(point, kdf);
        using var template = SessionAesKey().Add(CKA.CKA_VALUE_LEN, (ulong)EcdhTransport.KekSize);
        return card.Session.DeriveKey(mechanism.Mechanism, privateKey, template.Attributes);
    }

    /// <summary>The template of an AES key the token keeps for this collection only: sensitive, not extractable, unwrap only.</summary>
    private static Keyward.Tokens.Pkcs11.Template SessionAesKey() => new Keyward.Tokens.Pkcs11.Template()
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

    private OpenedTransport OpenRsa(byte[] wrappedAesKey)
    {
        using var mechanism = Oaep(OaepHash!);
        using var template = SessionAesKey();
        IObjectHandle aesKey;
        try
        {
            aesKey = Card.Session.UnwrapKey(mechanism.Mechanism, _privateKey!, wrappedAesKey, template.Attributes);
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

        return Checked(aesKey);
    }

    private OpenedTransport OpenEc(byte[] wrappedAesKey, byte[] serverPublicKey)
    {
        byte[] point;
        try
        {
            point = EcdhTransport.PointOf(serverPublicKey);
        }
        catch (KeyRecoveryException ex)
        {
            throw new CardException(CardProblem.PackageUnreadable, $"Opening the transport key on the token: {ex.Message}", ex);
        }

        var kdf = Kdf == KdfNone ? TransportEcdhKdf.None : TransportEcdhKdf.X963Sha256;
        var kek = Pkcs11Errors.Run(() => Derive(Card, _privateKey!, point, kdf), "deriving the key-encryption key on the token", () => Card.Description);
        IObjectHandle aesKey;
        try
        {
            using var mechanism = Keyward.Tokens.Pkcs11.Pkcs11Module.Factories.MechanismFactory.Create(CKM.CKM_AES_KEY_WRAP_PAD);
            using var template = SessionAesKey();
            aesKey = Card.Session.UnwrapKey(mechanism, kek, wrappedAesKey, template.Attributes);
        }
        catch (Pkcs11Exception ex) when (ex.RV == CKR.CKR_GENERAL_ERROR)
        {
            // SoftHSM 2.6.1 answers a failed RFC 5649 integrity check with CKR_GENERAL_ERROR: another KEK, or an altered key.
            throw new CardException(CardProblem.PackageUnreadable, $"Opening the transport key on the token: the wrapped AES key does not open with the key agreed with this transport key (wrapped for another one, or altered) ({ex.RV}).", ex);
        }
        catch (Pkcs11Exception ex)
        {
            throw Pkcs11Errors.Map(ex, "opening the transport key on the token", Card.Description);
        }
        finally
        {
            // The KEK has done its one job.
            Card.DestroyQuietly(kek);
        }

        return Checked(aesKey);
    }

    /// <summary>The opened AES key, once its length is checked where the token reports one.</summary>
    private OpenedTransport Checked(IObjectHandle aesKey)
    {
        // SoftHSM neither takes CKA_VALUE_LEN in an unwrap template nor reports it (0); a token that reports it is checked.
        var length = Card.ReadUlong(aesKey, CKA.CKA_VALUE_LEN);
        if (length is not 0 and not AesKeySize)
        {
            Card.Destroy(aesKey);
            throw new CardException(CardProblem.PackageUnreadable, $"The transport key holds a {length * 8}-bit key where an AES-256 key was expected.");
        }

        return OpenedTransport.InToken(this, aesKey);
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

