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
    private AuditEvent? _last;

    public AuditTrail(IKeywardStore store, TimeProvider clock)
    {
        _store = store;
        _clock = clock;
    }

    /// <summary>Stages an entry; it is written by the next <see cref="IKeywardStore.SaveChangesAsync"/>.</summary>
    /// <remarks>Two writers racing for the same sequence number collide on its unique index: one save fails and
    /// its whole unit of work is rolled back, so the chain stays linear.</remarks>
    public async Task AppendAsync(AuditEntry entry, CancellationToken cancellationToken)
    {
        // Chain onto our own staged entry while it is pending; once it is saved, discarded or lost in a race,
        // read the tail again, so a refusal recorded after a lost race links to what is really stored.
        if (_last is null || !_store.IsPendingAdd(_last))
        {
            _last = await _store.FirstOrDefaultAsync(_store.AuditEvents.OrderByDescending(e => e.Sequence), cancellationToken).ConfigureAwait(false);
        }

        var next = AuditEvent.Chain(_last, entry, _clock.GetUtcNow().UtcDateTime);
        _store.Add(next);
        _last = next;
    }
}
