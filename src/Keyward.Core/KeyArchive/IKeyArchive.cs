namespace Keyward.KeyArchive;

/// <summary>A sealed private key: the envelope to store and the storage key that wraps it.</summary>
public sealed record SealedKey(byte[] Envelope, string StorageKeyId);

/// <summary>The archive's storage keys, as the core may use them: rotate, re-wrap, retire. Never opens a key.</summary>
public interface IKeyArchive
{
    string ActiveStorageKeyId { get; }

    IReadOnlyCollection<string> StorageKeyIds { get; }

    /// <summary>Creates a new storage key and makes it active.</summary>
    string CreateStorageKey();

    /// <summary>Re-wraps an envelope's data key under the active storage key; the encrypted key itself is unchanged.</summary>
    SealedKey Rewrap(byte[] envelope);

    /// <summary>Destroys a storage key that no envelope references.</summary>
    void RetireStorageKey(string storageKeyId);
}
