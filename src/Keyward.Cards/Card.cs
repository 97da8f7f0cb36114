using System.Formats.Asn1;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using Keyward.Tokens.Pkcs11;
using Net.Pkcs11Interop.Common;
using Net.Pkcs11Interop.HighLevelAPI;

namespace Keyward.Cards;

/// <summary>
/// One token (smart card, USB token, HSM partition) opened through its PKCS#11 module: logging in or initialising
/// it, reading what is on it, making the transport key, and writing and removing recovered keys with their
/// certificates.
/// </summary>
/// <remarks>
/// <para>A card holds one read-write session for its lifetime; the transport key and the opened AES key are session
/// objects in it, gone when the card is disposed. Disposing does not log out explicitly: closing this application's
/// last session on the token does.</para>
/// <para>PINs are taken as characters, converted to UTF-8 bytes for the call and zeroed straight after; they are never
/// kept, logged or put in a message. Every failure the card can cause is a <see cref="CardException"/>.</para>
/// <para>Not thread-safe: a PKCS#11 session runs one operation at a time.</para>
/// </remarks>
public sealed class Card : IDisposable
{
    private const int MaxLabelBytes = 32;

    private readonly CardModule _module;
    private readonly ISlot _slot;
    private ISession? _session;
    private bool _loggedIn;
    private bool _disposed;

    private Card(CardModule module, ISlot slot, TokenDescription description)
    {
        _module = module;
        _slot = slot;
        Description = description;
    }

    /// <summary>The token as last read (refreshed after a login attempt, an initialisation and a PIN change).</summary>
    public TokenDescription Description { get; private set; }

    internal ISession Session
    {
        get
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            return _session ??= Pkcs11Errors.Run(() => _slot.OpenSession(SessionType.ReadWrite), $"opening a session with {Description}");
        }
    }

    /// <summary>
    /// Initialises a blank token: sets its label and SO PIN (<c>C_InitToken</c>), logs in as SO to set the user PIN
    /// (<c>C_InitPIN</c>), then logs in as the user.
    /// </summary>
    /// <param name="label">The token's label, at most 32 bytes of UTF-8.</param>
    /// <param name="soPin">The security officer's PIN to set.</param>
    /// <param name="userPin">The user PIN to set.</param>
    /// <exception cref="CardException">
    /// <see cref="CardProblem.AlreadyInitialized"/> (re-initialising would erase it; Keyward never does),
    /// <see cref="CardProblem.PinRefused"/>, <see cref="CardProblem.ReadOnly"/>, or another problem of the token.
    /// </exception>
    public void Initialize(string label, ReadOnlySpan<char> soPin, ReadOnlySpan<char> userPin)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        ArgumentException.ThrowIfNullOrWhiteSpace(label);
        var labelBytes = Encoding.UTF8.GetBytes(label);
        if (labelBytes.Length > MaxLabelBytes)
        {
            throw new ArgumentException($"A token label is at most {MaxLabelBytes} bytes of UTF-8.", nameof(label));
        }

        if (Description.Initialized)
        {
            throw new CardException(CardProblem.AlreadyInitialized, $"{Description} is already initialised; Keyward initialises only blank tokens, since initialising erases everything on them.");
        }

        if (Description.WriteProtected)
        {
            throw new CardException(CardProblem.ReadOnly, $"{Description} is write-protected; it cannot be initialised.");
        }

        var so = Pin(soPin, nameof(soPin));
        var user = Pin(userPin, nameof(userPin));
        try
        {
            // C_InitToken refuses while this application has a session open on the token.
            CloseSession();
            var padded = new byte[MaxLabelBytes];
            padded.AsSpan().Fill((byte)' ');
            labelBytes.CopyTo(padded, 0);
            Pkcs11Errors.Run(() => _slot.InitToken(so, padded), $"initialising {Description}");
            Refresh();
            Pkcs11Errors.Run(() => Session.Login(CKU.CKU_SO, so), $"logging in to {Description} as security officer");
            Pkcs11Errors.Run(() => Session.InitPin(user), $"setting the user PIN of {Description}");
            Pkcs11Errors.Run(() => Session.Logout(), $"logging the security officer out of {Description}");
            Pkcs11Errors.Run(() => Session.Login(CKU.CKU_USER, user), $"logging in to {Description}");
            _loggedIn = true;
            Refresh();
        }
        finally
        {
            CryptographicOperations.ZeroMemory(so);
            CryptographicOperations.ZeroMemory(user);
        }
    }

    /// <summary>Logs the user in. Already being logged in (another card object of this process on the same token) is fine.</summary>
    /// <exception cref="CardException">
    /// <see cref="CardProblem.WrongPin"/> (the message adds the token's "few tries left" or "one try left"),
    /// <see cref="CardProblem.PinLocked"/>, <see cref="CardProblem.NotInitialized"/>.
    /// </exception>
    public void Login(ReadOnlySpan<char> userPin)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (!Description.Initialized || !Description.UserPinInitialized)
        {
            throw new CardException(CardProblem.NotInitialized, $"{Description} is not initialised or has no user PIN yet; initialise it with the SO PIN first.");
        }

        if (Description.UserPin == UserPinState.Locked)
        {
            throw new CardException(CardProblem.PinLocked, $"The PIN of {Description} is locked; unblock the card (PUK or SO PIN) first.");
        }

        var pin = Pin(userPin, nameof(userPin));
        try
        {
            Session.Login(CKU.CKU_USER, pin);
        }
        catch (Pkcs11Exception ex) when (ex.RV == CKR.CKR_USER_ALREADY_LOGGED_IN)
        {
            // The login belongs to the application, not the session: another Card of this process logged in first.
        }
        catch (Pkcs11Exception ex)
        {
            Refresh();
            throw Pkcs11Errors.Map(ex, $"logging in to {Description}", Description);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(pin);
        }

        _loggedIn = true;
        Refresh();
    }

    /// <summary>Changes the user PIN (<c>C_SetPIN</c>) while logged in.</summary>
    /// <exception cref="CardException"><see cref="CardProblem.WrongPin"/> (the old PIN), <see cref="CardProblem.PinRefused"/> (the new one), <see cref="CardProblem.PinLocked"/>.</exception>
    public void ChangeUserPin(ReadOnlySpan<char> oldPin, ReadOnlySpan<char> newPin)
    {
        RequireLogin();
        var old = Pin(oldPin, nameof(oldPin));
        var @new = Pin(newPin, nameof(newPin));
        try
        {
            Session.SetPin(old, @new);
        }
        catch (Pkcs11Exception ex)
        {
            Refresh();
            throw Pkcs11Errors.Map(ex, $"changing the PIN of {Description}", Description);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(old);
            CryptographicOperations.ZeroMemory(@new);
        }

        Refresh();
    }

    /// <summary>
    /// Reads the card's X.509 certificates and its private keys that have no certificate. Private keys are hidden
    /// until the user logs in, so call it after <see cref="Login"/>.
    /// </summary>
    public CardContents Contents()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        return Pkcs11Errors.Run(ReadContents, $"reading what is on {Description}");
    }

    /// <summary>
    /// Makes the one-time transport key pair (docs/cards.md#transport-key): with <see cref="TransportKeyMode.Auto"/>,
    /// an EC P-256 key on the token when it has <c>CKM_EC_KEY_PAIR_GEN</c>, <c>CKM_ECDH1_DERIVE</c> with
    /// <c>CKF_DERIVE</c> and <c>CKM_AES_KEY_WRAP_PAD</c> with <c>CKF_UNWRAP</c> and the ECDH self-test passes; else an
    /// RSA-2048 key on the token when it has <c>CKM_RSA_PKCS_KEY_PAIR_GEN</c>, and <c>CKM_RSA_PKCS_OAEP</c> and
    /// <c>CKM_AES_KEY_WRAP_PAD</c> with <c>CKF_UNWRAP</c>, and the OAEP self-test passes; else in software. The other
    /// modes force one of these. See <see cref="CardTransportKey"/>.
    /// </summary>
    /// <exception cref="CardException"><see cref="CardProblem.UnsupportedMechanism"/>: a mode on the token that the token cannot do.</exception>
    /// <exception cref="InvalidOperationException">Not logged in.</exception>
    public CardTransportKey CreateTransportKey(TransportKeyMode mode)
    {
        RequireLogin();
        return CardTransportKey.Create(this, mode);
    }

    /// <summary>Writes one recovered key with its certificate; see <see cref="Write(OpenedTransport, IReadOnlyList{KeyToWrite}, IProgress{WrittenKey}?)"/>.</summary>
    public WrittenKey Write(OpenedTransport transport, byte[] wrappedPkcs8, byte[] certificateDer, string label) =>
        Write(transport, [new KeyToWrite(wrappedPkcs8, certificateDer, label)])[0];

    /// <summary>
    /// Writes recovered keys, each with its certificate under one <c>CKA_ID</c>, and reports each as it is done.
    /// </summary>
    /// <remarks>
    /// <para>Every key's place is decided before anything is written (<see cref="KeySlots.Assign"/>): a PIV card
    /// without enough free retired slots refuses the whole write. Writing is idempotent: a certificate already on the
    /// card with its key is left alone, a key left without its certificate by an interrupted write gets its
    /// certificate, and a certificate without its key gets the key.</para>
    /// <para>With a transport on the token the key is unwrapped straight into a token object
    /// (<c>C_UnwrapKey</c>, <c>CKM_AES_KEY_WRAP_PAD</c>); in software it is unwrapped in memory and imported
    /// (<c>C_CreateObject</c>). Either way the key is private, sensitive and not extractable. After writing, the key
    /// on the card is checked against the certificate (RSA: modulus and exponent; EC: curve and a signature); on a
    /// mismatch what this call wrote for that key is deleted. If writing the certificate fails, the key just written
    /// is deleted again, so a failure leaves the card as it was for that key; keys written before stay.</para>
    /// </remarks>
    /// <param name="transport">The opened transport of a transport key made by this card.</param>
    /// <param name="keys">The keys, none twice.</param>
    /// <param name="progress">Told of each key when it is on the card (synchronously, in order), or null.</param>
    /// <exception cref="CardException">
    /// <see cref="CardProblem.NotEnoughSlots"/>, <see cref="CardProblem.KeyMismatch"/>, <see cref="CardProblem.PackageUnreadable"/>,
    /// <see cref="CardProblem.TokenFull"/>, <see cref="CardProblem.ReadOnly"/>, <see cref="CardProblem.UnsupportedMechanism"/>, ….
    /// </exception>
    /// <exception cref="InvalidOperationException">Not logged in.</exception>
    public IReadOnlyList<WrittenKey> Write(OpenedTransport transport, IReadOnlyList<KeyToWrite> keys, IProgress<WrittenKey>? progress = null)
    {
        RequireLogin();
        ArgumentNullException.ThrowIfNull(transport);
        ArgumentNullException.ThrowIfNull(keys);
        ObjectDisposedException.ThrowIf(transport.IsDisposed, transport);
        if (!ReferenceEquals(transport.TransportKey.Card, this))
        {
            throw new ArgumentException("The transport was opened for another card.", nameof(transport));
        }

        foreach (var key in keys)
        {
            ArgumentNullException.ThrowIfNull(key, nameof(keys));
            ArgumentNullException.ThrowIfNull(key.WrappedPkcs8, nameof(keys));
            ArgumentNullException.ThrowIfNull(key.CertificateDer, nameof(keys));
            ArgumentException.ThrowIfNullOrWhiteSpace(key.Label, nameof(keys));
        }

        if (Description.WriteProtected)
        {
            throw new CardException(CardProblem.ReadOnly, $"{Description} is write-protected; nothing was written.");
        }

        var placements = KeySlots.Assign(Contents(), [.. keys.Select(k => k.CertificateDer)], Description.IsPiv);
        var written = new List<WrittenKey>(keys.Count);
        for (var i = 0; i < keys.Count; i++)
        {
            var result = WriteOne(transport, keys[i], placements[i]);
            written.Add(result);
            progress?.Report(result);
        }

        return written;
    }

    /// <summary>
    /// Removes a certificate (found by its DER) and, unless another certificate shares its <c>CKA_ID</c>, the private
    /// and public key objects with that id.
    /// </summary>
    /// <returns>Whether the certificate was on the card.</returns>
    public bool Remove(byte[] certificateDer)
    {
        RequireLogin();
        ArgumentNullException.ThrowIfNull(certificateDer);
        return Pkcs11Errors.Run(
            () =>
            {
                var certificates = Find(new Template().Add(CKA.CKA_TOKEN, true).Add(CKA.CKA_CLASS, CKO.CKO_CERTIFICATE));
                var matching = certificates.Select(h => (Handle: h, Value: ReadBytesIfPresent(h, CKA.CKA_VALUE))).Where(c => c.Value is not null && c.Value.AsSpan().SequenceEqual(certificateDer)).ToList();
                if (matching.Count == 0)
                {
                    return false;
                }

                var ids = matching.Select(c => ReadBytes(c.Handle, CKA.CKA_ID)).ToList();
                foreach (var (handle, _) in matching)
                {
                    Session.DestroyObject(handle);
                }

                foreach (var id in ids.DistinctBy(Convert.ToHexString))
                {
                    if (id.Length == 0 || Find(new Template().Add(CKA.CKA_TOKEN, true).Add(CKA.CKA_CLASS, CKO.CKO_CERTIFICATE).Add(CKA.CKA_ID, id)).Count > 0)
                    {
                        continue;
                    }

                    foreach (var kind in new[] { CKO.CKO_PRIVATE_KEY, CKO.CKO_PUBLIC_KEY })
                    {
                        foreach (var key in Find(new Template().Add(CKA.CKA_TOKEN, true).Add(CKA.CKA_CLASS, kind).Add(CKA.CKA_ID, id)))
                        {
                            Session.DestroyObject(key);
                        }
                    }
                }

                return true;
            },
            $"removing a certificate from {Description}");
    }

    /// <summary>Closes the session, which destroys the transport key and any opened AES key with it.</summary>
    public void Dispose()
    {
        if (!_disposed)
        {
            _disposed = true;
            CloseSession();
        }
    }

    internal static Card Open(CardModule module, ISlot slot, TokenDescription description) => new(module, slot, description);

    /// <summary>The mechanisms an on-token RSA transport key needs that the token lacks (or lacks with <c>CKF_UNWRAP</c>).</summary>
    internal List<string> MissingUnwrapMechanisms() =>
        Missing((CKM.CKM_RSA_PKCS_KEY_PAIR_GEN, null), (CKM.CKM_RSA_PKCS_OAEP, Flag.Unwrap), (CKM.CKM_AES_KEY_WRAP_PAD, Flag.Unwrap));

    /// <summary>The mechanisms an on-token EC transport key needs that the token lacks (or lacks with <c>CKF_DERIVE</c>, <c>CKF_UNWRAP</c>).</summary>
    internal List<string> MissingEcMechanisms() =>
        Missing((CKM.CKM_EC_KEY_PAIR_GEN, null), (CKM.CKM_ECDH1_DERIVE, Flag.Derive), (CKM.CKM_AES_KEY_WRAP_PAD, Flag.Unwrap));

    internal byte[] ReadBytes(IObjectHandle handle, CKA type) => ObjectAttributes.ReadBytes(Session, handle, type);

    internal ulong ReadUlong(IObjectHandle handle, CKA type)
    {
        var attributes = Session.GetAttributeValue(handle, [type]);
        try
        {
            return attributes[0].CannotBeRead ? 0 : attributes[0].GetValueAsUlong();
        }
        finally
        {
            attributes.ForEach(a => a.Dispose());
        }
    }

    internal void Destroy(IObjectHandle handle) => Pkcs11Errors.Run(() => Session.DestroyObject(handle), $"deleting an object from {Description}");

    /// <summary>Destroys a session object on clean-up, where a failure must not hide the error being reported.</summary>
    internal void DestroyQuietly(IObjectHandle handle)
    {
        if (_session is null || _disposed)
        {
            return;
        }

        try
        {
            _session.DestroyObject(handle);
        }
        catch (Pkcs11Exception)
        {
            // Already gone with its session, or the token is away: nothing left to clean.
        }
    }

    private List<string> Missing(params (CKM Mechanism, Flag? Flag)[] needed)
    {
        var mechanisms = Pkcs11Errors.Run(() => _slot.GetMechanismList(), $"reading the mechanisms of {Description}").ToHashSet();
        var missing = new List<string>();
        foreach (var (mechanism, flag) in needed)
        {
            if (!mechanisms.Contains(mechanism))
            {
                missing.Add(flag is null ? mechanism.ToString() : $"{mechanism} with CKF_{flag.Value.ToString().ToUpperInvariant()}");
                continue;
            }

            if (flag is not null)
            {
                var flags = Pkcs11Errors.Run(() => _slot.GetMechanismInfo(mechanism).MechanismFlags, $"reading the mechanisms of {Description}");
                if (!(flag == Flag.Unwrap ? flags.Unwrap : flags.Derive))
                {
                    missing.Add($"{mechanism} with CKF_{flag.Value.ToString().ToUpperInvariant()}");
                }
            }
        }

        return missing;
    }

    private WrittenKey WriteOne(OpenedTransport transport, KeyToWrite key, KeyPlacement placement)
    {
        if (placement.CertificatePresent && placement.KeyPresent)
        {
            return new WrittenKey(placement.Id, key.Label, key.CertificateDer, WriteOutcome.AlreadyPresent);
        }

        using var certificate = X509CertificateLoader.LoadCertificate(key.CertificateDer);
        var publicKey = CertificateKey.Of(certificate);
        var id = Convert.FromHexString(placement.Id);
        IObjectHandle? newKey = null;
        try
        {
            if (!placement.KeyPresent)
            {
                newKey = WriteKey(transport, key, certificate, publicKey, id);
                Verify(newKey, certificate, publicKey, key.Label);
            }

            if (!placement.CertificatePresent)
            {
                WriteCertificate(certificate, key, id);
            }
        }
        catch
        {
            if (newKey is not null)
            {
                DestroyQuietly(newKey);
            }

            throw;
        }

        var outcome = placement switch
        {
            { KeyPresent: true } => WriteOutcome.CertificateAdded,
            { CertificatePresent: true } => WriteOutcome.KeyAdded,
            _ => WriteOutcome.Written,
        };
        return new WrittenKey(placement.Id, key.Label, key.CertificateDer, outcome);
    }

    private IObjectHandle WriteKey(OpenedTransport transport, KeyToWrite key, X509Certificate2 certificate, CertificateKey publicKey, byte[] id)
    {
        using var template = new Template()
            .Add(CKA.CKA_CLASS, CKO.CKO_PRIVATE_KEY)
            .Add(CKA.CKA_KEY_TYPE, publicKey.KeyType == CardKeyType.Rsa ? CKK.CKK_RSA : CKK.CKK_EC)
            .Add(CKA.CKA_TOKEN, true)
            .Add(CKA.CKA_PRIVATE, true)
            .Add(CKA.CKA_SENSITIVE, true)
            .Add(CKA.CKA_EXTRACTABLE, false)
            .Add(CKA.CKA_ID, id)
            .Add(CKA.CKA_LABEL, key.Label)
            .Add(CKA.CKA_SUBJECT, certificate.SubjectName.RawData)
            .Add(CKA.CKA_SIGN, true);
        if (publicKey.KeyType == CardKeyType.Rsa)
        {
            template.Add(CKA.CKA_DECRYPT, true).Add(CKA.CKA_UNWRAP, true);
        }
        else
        {
            template.Add(CKA.CKA_DERIVE, true);
        }

        if (!transport.OnToken)
        {
            return SoftwareKeyImport.Create(Session, transport, key, template);
        }

        using var mechanism = Pkcs11Module.Factories.MechanismFactory.Create(CKM.CKM_AES_KEY_WRAP_PAD);
        try
        {
            return Session.UnwrapKey(mechanism, transport.AesKey!, key.WrappedPkcs8, template.Attributes);
        }
        catch (Pkcs11Exception ex) when (ex.RV == CKR.CKR_GENERAL_ERROR)
        {
            // SoftHSM 2.6.1 answers a failed RFC 5649 integrity check with CKR_GENERAL_ERROR, not CKR_WRAPPED_KEY_INVALID.
            throw new CardException(CardProblem.PackageUnreadable, $"Writing the key of '{key.Label}': the wrapped key does not open with this transport key (wrapped for another one, or altered) ({ex.RV}).", ex);
        }
        catch (Pkcs11Exception ex)
        {
            throw Pkcs11Errors.Map(ex, $"writing the key of '{key.Label}'", Description);
        }
    }

    private void Verify(IObjectHandle key, X509Certificate2 certificate, CertificateKey publicKey, string label)
    {
        var matches = Pkcs11Errors.Run(
            () => publicKey.KeyType == CardKeyType.Rsa
                ? ObjectAttributes.ReadAllBytes(Session, key, CKA.CKA_MODULUS, CKA.CKA_PUBLIC_EXPONENT) is [var modulus, var exponent]
                  && publicKey.HasModulus(modulus)
                  && CertificateKey.Unsigned(exponent).AsSpan().SequenceEqual(publicKey.Exponent)
                : ReadBytes(key, CKA.CKA_EC_PARAMS).AsSpan().SequenceEqual(publicKey.EcParameters) && SignsFor(key, certificate),
            $"checking the key of '{label}'");
        if (!matches)
        {
            throw new CardException(CardProblem.KeyMismatch, $"The key written for '{label}' is not its certificate's; it was deleted again.");
        }
    }

    /// <summary>An EC private key on a card does not show its public point, so it proves itself by a signature.</summary>
    private bool SignsFor(IObjectHandle key, X509Certificate2 certificate)
    {
        var digest = RandomNumberGenerator.GetBytes(32);
        using var mechanism = Pkcs11Module.Factories.MechanismFactory.Create(CKM.CKM_ECDSA);
        var signature = Session.Sign(mechanism, key, digest);
        using var ec = certificate.GetECDsaPublicKey();
        return ec is not null && ec.VerifyHash(digest, signature);
    }

    private void WriteCertificate(X509Certificate2 certificate, KeyToWrite key, byte[] id)
    {
        var serial = new AsnWriter(AsnEncodingRules.DER);
        serial.WriteInteger(certificate.SerialNumberBytes.Span);
        using var template = new Template()
            .Add(CKA.CKA_CLASS, CKO.CKO_CERTIFICATE)
            .Add(CKA.CKA_CERTIFICATE_TYPE, (ulong)CKC.CKC_X_509)
            .Add(CKA.CKA_TOKEN, true)
            .Add(CKA.CKA_PRIVATE, false)
            .Add(CKA.CKA_ID, id)
            .Add(CKA.CKA_LABEL, key.Label)
            .Add(CKA.CKA_SUBJECT, certificate.SubjectName.RawData)
            .Add(CKA.CKA_ISSUER, certificate.IssuerName.RawData)
            .Add(CKA.CKA_SERIAL_NUMBER, serial.Encode())
            .Add(CKA.CKA_VALUE, key.CertificateDer);
        Pkcs11Errors.Run(() => Session.CreateObject(template.Attributes), $"writing the certificate of '{key.Label}'", () => Description);
    }

    private CardContents ReadContents()
    {
        var certificates = new List<(byte[] Id, string Label, byte[] Der)>();
        foreach (var handle in Find(new Template().Add(CKA.CKA_TOKEN, true).Add(CKA.CKA_CLASS, CKO.CKO_CERTIFICATE).Add(CKA.CKA_CERTIFICATE_TYPE, (ulong)CKC.CKC_X_509)))
        {
            var der = ReadBytesIfPresent(handle, CKA.CKA_VALUE);
            if (der is { Length: > 0 })
            {
                certificates.Add((ReadBytes(handle, CKA.CKA_ID), ObjectAttributes.ReadString(Session, handle, CKA.CKA_LABEL), der));
            }
        }

        var keys = new List<CardKey>();
        foreach (var handle in Find(new Template().Add(CKA.CKA_TOKEN, true).Add(CKA.CKA_CLASS, CKO.CKO_PRIVATE_KEY)))
        {
            var id = ReadBytesIfPresent(handle, CKA.CKA_ID);
            if (id is null)
            {
                continue;
            }

            var type = ReadUlong(handle, CKA.CKA_KEY_TYPE) switch
            {
                (ulong)CKK.CKK_RSA => CardKeyType.Rsa,
                (ulong)CKK.CKK_EC => CardKeyType.Ec,
                _ => CardKeyType.Other,
            };
            var modulus = type == CardKeyType.Rsa ? CertificateKey.Unsigned(ReadBytes(handle, CKA.CKA_MODULUS)) : null;
            var point = type == CardKeyType.Ec ? EcPointOfPublicKey(id) : null;
            keys.Add(new CardKey(Convert.ToHexStringLower(id), ObjectAttributes.ReadString(Session, handle, CKA.CKA_LABEL), type, modulus, point));
        }

        var keyIds = keys.Select(k => k.Id).ToHashSet(StringComparer.Ordinal);
        var certificateIds = certificates.Select(c => Convert.ToHexStringLower(c.Id)).ToHashSet(StringComparer.Ordinal);
        return new CardContents(
            [.. certificates.Select(c => new CardCertificate(Convert.ToHexStringLower(c.Id), c.Label, c.Der, c.Id.Length > 0 && keyIds.Contains(Convert.ToHexStringLower(c.Id))))],
            [.. keys.Where(k => !certificateIds.Contains(k.Id))]);
    }

    /// <summary>The point of the EC public key object with this id, unwrapped from its DER OCTET STRING; null when there is none.</summary>
    private byte[]? EcPointOfPublicKey(byte[] id)
    {
        if (id.Length == 0)
        {
            return null;
        }

        var handle = Find(new Template().Add(CKA.CKA_TOKEN, true).Add(CKA.CKA_CLASS, CKO.CKO_PUBLIC_KEY).Add(CKA.CKA_ID, id)).FirstOrDefault();
        var value = handle is null ? null : ReadBytesIfPresent(handle, CKA.CKA_EC_POINT);
        if (value is not { Length: > 0 })
        {
            return null;
        }

        try
        {
            return AsnDecoder.ReadOctetString(value, AsnEncodingRules.DER, out var consumed) is var point && consumed == value.Length ? point : value;
        }
        catch (AsnContentException)
        {
            // Some modules return the bare point, as PKCS#11 v2.01 did.
            return value;
        }
    }

    private List<IObjectHandle> Find(Template template)
    {
        using (template)
        {
            return Session.FindAllObjects(template.Attributes);
        }
    }

    private byte[]? ReadBytesIfPresent(IObjectHandle handle, CKA type) => ObjectAttributes.ReadBytesIfPresent(Session, handle, type);

    private void RequireLogin()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (!_loggedIn)
        {
            throw new InvalidOperationException("Log in to the card first (Card.Login or Card.Initialize).");
        }
    }

    private void Refresh()
    {
        try
        {
            Description = TokenDescription.From(_slot.GetTokenInfo());
        }
        catch (Pkcs11Exception)
        {
            // Keep the last description: the failure being reported matters more than fresh flags.
        }
    }

    private void CloseSession()
    {
        if (_session is null)
        {
            return;
        }

        try
        {
            _session.Dispose();
        }
        catch (Pkcs11Exception)
        {
            // The token went away: the session is gone anyway.
        }

        _session = null;
    }

    private static byte[] Pin(ReadOnlySpan<char> pin, string name)
    {
        if (pin.IsEmpty)
        {
            throw new ArgumentException("A PIN is not empty.", name);
        }

        var bytes = new byte[Encoding.UTF8.GetByteCount(pin)];
        Encoding.UTF8.GetBytes(pin, bytes);
        return bytes;
    }

    /// <summary>The mechanism flag a transport key needs.</summary>
    private enum Flag
    {
        /// <summary><c>CKF_UNWRAP</c>.</summary>
        Unwrap = 1,

        /// <summary><c>CKF_DERIVE</c>.</summary>
        Derive = 2,
    }
}
