using Keyward.Crypto.KeyArchive;
using Keyward.Crypto.Protection;
using Keyward.KeyArchive;

namespace Keyward.Server.KeyArchive;

/// <summary>The core's <see cref="IKeyArchive"/> over the configured key protector.</summary>
internal sealed class KeyArchiveAdapter(IKeyProtector protector) : IKeyArchive
{
    public string ActiveStorageKeyId => protector.ActiveStorageKeyId;

    public IReadOnlyCollection<string> StorageKeyIds => protector.StorageKeyIds;

    public string CreateStorageKey() => protector.CreateStorageKey();

    public SealedKey Rewrap(byte[] envelope)
    {
        var (rewrapped, storageKeyId) = ArchiveEnvelope.Rewrap(protector, envelope);
        return new SealedKey(rewrapped, storageKeyId);
    }

    public void RetireStorageKey(string storageKeyId) => protector.RetireStorageKey(storageKeyId);
}
