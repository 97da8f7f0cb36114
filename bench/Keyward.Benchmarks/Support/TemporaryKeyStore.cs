using Keyward.Crypto.Protection;

namespace Keyward.Benchmarks.Support;

/// <summary>A <see cref="SoftwareKeyStore"/> in a fresh temporary folder, deleted with it.</summary>
internal sealed class TemporaryKeyStore : IDisposable
{
    private readonly string _folder;

    public TemporaryKeyStore()
    {
        _folder = Directory.CreateTempSubdirectory("keyward-bench-").FullName;
        Store = SoftwareKeyStore.OpenOrCreate(Path.Combine(_folder, "keys.json"), "benchmark passphrase");
    }

    public SoftwareKeyStore Store { get; }

    public void Dispose()
    {
        Store.Dispose();
        Directory.Delete(_folder, recursive: true);
    }
}
