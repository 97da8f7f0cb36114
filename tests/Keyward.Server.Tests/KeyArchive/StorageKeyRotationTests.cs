using System.Diagnostics;
using System.Security.Cryptography;
using Keyward.Audit;
using Keyward.Common;
using Keyward.Crypto.KeyArchive;
using Keyward.Crypto.Protection;
using Keyward.KeyArchive;
using Keyward.Server.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace Keyward.Server.Tests.KeyArchive;

/// <summary>
/// Storage key rotation: archive N keys, rotate, interrupt the rotation midway (cancelled in-process, and a
/// killed <c>keyward archive rotate</c> process), rotate again, open every key.
/// </summary>
public sealed class StorageKeyRotationTests
{
    [Fact]
    public async Task Rotate_InterruptedMidwayThenRunAgain_ResumesRetiresOldKeyAndEveryKeyOpens()
    {
        await using var server = await DemoServer.StartAsync();
        var originals = await ArchiveExtraKeysAsync(server, 300);
        var protector = server.App.Services.GetRequiredService<IKeyProtector>();
        var oldKey = protector.ActiveStorageKeyId;
        using var interrupt = new CancellationTokenSource();
        var first = Rotation(server);

        // Stop after the second batch, as a crash between two transactions would.
        var reports = 0;
        var progress = new SyncProgress(_ =>
        {
            if (++reports == 3)
            {
                interrupt.Cancel();
            }
        });
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => first.RotateAsync("test", progress, 50, interrupt.Token));

        var midway = await StorageKeysAsync(server);
        Assert.Contains(oldKey, midway.Values);
        Assert.Contains(protector.ActiveStorageKeyId, midway.Values);
        Assert.Contains(oldKey, protector.StorageKeyIds);
        await AssertEveryKeyOpensAsync(server, protector, originals);

        var summary = await Rotation(server).RotateAsync("test", null, 50, CancellationToken.None);

        Assert.True(summary.Resumed);
        Assert.Equal([oldKey], summary.Retired);
        Assert.DoesNotContain(oldKey, protector.StorageKeyIds);
        Assert.All((await StorageKeysAsync(server)).Values, id => Assert.Equal(summary.ActiveStorageKeyId, id));
        await AssertEveryKeyOpensAsync(server, protector, originals);
        var audit = await ActionsAsync(server);
        Assert.Equal(2, audit.Count(a => a == "archive.rotation_started"));
        Assert.Equal(1, audit.Count(a => a == "archive.rotation_completed"));
    }

    [Fact]
    public async Task Rotate_EnvelopesAreRewrappedNotReencrypted()
    {
        await using var server = await DemoServer.StartAsync();
        var before = await EnvelopesAsync(server);

        await Rotation(server).RotateAsync("test", null, 100, CancellationToken.None);

        var after = await EnvelopesAsync(server);
        foreach (var (id, envelope) in before)
        {
            // Header: magic (3), version (1), key id length (1), key id, wrapped length (2), wrapped data key
            // (40 bytes: a 32-byte key under AES-KWP). Everything after it — nonce, tag and the encrypted private
            // key — must be byte-identical after rotation.
            var header = 3 + 1 + 1 + ArchiveEnvelope.StorageKeyIdOf(envelope).Length + 2 + 40;
            Assert.Equal(envelope.Length, after[id].Length);
            Assert.Equal(envelope[header..], after[id][header..]);
            Assert.NotEqual(envelope[..header], after[id][..header]);
            Assert.NotEqual(ArchiveEnvelope.StorageKeyIdOf(envelope), ArchiveEnvelope.StorageKeyIdOf(after[id]));
        }
    }

    [Fact]
    public async Task RotateCommand_KilledMidwayThenRunAgain_CompletesAndEveryKeyOpens()
    {
        var data = Directory.CreateTempSubdirectory("keyward-rotate-").FullName;
        try
        {
            Dictionary<string, byte[]> originals;
            await using (var server = await DemoServer.StartAsync(o => o.DataDirectory = data))
            {
                originals = await ArchiveExtraKeysAsync(server, 600);
            }

            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            using (var killed = StartRotateCommand(data, batchSize: 1))
            {
                // Let it get well into the work, then kill it without warning.
                while (await killed.StandardOutput.ReadLineAsync() is { } line && !line.StartsWith("progress 50/", StringComparison.Ordinal))
                {
                }

                killed.Kill(entireProcessTree: true);
                await killed.WaitForExitAsync();
            }

            using (var resumed = StartRotateCommand(data, batchSize: 200))
            {
                var output = await resumed.StandardOutput.ReadToEndAsync();
                var errors = await resumed.StandardError.ReadToEndAsync();
                await resumed.WaitForExitAsync();
                Assert.True(resumed.ExitCode == 0, errors);
                Assert.Contains("resumed an interrupted rotation", output, StringComparison.Ordinal);
            }

            await using var after = await DemoServer.StartAsync(o => o.DataDirectory = data);
            var protector = after.App.Services.GetRequiredService<IKeyProtector>();
            Assert.Single(protector.StorageKeyIds);
            Assert.All((await StorageKeysAsync(after)).Values, id => Assert.Equal(protector.ActiveStorageKeyId, id));
            await AssertEveryKeyOpensAsync(after, protector, originals);
        }
        finally
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            Directory.Delete(data, recursive: true);
        }
    }

    private static Process StartRotateCommand(string data, int batchSize)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in new[] { Path.Combine(AppContext.BaseDirectory, "keyward.dll"), "archive", "rotate", "--data", data, "--batch-size", batchSize.ToString(System.Globalization.CultureInfo.InvariantCulture) })
        {
            start.ArgumentList.Add(argument);
        }

        start.Environment["KEYWARD_KEYSTORE_PASSPHRASE"] = DemoServer.TestPassphrase;
        return Process.Start(start)!;
    }

    private static StorageKeyRotation Rotation(DemoServer server) =>
        new(server.App.Services.GetRequiredService<IKeywardStoreFactory>(), server.App.Services.GetRequiredService<IKeyArchive>(), TimeProvider.System)
        {
            SettleDelay = TimeSpan.FromMilliseconds(50),
        };

    /// <summary>Archives random "keys" (the archive does not care what it seals) bound to made-up certificates.</summary>
    private static async Task<Dictionary<string, byte[]>> ArchiveExtraKeysAsync(DemoServer server, int count)
    {
        var protector = server.App.Services.GetRequiredService<IKeyProtector>();
        await using var scope = server.App.Services.CreateAsyncScope();
        var store = scope.ServiceProvider.GetRequiredService<IKeywardStore>();
        var originals = new Dictionary<string, byte[]>();
        for (var i = 0; i < count; i++)
        {
            var certificateId = Ids.New();
            var secret = RandomNumberGenerator.GetBytes(1200);
            var (envelope, storageKeyId) = ArchiveEnvelope.Seal(protector, secret, Binding(certificateId));
            var archived = new ArchivedKey(Ids.New(), certificateId, envelope, storageKeyId, DateTime.UtcNow);
            store.Add(archived);
            originals[archived.Id] = secret;
        }

        await store.SaveChangesAsync(CancellationToken.None);
        return originals;
    }

    private static CertificateBinding Binding(string certificateId) => new(certificateId, new string('0', 64));

    private static async Task AssertEveryKeyOpensAsync(DemoServer server, IKeyProtector protector, Dictionary<string, byte[]> originals)
    {
        await using var scope = server.App.Services.CreateAsyncScope();
        var store = scope.ServiceProvider.GetRequiredService<IKeywardStore>();
        var keys = await store.ToListAsync(store.ArchivedKeys, CancellationToken.None);
        var certificates = (await store.ToListAsync(store.Certificates, CancellationToken.None)).ToDictionary(c => c.Id);
        Assert.Equal(originals.Count + certificates.Values.Count(c => c.Archived), keys.Count);
        foreach (var key in keys)
        {
            if (originals.TryGetValue(key.Id, out var original))
            {
                Assert.Equal(original, ArchiveEnvelope.Open(protector, key.Envelope, Binding(key.CertificateId)));
            }
            else
            {
                var certificate = certificates[key.CertificateId];
                var pkcs8 = ArchiveEnvelope.Open(protector, key.Envelope, new CertificateBinding(certificate.Id, certificate.Thumbprint));
                using var rsa = RSA.Create();
                rsa.ImportPkcs8PrivateKey(pkcs8, out _);
                Assert.Equal(2048, rsa.KeySize);
            }
        }
    }

    private static async Task<Dictionary<string, string>> StorageKeysAsync(DemoServer server)
    {
        await using var scope = server.App.Services.CreateAsyncScope();
        var store = scope.ServiceProvider.GetRequiredService<IKeywardStore>();
        return (await store.ToListAsync(store.ArchivedKeys, CancellationToken.None)).ToDictionary(k => k.Id, k => k.StorageKeyId);
    }

    private static async Task<Dictionary<string, byte[]>> EnvelopesAsync(DemoServer server)
    {
        await using var scope = server.App.Services.CreateAsyncScope();
        var store = scope.ServiceProvider.GetRequiredService<IKeywardStore>();
        return (await store.ToListAsync(store.ArchivedKeys, CancellationToken.None)).ToDictionary(k => k.Id, k => k.Envelope);
    }

    private static async Task<List<string>> ActionsAsync(DemoServer server)
    {
        await using var scope = server.App.Services.CreateAsyncScope();
        var store = scope.ServiceProvider.GetRequiredService<IKeywardStore>();
        return await store.ToListAsync(store.AuditEvents.Where(e => e.Outcome == AuditOutcome.Succeeded).Select(e => e.Action), CancellationToken.None);
    }

    /// <summary>Reports synchronously (Progress&lt;T&gt; would post to the thread pool and race the assertion).</summary>
    private sealed class SyncProgress(Action<RotationProgress> report) : IProgress<RotationProgress>
    {
        public void Report(RotationProgress value) => report(value);
    }
}
