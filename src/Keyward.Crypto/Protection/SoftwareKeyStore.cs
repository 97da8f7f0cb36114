using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json;

namespace Keyward.Crypto.Protection;

/// <summary>
/// The embedded default <see cref="IKeyProtector"/>: storage keys and CA keys kept in a file in the data folder,
/// each encrypted with AES-256-GCM under a key derived from a passphrase (PBKDF2-HMAC-SHA256, 600,000
/// iterations, per OWASP 2023).
/// </summary>
/// <remarks>
/// Threat model: a copy of the database alone reveals no private key; a copy of the database and this file
/// still needs the passphrase. Whoever has the passphrase, the file and the database can open every archived
/// key — which is why production deployments keep the storage key in an HSM instead. The keys are held in
/// memory while the server runs and zeroed on <see cref="Dispose"/>. Writes are atomic (temporary file and
/// rename) and the file is owner-read/write only on Unix.
/// </remarks>
public sealed class SoftwareKeyStore : IKeyProtector
{
    private const int FormatVersion = 1;
    private const int Iterations = 600_000;
    private const int NonceSize = 12;
    private const int TagSize = 16;

    private readonly string _path;
    private readonly byte[] _kek;
    private readonly object _gate = new();
    private readonly ConcurrentDictionary<string, byte[]> _storageKeys = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, SoftwareCaKey> _caKeys = new(StringComparer.Ordinal);
    private StoredFile _file;
    private DateTime _loadedWriteTime;
    private long _lastFreshnessCheck;

    private SoftwareKeyStore(string path, byte[] kek, StoredFile file)
    {
        _path = path;
        _kek = kek;
        _file = file;
        _loadedWriteTime = File.Exists(path) ? File.GetLastWriteTimeUtc(path) : default;
        _lastFreshnessCheck = Environment.TickCount64;
    }

    public string Kind => "software";

    public string ActiveStorageKeyId => _file.ActiveStorageKeyId;

    public IReadOnlyCollection<string> StorageKeyIds => _storageKeys.Keys.ToList();

    /// <summary>Opens the key store at <paramref name="path"/>, creating it (with a first storage key) when absent.</summary>
    /// <exception cref="KeyArchiveException">The passphrase is wrong or the file is not a key store.</exception>
    public static SoftwareKeyStore OpenOrCreate(string path, string passphrase)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        ArgumentException.ThrowIfNullOrEmpty(passphrase);
        if (!File.Exists(path))
        {
            var salt = RandomNumberGenerator.GetBytes(16);
            var kek = DeriveKek(passphrase, salt, Iterations);
            var file = new StoredFile(FormatVersion, "PBKDF2-SHA256", Iterations, Convert.ToBase64String(salt), string.Empty, string.Empty, [], []);
            var created = new SoftwareKeyStore(path, kek, file);
            created._file = file with { Check = created.Encrypt(Encoding.UTF8.GetBytes("keyward"), "check") };
            created.CreateStorageKey();
            return created;
        }

        StoredFile? stored;
        try
        {
            stored = JsonSerializer.Deserialize<StoredFile>(File.ReadAllBytes(path));
        }
        catch (JsonException ex)
        {
            throw new KeyArchiveException(KeyArchiveFailure.ProtectorRefused, $"The key store '{path}' is not readable.", ex);
        }

        if (stored is null || stored.Version != FormatVersion)
        {
            throw new KeyArchiveException(KeyArchiveFailure.UnsupportedFormat, $"The key store '{path}' has an unknown format version.");
        }

        var store = new SoftwareKeyStore(path, DeriveKek(passphrase, Convert.FromBase64String(stored.Salt), stored.Iterations), stored);
        try
        {
            CryptographicOperations.ZeroMemory(store.Decrypt(stored.Check, "check"));
        }
        catch (KeyArchiveException ex)
        {
            store.Dispose();
            throw new KeyArchiveException(KeyArchiveFailure.ProtectorRefused, "The key store passphrase is wrong.", ex);
        }

        store.LoadStorageKeys(stored);
        return store;
    }

    public byte[] WrapDataKey(ReadOnlySpan<byte> dataKey, out string storageKeyId)
    {
        // Another process (keyward archive rotate) may have made a new active key: look at most once a second.
        if (Environment.TickCount64 - Interlocked.Read(ref _lastFreshnessCheck) > 1000)
        {
            ReloadIfChanged();
        }

        storageKeyId = _file.ActiveStorageKeyId;
        using var aes = Aes.Create();
        aes.Key = _storageKeys[storageKeyId];
        return aes.EncryptKeyWrapPadded(dataKey);
    }

    public byte[] UnwrapDataKey(string storageKeyId, ReadOnlySpan<byte> wrappedDataKey)
    {
        if (!_storageKeys.TryGetValue(storageKeyId, out var key))
        {
            ReloadIfChanged();
        }

        if (!_storageKeys.TryGetValue(storageKeyId, out key))
        {
            throw new KeyArchiveException(KeyArchiveFailure.UnknownStorageKey, $"Storage key '{storageKeyId}' is not in this key store (retired, or from another deployment).");
        }

        using var aes = Aes.Create();
        aes.Key = key;
        try
        {
            return aes.DecryptKeyWrapPadded(wrappedDataKey);
        }
        catch (Exception ex) when (ex is CryptographicException or ArgumentException)
        {
            // An altered length is not a whole number of RFC 5649 blocks, and .NET rejects that as an argument.
            throw new KeyArchiveException(KeyArchiveFailure.Tampered, "The wrapped data key failed its integrity check.", ex);
        }
    }

    public string CreateStorageKey()
    {
        lock (_gate)
        {
            ReloadIfChanged();
            var id = "sk-" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8));
            var key = RandomNumberGenerator.GetBytes(32);
            var secret = Encrypt(key, "storage:" + id);
            Save(_file with { ActiveStorageKeyId = id, StorageKeys = [.. _file.StorageKeys, new StoredKey(id, secret)] });
            _storageKeys[id] = key;
            return id;
        }
    }

    public void RetireStorageKey(string storageKeyId)
    {
        lock (_gate)
        {
            ReloadIfChanged();
            if (storageKeyId == _file.ActiveStorageKeyId)
            {
                throw new KeyArchiveException(KeyArchiveFailure.ProtectorRefused, "The active storage key cannot be retired; rotate first.");
            }

            Save(_file with { StorageKeys = _file.StorageKeys.Where(k => k.Id != storageKeyId).ToList() });
            if (_storageKeys.TryRemove(storageKeyId, out var key))
            {
                CryptographicOperations.ZeroMemory(key);
            }
        }
    }

    public ICaSigningKey GetOrCreateCaKey(string label)
    {
        ArgumentException.ThrowIfNullOrEmpty(label);
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

            ReloadIfChanged();
            var stored = _file.CaKeys.FirstOrDefault(k => k.Id == label);
            var ecdsa = ECDsa.Create();
            if (stored is null)
            {
                ecdsa.GenerateKey(ECCurve.NamedCurves.nistP384);
                var pkcs8 = ecdsa.ExportPkcs8PrivateKey();
                try
                {
                    Save(_file with { CaKeys = [.. _file.CaKeys, new StoredKey(label, Encrypt(pkcs8, "ca:" + label))] });
                }
                finally
                {
                    CryptographicOperations.ZeroMemory(pkcs8);
                }
            }
            else
            {
                var pkcs8 = Decrypt(stored.Secret, "ca:" + label);
                try
                {
                    ecdsa.ImportPkcs8PrivateKey(pkcs8, out _);
                }
                finally
                {
                    CryptographicOperations.ZeroMemory(pkcs8);
                }
            }

            var key = new SoftwareCaKey(ecdsa);
            _caKeys[label] = key;
            return key;
        }
    }

    public void Dispose()
    {
        foreach (var key in _storageKeys.Values)
        {
            CryptographicOperations.ZeroMemory(key);
        }

        foreach (var key in _caKeys.Values)
        {
            key.Key.Dispose();
        }

        CryptographicOperations.ZeroMemory(_kek);
    }

    private void LoadStorageKeys(StoredFile stored)
    {
        foreach (var key in stored.StorageKeys.Where(k => !_storageKeys.ContainsKey(k.Id)))
        {
            _storageKeys[key.Id] = Decrypt(key.Secret, "storage:" + key.Id);
        }

        foreach (var retired in _storageKeys.Keys.Except(stored.StorageKeys.Select(k => k.Id)).ToList())
        {
            if (_storageKeys.TryRemove(retired, out var old))
            {
                CryptographicOperations.ZeroMemory(old);
            }
        }
    }

    /// <summary>Picks up keys that another process added or retired in the same file.</summary>
    private void ReloadIfChanged()
    {
        lock (_gate)
        {
            Interlocked.Exchange(ref _lastFreshnessCheck, Environment.TickCount64);
            var writeTime = File.Exists(_path) ? File.GetLastWriteTimeUtc(_path) : default;
            if (writeTime == _loadedWriteTime)
            {
                return;
            }

            var stored = JsonSerializer.Deserialize<StoredFile>(File.ReadAllBytes(_path));
            if (stored is null || stored.Version != FormatVersion || stored.Salt != _file.Salt)
            {
                return;
            }

            LoadStorageKeys(stored);
            _file = stored;
            _loadedWriteTime = writeTime;
        }
    }

    private static byte[] DeriveKek(string passphrase, byte[] salt, int iterations) =>
        Rfc2898DeriveBytes.Pbkdf2(Encoding.UTF8.GetBytes(passphrase), salt, iterations, HashAlgorithmName.SHA256, 32);

    private string Encrypt(ReadOnlySpan<byte> secret, string purpose)
    {
        var blob = new byte[NonceSize + TagSize + secret.Length];
        RandomNumberGenerator.Fill(blob.AsSpan(0, NonceSize));
        using var gcm = new AesGcm(_kek, TagSize);
        gcm.Encrypt(blob.AsSpan(0, NonceSize), secret, blob.AsSpan(NonceSize + TagSize), blob.AsSpan(NonceSize, TagSize), Encoding.UTF8.GetBytes(purpose));
        return Convert.ToBase64String(blob);
    }

    private byte[] Decrypt(string encoded, string purpose)
    {
        var blob = Convert.FromBase64String(encoded);
        if (blob.Length < NonceSize + TagSize)
        {
            throw new KeyArchiveException(KeyArchiveFailure.Tampered, "A key store entry is truncated.");
        }

        var secret = new byte[blob.Length - NonceSize - TagSize];
        using var gcm = new AesGcm(_kek, TagSize);
        try
        {
            gcm.Decrypt(blob.AsSpan(0, NonceSize), blob.AsSpan(NonceSize + TagSize), blob.AsSpan(NonceSize, TagSize), secret, Encoding.UTF8.GetBytes(purpose));
        }
        catch (AuthenticationTagMismatchException ex)
        {
            throw new KeyArchiveException(KeyArchiveFailure.Tampered, "A key store entry failed its integrity check (wrong passphrase or altered file).", ex);
        }

        return secret;
    }

    private void Save(StoredFile file)
    {
        var directory = Path.GetDirectoryName(Path.GetFullPath(_path))!;
        Directory.CreateDirectory(directory);
        var temporary = _path + "." + Guid.NewGuid().ToString("N") + ".tmp";
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write, Share = FileShare.None };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        using (var stream = new FileStream(temporary, options))
        {
            JsonSerializer.Serialize(stream, file);
            stream.Flush(flushToDisk: true);
        }

        File.Move(temporary, _path, overwrite: true);
        _file = file;
        _loadedWriteTime = File.GetLastWriteTimeUtc(_path);
    }

    private sealed record StoredKey(string Id, string Secret);

    private sealed record StoredFile(int Version, string Kdf, int Iterations, string Salt, string Check, string ActiveStorageKeyId, List<StoredKey> StorageKeys, List<StoredKey> CaKeys);

    private sealed class SoftwareCaKey(ECDsa key) : ICaSigningKey
    {
        public ECDsa Key { get; } = key;

        public X509SignatureGenerator SignatureGenerator { get; } = X509SignatureGenerator.CreateForECDsa(key);

        public PublicKey PublicKey { get; } = new(key);

        public HashAlgorithmName HashAlgorithm => HashAlgorithmName.SHA384;
    }
}
