using System.Diagnostics;
using Keyward.Crypto.Protection;
using Keyward.Crypto.Recovery;
using Keyward.Storage;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Keyward.Benchmarks.Recovery;

/// <summary>
/// The crypto floor of a collect: for one request's keys, open each archived envelope with the server's own
/// storage key and build the PFX with the protection and iteration count a collect with a generated password
/// uses (<see cref="PfxPackager.Build"/>, which opens the envelopes itself) — in-process, no HTTP, no database.
/// The envelopes and certificates are the very rows the server recovers, read from its database once, and the
/// key store is a copy of the server's, opened with the same passphrase.
/// </summary>
internal sealed class CryptoFloor : IDisposable
{
    private readonly SoftwareKeyStore _store;
    private readonly string _folder;
    private readonly IReadOnlyList<IReadOnlyList<RecoverableKey>> _requests;
    private readonly IReadOnlyList<byte[]> _chain;
    private readonly string _password;
    private readonly int _iterations;

    private CryptoFloor(SoftwareKeyStore store, string folder, IReadOnlyList<IReadOnlyList<RecoverableKey>> requests, IReadOnlyList<byte[]> chain, int keysPerRequest)
    {
        _store = store;
        _folder = folder;
        _requests = requests;
        _chain = chain;
        // The demo's soft-certificate profile keeps the default password policy; a collect draws one like it.
        var policy = Keyward.Profiles.SecretPolicy.DefaultPassword;
        var drawn = PfxPackager.GeneratePassword(policy.MinLength, policy.MaxLength, policy.RequireUpper, policy.RequireLower, policy.RequireDigit, policy.RequireSymbol, policy.DigitsOnly);
        _password = drawn.Value;
        _iterations = PfxPackager.IterationsFor(drawn.HasFullEntropy, keysPerRequest);
    }

    public int Iterations => _iterations;

    /// <param name="server">The running server (its data folder and key store passphrase).</param>
    /// <param name="databaseConnectionString">PostgreSQL's connection string, or null for the server's SQLite file.</param>
    /// <param name="groups">The certificate ids of each request, as the load asks for them.</param>
    /// <param name="chain">The CA certificate the server adds to every PFX.</param>
    /// <param name="cancellationToken">Cancels reading the rows.</param>
    public static async Task<CryptoFloor> OpenAsync(ServerProcess server, string? databaseConnectionString, IReadOnlyList<IReadOnlyList<string>> groups, byte[] chain, CancellationToken cancellationToken)
    {
        var options = databaseConnectionString is null
            ? new StorageOptions { Provider = DatabaseProvider.Sqlite }
            : new StorageOptions { Provider = DatabaseProvider.Postgres, ConnectionString = databaseConnectionString };
        var ids = groups.SelectMany(g => g).ToList();
        Dictionary<string, RecoverableKey> keys;
        var services = new ServiceCollection().AddKeywardStorage(options, server.DataDirectory).BuildServiceProvider();
        await using (services.ConfigureAwait(false))
        {
            await using var scope = services.CreateAsyncScope();
            var db = scope.ServiceProvider.GetRequiredService<KeywardDbContext>();
            var rows = await db.Certificates.AsNoTracking()
                .Where(c => ids.Contains(c.Id))
                .Join(db.ArchivedKeys.AsNoTracking(), c => c.ArchivedKeyId, k => k.Id, (c, k) => new { c.Id, c.RawData, k.Envelope })
                .ToListAsync(cancellationToken).ConfigureAwait(false);
            keys = rows.ToDictionary(r => r.Id, r => new RecoverableKey(r.Id, r.RawData, r.Envelope), StringComparer.Ordinal);
        }

        if (databaseConnectionString is null)
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        }

        var folder = Directory.CreateTempSubdirectory("keyward-floor-").FullName;
        var copy = Path.Combine(folder, "keystore.json");
        File.Copy(Path.Combine(server.DataDirectory, "keystore.json"), copy);
        var store = SoftwareKeyStore.OpenOrCreate(copy, server.Passphrase);
        var requests = groups.Select(g => (IReadOnlyList<RecoverableKey>)g.Select(id => keys[id]).ToList()).ToList();
        return new CryptoFloor(store, folder, requests, [chain], groups[0].Count);
    }

    /// <summary>One collect's cryptography.</summary>
    public byte[] Build(int request) =>
        PfxPackager.Build(_store, _requests[request % _requests.Count], _chain, _password, PfxEncryption.Aes256Sha256, _iterations);

    /// <summary>Builds <paramref name="count"/> PFX files on <paramref name="threads"/> threads; returns the wall time and each build's time.</summary>
    public (TimeSpan Elapsed, double[] Milliseconds) Run(int count, int threads)
    {
        var times = new double[count];
        var next = -1;
        var started = Stopwatch.GetTimestamp();
        var workers = Enumerable.Range(0, threads).Select(worker => new Thread(() =>
        {
            int i;
            while ((i = Interlocked.Increment(ref next)) < count)
            {
                var one = Stopwatch.GetTimestamp();
                GC.KeepAlive(Build(i));
                times[i] = Stopwatch.GetElapsedTime(one).TotalMilliseconds;
            }
        })).ToList();
        foreach (var thread in workers)
        {
            thread.Start();
        }

        foreach (var thread in workers)
        {
            thread.Join();
        }

        return (Stopwatch.GetElapsedTime(started), times);
    }

    public void Dispose()
    {
        _store.Dispose();
        Directory.Delete(_folder, recursive: true);
    }
}
