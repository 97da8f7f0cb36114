using Keyward.Crypto.Protection;

namespace Keyward.Tokens.Tests.KeyArchive;

/// <summary>The archive contract on the embedded default: a passphrase-protected key store file.</summary>
public sealed class SoftwareKeyStoreContractTests : KeyProtectorContractTests
{
    private const string Passphrase = "correct horse battery staple";
    private readonly DirectoryInfo _folder = Directory.CreateTempSubdirectory("keyward-keystore-");

    protected override string NewStore() => Path.Combine(_folder.FullName, Guid.NewGuid().ToString("N"), "keys.json");

    protected override IKeyProtector OpenProtector(string store) => SoftwareKeyStore.OpenOrCreate(store, Passphrase);

    // Another process opens the same file: a separate instance with its own copy of the keys.
    protected override IKeyProtector OpenProtectorFromAnotherProcess(string store) => SoftwareKeyStore.OpenOrCreate(store, Passphrase);

    protected override IKeyProtector OpenUnrelatedProtector() => SoftwareKeyStore.OpenOrCreate(NewStore(), Passphrase);

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _folder.Delete(recursive: true);
        }

        base.Dispose(disposing);
    }
}
