namespace Keyward.KeyArchive;

/// <summary>
/// One archived private key: an envelope (the key encrypted under a fresh data key, the data key wrapped by
/// a storage key) bound to its certificate. The core never sees inside the envelope; only the key-material
/// project opens it.
/// </summary>
public sealed class ArchivedKey
{
    private ArchivedKey()
    {
        Id = CertificateId = StorageKeyId = string.Empty;
        Envelope = [];
    }

    public ArchivedKey(string id, string certificateId, byte[] envelope, string storageKeyId, DateTime archivedAt)
    {
        Id = id;
        CertificateId = certificateId;
        Envelope = envelope;
        StorageKeyId = storageKeyId;
        ArchivedAt = archivedAt;
        ConcurrencyStamp = Guid.NewGuid();
    }

    public string Id { get; private set; }

    public string CertificateId { get; private set; }

    /// <summary>The id of the storage key that wraps this envelope's data key (indexed: rotation walks by it).</summary>
    public string StorageKeyId { get; private set; }

    /// <summary>The versioned envelope. Encrypted; never a plaintext key.</summary>
    public byte[] Envelope { get; private set; }

    /// <summary>UTC.</summary>
    public DateTime ArchivedAt { get; private set; }

    public Guid ConcurrencyStamp { get; private set; }

    /// <summary>After rotation: the same encrypted key, its data key wrapped under another storage key.</summary>
    public void Rewrapped(byte[] envelope, string storageKeyId)
    {
        Envelope = envelope;
        StorageKeyId = storageKeyId;
        ConcurrencyStamp = Guid.NewGuid();
    }
}
