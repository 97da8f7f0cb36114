using System.Buffers;
using System.Collections.Concurrent;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Keyward.Crypto.Protection;
using Keyward.Tokens.Pkcs11;
using Net.Pkcs11Interop.Common;
using Net.Pkcs11Interop.HighLevelAPI;

namespace Keyward.Tokens.Protection;

/// <summary>
/// The <see cref="IKeyProtector"/> of production deployments: storage keys and CA keys are generated inside a
/// PKCS#11 token (an HSM; SoftHSM2 in tests), are sensitive and non-extractable, and are only ever used there.
/// </summary>
/// <remarks>
/// <para><b>Storage keys</b> are AES-256 secret keys labelled <c>{prefix}-storage-{id}</c> with <c>CKA_WRAP</c> and
/// <c>CKA_UNWRAP</c> and nothing else. A data key is wrapped with <c>CKM_AES_KEY_WRAP_PAD</c> (RFC 5649, the same
/// format as <see cref="SoftwareKeyStore"/>): it enters the token as a short-lived session object, is wrapped by
/// <c>C_WrapKey</c>, and the session object is destroyed; unwrapping is <c>C_UnwrapKey</c> into a session object
/// whose value is read once and which is then destroyed.</para>
/// <para><b>The active storage key</b> is recorded on the token, so that every server process sharing the HSM agrees
/// on it: a private data object labelled <c>{prefix}-active-storage-key</c> whose value is <c>"{sequence} {id}"</c>.
/// Tokens do not let a data object's value change, so a rotation creates a marker with the next sequence number and
/// then destroys the older ones; a reader takes the highest sequence (then the highest id), so a reader between the
/// two steps, or two rotations racing, still give one answer everywhere. Wrapping re-reads the marker at most once a
/// second; unwrapping under an id this process has not seen looks the key up on the token.</para>
/// <para><b>CA keys</b> are ECDSA P-384 key pairs labelled <c>{prefix}-ca-{label}</c>; the private half is sensitive,
/// non-extractable and may only sign.</para>
/// <para>Every write to the token follows a search of it in the same session: SoftHSM's file store notices other
/// processes' writes only when it searches, and a write of its own made first would hide them from this process
/// for good (its generation counter is overwritten, not merged).</para>
/// <para>Thread-safe: operations run on pooled sessions after one login. Never logs; exception messages name
/// labels and PKCS#11 return codes, never PINs or key bytes.</para>
/// </remarks>
public sealed class Pkcs11KeyProtector : IKeyProtector
{
    private const string StorageKeyIdPrefix = "sk-";
    private const int StorageKeyIdRandomBytes = 8;
    private const int DataKeySize = 32;

    // RFC 5649 output: at least two 64-bit blocks, always a whole number of them.
    private const int MinWrappedSize = 16;
    private const int WrapBlockSize = 8;

    private static readonly TimeSpan MarkerRefreshInterval = TimeSpan.FromSeconds(1);
    private static readonly SearchValues<char> LowerHexDigits = SearchValues.Create("0123456789abcdef");

    private readonly Pkcs11Module _module;
    private readonly SessionPool _sessions;
    private readonly string _prefix;
    private readonly TimeProvider _time;
    private readonly ConcurrentDictionary<string, IObjectHandle> _storageKeys = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, Pkcs11CaKey> _caKeys = new(StringComparer.Ordinal);
    private readonly object _gate = new();
    private string _activeId = string.Empty;
    private long _markerReadAt;
    private int _disposed;

    private Pkcs11KeyProtector(Pkcs11Module module, SessionPool sessions, Pkcs11KeyProtectorOptions options)
    {
        _module = module;
        _sessions = sessions;
        _prefix = options.KeyLabelPrefix;
        _time = options.TimeProvider;
    }

    public string Kind => "pkcs11";

    /// <summary>The active storage key as recorded on the token, re-read at most once a second.</summary>
    public string ActiveStorageKeyId
    {
        get
        {
            RefreshActiveIfDue();
            return Volatile.Read(ref _activeId);
        }
    }

    /// <summary>Every storage key with this deployment's prefix on the token, read from the token on each call.</summary>
    public IReadOnlyCollection<string> StorageKeyIds => _sessions.Run(session =>
    {
        using var search = new Template().Add(CKA.CKA_CLASS, CKO.CKO_SECRET_KEY).Add(CKA.CKA_KEY_TYPE, CKK.CKK_AES);
        var labelPrefix = StorageKeyLabel(string.Empty);
        return session.FindAllObjects(search.Attributes)
            .Select(handle => ObjectAttributes.ReadStringIfPresent(session, handle, CKA.CKA_LABEL))
            .OfType<string>()
            .Where(label => label.StartsWith(labelPrefix, StringComparison.Ordinal))
            .Select(label => label[labelPrefix.Length..])
            .Where(IsStorageKeyId)
            .Distinct(StringComparer.Ordinal)
            .Order(StringComparer.Ordinal)
            .ToList();
    });

    private string MarkerLabel => $"{_prefix}-active-storage-key";

    /// <summary>
    /// Loads the module (once per process), finds the token by its label, logs in, and reads the active storage
    /// key; on a token without one, creates the first.
    /// </summary>
    /// <exception cref="KeyArchiveException"><see cref="KeyArchiveFailure.ProtectorRefused"/>: no token with that
    /// label, the PIN refused, or the active-key marker names a key that is not on the token.</exception>
    /// <exception cref="FileNotFoundException">The module does not exist.</exception>
    public static Pkcs11KeyProtector Open(Pkcs11KeyProtectorOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentException.ThrowIfNullOrEmpty(options.ModulePath);
        ArgumentException.ThrowIfNullOrEmpty(options.TokenLabel);
        ArgumentException.ThrowIfNullOrEmpty(options.UserPin);
        ArgumentNullException.ThrowIfNull(options.TimeProvider);
        if (!IsLabelPart(options.KeyLabelPrefix))
        {
            throw new ArgumentException("The key label prefix may hold only letters, digits, '.', '_' and '-'.", nameof(options));
        }

        var module = Pkcs11Module.Acquire(options.ModulePath);
        SessionPool? sessions = null;
        try
        {
            var slot = FindSlot(module, options.TokenLabel);
            var pin = Encoding.UTF8.GetBytes(options.UserPin);
            try
            {
                sessions = new SessionPool(slot, pin);
            }
            catch (Pkcs11Exception ex)
            {
                CryptographicOperations.ZeroMemory(pin);
                throw new KeyArchiveException(KeyArchiveFailure.ProtectorRefused, $"The token '{options.TokenLabel}' refused the user login ({ex.RV}).", ex);
            }

            var protector = new Pkcs11KeyProtector(module, sessions, options);
            protector.LoadActiveOrCreateFirst();
            return protector;
        }
        catch
        {
            sessions?.Dispose();
            module.Release();
            throw;
        }
    }

    public byte[] WrapDataKey(ReadOnlySpan<byte> dataKey, out string storageKeyId)
    {
        if (dataKey.Length != DataKeySize)
        {
            throw new ArgumentException($"A data key is {DataKeySize} bytes.", nameof(dataKey));
        }

        RefreshActiveIfDue();
        var id = Volatile.Read(ref _activeId);
        var storageKey = FindStorageKey(id)
            ?? throw new KeyArchiveException(KeyArchiveFailure.ProtectorRefused, $"The active storage key '{id}' is not on the token.");
        var value = dataKey.ToArray();
        try
        {
            storageKeyId = id;
            return _sessions.Run(session =>
            {
                using var template = new Template()
                    .Add(CKA.CKA_CLASS, CKO.CKO_SECRET_KEY)
                    .Add(CKA.CKA_KEY_TYPE, CKK.CKK_AES)
                    .Add(CKA.CKA_TOKEN, false)
                    .Add(CKA.CKA_SENSITIVE, false)
                    .Add(CKA.CKA_EXTRACTABLE, true)
                    .Add(CKA.CKA_VALUE, value);
                var transient = session.CreateObject(template.Attributes);
                try
                {
                    return session.WrapKey(Mechanism(CKM.CKM_AES_KEY_WRAP_PAD), storageKey, transient);
                }
                finally
                {
                    session.DestroyObject(transient);
                }
            });
        }
        finally
        {
            CryptographicOperations.ZeroMemory(value);
        }
    }

    public byte[] UnwrapDataKey(string storageKeyId, ReadOnlySpan<byte> wrappedDataKey)
    {
        ArgumentNullException.ThrowIfNull(storageKeyId);
        var storageKey = FindStorageKey(storageKeyId) ?? throw UnknownStorageKey(storageKeyId);
        if (wrappedDataKey.Length < MinWrappedSize || wrappedDataKey.Length % WrapBlockSize != 0)
        {
            throw new KeyArchiveException(KeyArchiveFailure.Tampered, "The wrapped data key has an impossible length.");
        }

        var wrapped = wrappedDataKey.ToArray();
        try
        {
            return Unwrap(storageKey, wrapped);
        }
        catch (Pkcs11Exception ex) when (IsStaleHandle(ex.RV))
        {
            // Retired by another process since this one cached the handle: look again, once.
            _storageKeys.TryRemove(storageKeyId, out _);
            storageKey = FindStorageKey(storageKeyId) ?? throw UnknownStorageKey(storageKeyId);
            return Unwrap(storageKey, wrapped);
        }
    }

    public string CreateStorageKey()
    {
        lock (_gate)
        {
            var id = StorageKeyIdPrefix + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(StorageKeyIdRandomBytes));
            var handle = _sessions.Run(session =>
            {
                // Every token write here follows a search of the token; see the README ("SoftHSM2").
                _ = FindStorageKeys(session, id);
                using var template = new Template()
                    .Add(CKA.CKA_CLASS, CKO.CKO_SECRET_KEY)
                    .Add(CKA.CKA_KEY_TYPE, CKK.CKK_AES)
                    .Add(CKA.CKA_VALUE_LEN, (ulong)DataKeySize)
                    .Add(CKA.CKA_TOKEN, true)
                    .Add(CKA.CKA_PRIVATE, true)
                    .Add(CKA.CKA_SENSITIVE, true)
                    .Add(CKA.CKA_EXTRACTABLE, false)
                    .Add(CKA.CKA_MODIFIABLE, false)
                    .Add(CKA.CKA_WRAP, true)
                    .Add(CKA.CKA_UNWRAP, true)
                    .Add(CKA.CKA_ENCRYPT, false)
                    .Add(CKA.CKA_DECRYPT, false)
                    .Add(CKA.CKA_SIGN, false)
                    .Add(CKA.CKA_VERIFY, false)
                    .Add(CKA.CKA_DERIVE, false)
                    .Add(CKA.CKA_LABEL, StorageKeyLabel(id))
                    .Add(CKA.CKA_ID, Encoding.UTF8.GetBytes(id));
                return session.GenerateKey(Mechanism(CKM.CKM_AES_KEY_GEN), template.Attributes);
            });
            _storageKeys[id] = handle;
            WriteActiveMarker(id);
            return id;
        }
    }

    public void RetireStorageKey(string storageKeyId)
    {
        ArgumentNullException.ThrowIfNull(storageKeyId);
        lock (_gate)
        {
            // Decide on the token's current answer, not on this process's cached one.
            var active = ReadActiveMarker();
            if (active is not null)
            {
                SetActive(active);
            }

            if (storageKeyId == _activeId)
            {
                throw new KeyArchiveException(KeyArchiveFailure.ProtectorRefused, "The active storage key cannot be retired; rotate first.");
            }

            _storageKeys.TryRemove(storageKeyId, out _);
            if (!IsStorageKeyId(storageKeyId))
            {
                return;
            }

            _sessions.Run(session =>
            {
                foreach (var handle in FindStorageKeys(session, storageKeyId))
                {
                    session.DestroyObject(handle);
                }
            });
        }
    }

    public ICaSigningKey GetOrCreateCaKey(string label)
    {
        ArgumentException.ThrowIfNullOrEmpty(label);
        if (!IsLabelPart(label))
        {
            throw new ArgumentException("A CA key label may hold only letters, digits, '.', '_' and '-'.", nameof(label));
        }

        if (_caKeys.TryGetValue(label, out var cached))
        {
            return cached;
        }

        lock (_gate)
        {
            if (_caKeys.TryGetValue(label, out cached))
            {
                return cached;
            }

            var objectLabel = $"{_prefix}-ca-{label}";
            var key = _sessions.Run(session => Pkcs11CaKey.Find(_sessions, session, objectLabel) ?? Pkcs11CaKey.Generate(_sessions, session, objectLabel));
            _caKeys[label] = key;
            return key;
        }
    }

    /// <summary>Logs out (by closing this protector's sessions) and releases the module.</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        _sessions.Dispose();
        _module.Release();
    }

    private static ISlot FindSlot(Pkcs11Module module, string tokenLabel)
    {
        var slots = module.PresentTokens(out var unreadable)
            .Select(token => (token.Slot, Label: token.Info.Label.TrimEnd()))
            .ToList();
        var matching = slots.Where(s => s.Label == tokenLabel).ToList();
        return matching.Count switch
        {
            1 => matching[0].Slot,
            0 => throw new KeyArchiveException(
                KeyArchiveFailure.ProtectorRefused,
                $"No token labelled '{tokenLabel}' in {module.Path} (tokens present: {string.Join(", ", slots.Select(s => $"'{s.Label}'"))}"
                + (unreadable > 0 ? $"; {unreadable} more could not be read" : string.Empty)
                + "). A token initialised after the module was loaded is seen after a restart."),
            _ => throw new KeyArchiveException(KeyArchiveFailure.ProtectorRefused, $"{matching.Count} tokens are labelled '{tokenLabel}' in {module.Path}; labels must be unique."),
        };
    }

    private static IMechanism Mechanism(CKM type) => Pkcs11Module.Factories.MechanismFactory.Create(type);

    private static bool IsLabelPart(string text) =>
        text.Length is > 0 and <= 64 && text.All(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '-');

    private static bool IsStorageKeyId(string id) =>
        id.Length == StorageKeyIdPrefix.Length + (2 * StorageKeyIdRandomBytes)
        && id.StartsWith(StorageKeyIdPrefix, StringComparison.Ordinal)
        && id.AsSpan(StorageKeyIdPrefix.Length).ContainsAnyExcept(LowerHexDigits) is false;

    private static bool IsStaleHandle(CKR rv) =>
        rv is CKR.CKR_KEY_HANDLE_INVALID or CKR.CKR_OBJECT_HANDLE_INVALID or CKR.CKR_WRAPPING_KEY_HANDLE_INVALID or CKR.CKR_UNWRAPPING_KEY_HANDLE_INVALID;

    /// <summary>
    /// The answers a token gives when a wrapped key fails RFC 5649's integrity check. The standard answers are
    /// <c>CKR_WRAPPED_KEY_INVALID</c> / <c>_LEN_RANGE</c> (or <c>CKR_ENCRYPTED_DATA_*</c>); SoftHSM 2.6.1 answers
    /// <c>CKR_GENERAL_ERROR</c>. The unwrapping key is known to be valid at this point (a stale handle answers
    /// otherwise), so these mean the blob, not the token.
    /// </summary>
    private static bool IsIntegrityFailure(CKR rv) =>
        rv is CKR.CKR_WRAPPED_KEY_INVALID or CKR.CKR_WRAPPED_KEY_LEN_RANGE
            or CKR.CKR_ENCRYPTED_DATA_INVALID or CKR.CKR_ENCRYPTED_DATA_LEN_RANGE
            or CKR.CKR_GENERAL_ERROR or CKR.CKR_FUNCTION_FAILED;

    private static KeyArchiveException UnknownStorageKey(string id) =>
        new(KeyArchiveFailure.UnknownStorageKey, $"Storage key '{id}' is not on this token (retired, or from another deployment).");

    private static (long Sequence, string Id)? ParseMarker(string value)
    {
        var parts = value.Split(' ');
        return parts.Length == 2 && long.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var sequence) && IsStorageKeyId(parts[1])
            ? (sequence, parts[1])
            : null;
    }

    private byte[] Unwrap(IObjectHandle storageKey, byte[] wrapped)
    {
        try
        {
            return _sessions.Run(session =>
            {
                using var template = new Template()
                    .Add(CKA.CKA_CLASS, CKO.CKO_SECRET_KEY)
                    .Add(CKA.CKA_KEY_TYPE, CKK.CKK_AES)
                    .Add(CKA.CKA_TOKEN, false)
                    .Add(CKA.CKA_SENSITIVE, false)
                    .Add(CKA.CKA_EXTRACTABLE, true);
                var transient = session.UnwrapKey(Mechanism(CKM.CKM_AES_KEY_WRAP_PAD), storageKey, wrapped, template.Attributes);
                try
                {
                    return ObjectAttributes.ReadBytes(session, transient, CKA.CKA_VALUE);
                }
                finally
                {
                    session.DestroyObject(transient);
                }
            });
        }
        catch (Pkcs11Exception ex) when (IsIntegrityFailure(ex.RV))
        {
            throw new KeyArchiveException(KeyArchiveFailure.Tampered, $"The wrapped data key failed its integrity check ({ex.RV}).", ex);
        }
    }

    private string StorageKeyLabel(string id) => $"{_prefix}-storage-{id}";

    private List<IObjectHandle> FindStorageKeys(ISession session, string id)
    {
        using var search = new Template()
            .Add(CKA.CKA_CLASS, CKO.CKO_SECRET_KEY)
            .Add(CKA.CKA_KEY_TYPE, CKK.CKK_AES)
            .Add(CKA.CKA_LABEL, StorageKeyLabel(id));
        return session.FindAllObjects(search.Attributes);
    }

    /// <summary>The handle of a storage key: cached, or looked up on the token (another process may have made it).</summary>
    private IObjectHandle? FindStorageKey(string id)
    {
        if (_storageKeys.TryGetValue(id, out var handle))
        {
            return handle;
        }

        if (!IsStorageKeyId(id))
        {
            return null;
        }

        handle = _sessions.Run(session => FindStorageKeys(session, id).FirstOrDefault());
        if (handle is not null)
        {
            _storageKeys[id] = handle;
        }

        return handle;
    }

    private void LoadActiveOrCreateFirst()
    {
        lock (_gate)
        {
            var active = ReadActiveMarker();
            if (active is null)
            {
                CreateStorageKey();
                return;
            }

            if (FindStorageKey(active) is null)
            {
                throw new KeyArchiveException(KeyArchiveFailure.ProtectorRefused, $"The token's active-key marker '{MarkerLabel}' names storage key '{active}', which is not on the token.");
            }

            SetActive(active);
        }
    }

    private void RefreshActiveIfDue()
    {
        var readAt = Interlocked.Read(ref _markerReadAt);
        if (_time.GetElapsedTime(readAt) < MarkerRefreshInterval)
        {
            return;
        }

        // One thread re-reads; the others go on with the id they have.
        if (Interlocked.CompareExchange(ref _markerReadAt, _time.GetTimestamp(), readAt) != readAt)
        {
            return;
        }

        var active = ReadActiveMarker();
        if (active is not null)
        {
            Volatile.Write(ref _activeId, active);
        }
    }

    private void SetActive(string id)
    {
        Volatile.Write(ref _activeId, id);
        Interlocked.Exchange(ref _markerReadAt, _time.GetTimestamp());
    }

    private string? ReadActiveMarker() => _sessions.Run(session => Winner(ReadMarkers(session))?.Id);

    private List<(IObjectHandle Handle, long Sequence, string Id)> ReadMarkers(ISession session)
    {
        using var search = new Template()
            .Add(CKA.CKA_CLASS, CKO.CKO_DATA)
            .Add(CKA.CKA_LABEL, MarkerLabel);
        var markers = new List<(IObjectHandle, long, string)>();
        foreach (var handle in session.FindAllObjects(search.Attributes))
        {
            // A marker can vanish between the search and the read: another process's rotation destroyed it.
            if (ObjectAttributes.ReadStringIfPresent(session, handle, CKA.CKA_VALUE) is { } value && ParseMarker(value) is { } parsed)
            {
                markers.Add((handle, parsed.Sequence, parsed.Id));
            }
        }

        return markers;
    }

    private static (IObjectHandle Handle, long Sequence, string Id)? Winner(List<(IObjectHandle Handle, long Sequence, string Id)> markers) =>
        markers.Count == 0 ? null : markers.OrderByDescending(m => m.Sequence).ThenByDescending(m => m.Id, StringComparer.Ordinal).First();

    /// <summary>How often a marker is written again when a concurrent writer left none visible.</summary>
    private const int MarkerAttempts = 5;

    /// <summary>Records <paramref name="id"/> as the active storage key on the token (see the class remarks).</summary>
    private void WriteActiveMarker(string id)
    {
        var winner = _sessions.Run(session =>
        {
            // Another process writing at the same moment may remove this marker before its own is visible to this
            // session; the token then shows no marker at all, and this one is written again.
            for (var attempt = 1; ; attempt++)
            {
                var sequence = ReadMarkers(session).Select(m => m.Sequence).DefaultIfEmpty(0).Max() + 1;
                using (var marker = new Template()
                    .Add(CKA.CKA_CLASS, CKO.CKO_DATA)
                    .Add(CKA.CKA_TOKEN, true)
                    .Add(CKA.CKA_PRIVATE, true)
                    .Add(CKA.CKA_APPLICATION, "keyward")
                    .Add(CKA.CKA_LABEL, MarkerLabel)
                    .Add(CKA.CKA_VALUE, Encoding.UTF8.GetBytes(string.Create(CultureInfo.InvariantCulture, $"{sequence} {id}"))))
                {
                    session.CreateObject(marker.Attributes);
                }

                var markers = ReadMarkers(session);
                if (Winner(markers) is not { } best)
                {
                    if (attempt < MarkerAttempts)
                    {
                        continue;
                    }

                    return id;
                }

                foreach (var older in markers.Where(m => m.Handle.ObjectId != best.Handle.ObjectId))
                {
                    try
                    {
                        session.DestroyObject(older.Handle);
                    }
                    catch (Pkcs11Exception ex) when (IsStaleHandle(ex.RV))
                    {
                        // Another process removed it first.
                    }
                }

                return best.Id;
            }
        });
        SetActive(winner);
    }
}
