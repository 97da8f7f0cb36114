using Keyward.Common;

namespace Keyward.Audit;

/// <summary>
/// Appends entries to the chained audit trail inside the caller's unit of work, so that the entry and the
/// state change it describes are saved together or not at all.
/// </summary>
public sealed class AuditTrail
{
    private readonly IKeywardStore _store;
    private readonly TimeProvider _clock;

    public AuditTrail(IKeywardStore store, TimeProvider clock)
    {
        _store = store;
        _clock = clock;
    }

    /// <summary>Stages an entry; it is written by the next <see cref="IKeywardStore.SaveChangesAsync"/>.</summary>
    /// <remarks>
    /// The entry gets its place in the chain (sequence number and hashes) when the store saves it, under a lock
    /// that every writer of the trail takes: units of work that save at the same time are chained one after
    /// the other instead of colliding, and an entry discarded or lost with its unit of work leaves no gap.
    /// </remarks>
    public Task AppendAsync(AuditEntry entry, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(entry);
        cancellationToken.ThrowIfCancellationRequested();
        _store.Add(AuditEvent.Record(entry, _clock.GetUtcNow().UtcDateTime));
        return Task.CompletedTask;
    }
}
