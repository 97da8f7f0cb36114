using Keyward.Audit;
using Keyward.Common;
using Keyward.Recovery;

namespace Keyward.KeyArchive;

/// <summary>Progress of a rotation: envelopes re-wrapped so far out of those that needed it.</summary>
public sealed record RotationProgress(int Rewrapped, int Total);

/// <summary>What a rotation did.</summary>
public sealed record RotationSummary(string ActiveStorageKeyId, bool Resumed, int Rewrapped, IReadOnlyList<string> Retired);

/// <summary>
/// Rotates the archive's storage key online: a new storage key becomes active, every envelope's data key is
/// re-wrapped under it in batches (each batch saved in its own transaction), and old keys are retired once
/// no envelope references them. Archived keys are never decrypted or re-encrypted.
/// </summary>
/// <remarks>
/// Resumable: if a run stops midway, envelopes still reference the old key, and the next run continues with
/// the key that is already active instead of making another one. Running servers pick up the new active key
/// within a second; a key is retired only after a pause longer than that, when a second count still finds
/// no envelope under it.
/// </remarks>
public sealed class StorageKeyRotation
{
    public const int DefaultBatchSize = 200;

    private readonly IKeywardStoreFactory _stores;
    private readonly IKeyArchive _archive;
    private readonly TimeProvider _clock;

    /// <param name="stores">Makes a fresh unit of work; one is used per batch so memory stays flat.</param>
    /// <param name="archive">The storage keys.</param>
    /// <param name="clock">The clock (also times the settle delay).</param>
    public StorageKeyRotation(IKeywardStoreFactory stores, IKeyArchive archive, TimeProvider clock)
    {
        _stores = stores;
        _archive = archive;
        _clock = clock;
    }

    /// <summary>Time given to running servers to notice a new active key before old keys are retired.</summary>
    public TimeSpan SettleDelay { get; init; } = TimeSpan.FromSeconds(2);

    public async Task<RotationSummary> RotateAsync(string actor, IProgress<RotationProgress>? progress, int batchSize, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(batchSize, 1);
        var active = _archive.ActiveStorageKeyId;
        var pending = await CountNotUnderAsync(active, cancellationToken).ConfigureAwait(false);
        var resumed = pending > 0;
        if (!resumed)
        {
            active = _archive.CreateStorageKey();
            pending = await CountNotUnderAsync(active, cancellationToken).ConfigureAwait(false);
        }

        await AuditAsync(actor, "archive.rotation_started", resumed ? $"Resumed rotation to storage key {active}: {pending} envelopes to re-wrap." : $"New storage key {active}: {pending} envelopes to re-wrap.", cancellationToken).ConfigureAwait(false);

        var done = 0;
        var total = pending;
        progress?.Report(new RotationProgress(0, total));
        while (true)
        {
            await using var owned = _stores.Create();
            var store = owned.Store;
            var current = active;
            var batch = await store.ToListAsync(store.ArchivedKeys.Where(k => k.StorageKeyId != current).OrderBy(k => k.Id).Take(batchSize), cancellationToken).ConfigureAwait(false);
            if (batch.Count == 0)
            {
                // Anything a running server sealed under the old key in the meantime is caught by a second look.
                await Task.Delay(SettleDelay, _clock, cancellationToken).ConfigureAwait(false);
                if (await CountNotUnderAsync(active, cancellationToken).ConfigureAwait(false) == 0)
                {
                    break;
                }

                continue;
            }

            foreach (var key in batch)
            {
                var sealedKey = _archive.Rewrap(key.Envelope);
                key.Rewrapped(sealedKey.Envelope, sealedKey.StorageKeyId);
            }

            try
            {
                await store.SaveChangesAsync(cancellationToken).ConfigureAwait(false);
                done += batch.Count;
            }
            catch (ConcurrencyConflictException)
            {
                // Another writer touched a row of this batch; the next pass picks up whatever still needs it.
            }

            total = Math.Max(total, done);
            progress?.Report(new RotationProgress(done, total));
        }

        var retired = new List<string>();
        foreach (var old in _archive.StorageKeyIds.Where(id => id != active).ToList())
        {
            if (await CountUnderAsync(old, cancellationToken).ConfigureAwait(false) == 0)
            {
                _archive.RetireStorageKey(old);
                retired.Add(old);
            }
        }

        await AuditAsync(actor, "archive.rotation_completed", $"Storage key {active} active; {done} envelopes re-wrapped; retired {(retired.Count == 0 ? "none" : string.Join(", ", retired))}.", cancellationToken).ConfigureAwait(false);
        return new RotationSummary(active, resumed, done, retired);
    }

    private async Task<int> CountNotUnderAsync(string storageKeyId, CancellationToken cancellationToken)
    {
        await using var owned = _stores.Create();
        var store = owned.Store;
        return await store.CountAsync(store.ArchivedKeys.Where(k => k.StorageKeyId != storageKeyId), cancellationToken).ConfigureAwait(false);
    }

    private async Task<int> CountUnderAsync(string storageKeyId, CancellationToken cancellationToken)
    {
        await using var owned = _stores.Create();
        var store = owned.Store;
        return await store.CountAsync(store.ArchivedKeys.Where(k => k.StorageKeyId == storageKeyId), cancellationToken).ConfigureAwait(false);
    }

    private async Task AuditAsync(string actor, string action, string details, CancellationToken cancellationToken)
    {
        await using var owned = _stores.Create();
        var store = owned.Store;
        await new AuditTrail(store, _clock).AppendAsync(new AuditEntry(null, actor, action, AuditOutcome.Succeeded, Channel.Cli, details), cancellationToken).ConfigureAwait(false);
        await store.SaveChangesAsync(cancellationToken).ConfigureAwait(false);
    }
}
