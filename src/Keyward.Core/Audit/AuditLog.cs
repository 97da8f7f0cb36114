using System.Globalization;
using System.Linq.Expressions;
using Keyward.Common;
using Keyward.People;
using Keyward.Recovery;
using Keyward.Scopes;

namespace Keyward.Audit;

/// <summary>
/// Reading and verifying the audit trail. Both need the ViewAudit operation; a caller without it gets
/// <see cref="AuditErrors.Forbidden"/>, and the refusal is audited.
/// </summary>
/// <remarks>
/// The list shows the entries whose subject is within the caller's ViewAudit reach (filtered in the
/// database); entries about no person, such as sign-in failures of unknown clients or system work, are shown
/// only to callers whose reach is everyone. Verification walks the whole chain whatever the caller's scope:
/// it answers whether the trail is intact and where it breaks, never the content of entries outside the scope.
/// </remarks>
public sealed class AuditLog
{
    /// <summary>Entries read per query while verifying: the chain is walked, never loaded whole.</summary>
    public const int VerifyBatchSize = 5_000;

    /// <summary>Entries hashed per thread at the least: a smaller batch is hashed on one, where starting others costs more than it saves.</summary>
    private const int MinEntriesPerThread = 512;

    private static readonly Error InvalidRange = InputErrors.InvalidParameter.WithDetail(
        "'from' and 'to' are sequence numbers of audit entries: whole numbers from 1, 'to' not before 'from'.");

    private static readonly Expression<Func<AuditEvent, AuditEntryView>> ToView = e => new AuditEntryView(
        e.Sequence, e.At, e.ActorId, e.ActorName, e.Action, e.Outcome, e.Code, e.SubjectId, e.TargetId, e.Details, e.Channel, e.Hash, e.PreviousHash);

    private readonly IKeywardStore _store;
    private readonly AuditTrail _audit;

    public AuditLog(IKeywardStore store, AuditTrail audit)
    {
        _store = store;
        _audit = audit;
    }

    /// <summary>Entries within the caller's reach that match the filter, newest first.</summary>
    public Task<Result<Page<AuditEntryView>>> ListAsync(AccessContext access, AuditFilter filter, PageRequest page, CancellationToken cancellationToken) =>
        ListAsync(access, filter, page, Channel.Api, cancellationToken);

    /// <summary>Entries within the caller's reach that match the filter, newest first; a refusal is audited as coming from <c>channel</c>.</summary>
    public async Task<Result<Page<AuditEntryView>>> ListAsync(AccessContext access, AuditFilter filter, PageRequest page, Channel channel, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(access);
        ArgumentNullException.ThrowIfNull(filter);
        if (!access.Caller.Holds(Operation.ViewAudit))
        {
            return await RefuseAsync(access, "audit.list", channel, cancellationToken).ConfigureAwait(false);
        }

        var reach = access.ReachFor(Operation.ViewAudit);
        IQueryable<AuditEvent> Filtered(IQueryable<AuditEvent> query)
        {
            if (!string.IsNullOrWhiteSpace(filter.Action))
            {
                // Actions are lower case (people.import); StartsWith is translated to SQL (its StringComparison overloads are not).
                var prefix = filter.Action.Trim().ToLowerInvariant();
#pragma warning disable CA1310
                query = query.Where(e => e.Action.StartsWith(prefix));
#pragma warning restore CA1310
            }

            if (!string.IsNullOrWhiteSpace(filter.SubjectId))
            {
                var subject = filter.SubjectId.Trim();
                query = query.Where(e => e.SubjectId == subject);
            }

            if (!string.IsNullOrWhiteSpace(filter.TargetId))
            {
                var target = filter.TargetId.Trim();
                query = query.Where(e => e.TargetId == target);
            }

            if (filter.Outcome is { } outcome)
            {
                query = query.Where(e => e.Outcome == outcome);
            }

            if (filter.From is { } fromOffset)
            {
                var from = fromOffset.UtcDateTime;
                query = query.Where(e => e.At >= from);
            }

            if (filter.To is { } toOffset)
            {
                var to = toOffset.UtcDateTime;
                query = query.Where(e => e.At < to);
            }

            return query;
        }

        // The page is read newest first; its count needs no order, so a wide reach counts from its people (Within).
        var listed = Filtered(Within(_store.AuditEvents, _store.People, reach));
        var counted = Filtered(Within(_store.AuditEvents, _store.People, reach, forCount: true));
        var entries = await _store.ToListAsync(listed.OrderByDescending(e => e.Sequence).Skip(page.Skip).Take(page.Size).Select(ToView), cancellationToken).ConfigureAwait(false);
        var (total, capped) = await _store.TotalAsync(counted, page, entries.Count, cancellationToken).ConfigureAwait(false);
        return new Page<AuditEntryView>(entries, page.Page, page.Size, total, capped);
    }

    /// <summary>
    /// Walks the whole chain in sequence order and stops at the first broken link: a missing entry, an entry
    /// that does not link to the one before it, or an entry whose hash does not match its contents. The
    /// verification is audited (<c>audit.verify</c>: Succeeded when intact, Failed when broken).
    /// </summary>
    /// <remarks>
    /// Removing the newest entries leaves a shorter chain that is still intact: that is detected only by
    /// comparing <see cref="AuditVerification.HeadHash"/> and <see cref="AuditVerification.EntriesChecked"/>
    /// with values recorded earlier, outside Keyward.
    /// </remarks>
    public Task<Result<AuditVerification>> VerifyAsync(AccessContext access, CancellationToken cancellationToken) =>
        VerifyAsync(access, Channel.Api, cancellationToken);

    /// <summary>Verifies the chain (see <see cref="VerifyAsync(AccessContext, CancellationToken)"/>), audited as coming from <c>channel</c>.</summary>
    public Task<Result<AuditVerification>> VerifyAsync(AccessContext access, Channel channel, CancellationToken cancellationToken) =>
        VerifyAsync(access, null, null, channel, cancellationToken);

    /// <summary>
    /// Verifies the entries from sequence <paramref name="from"/> to <paramref name="to"/> (both included; null: the
    /// first, the last), audited as coming from <c>channel</c>. A range that starts after entry 1 trusts the stored hash
    /// of the entry before it as its anchor: a periodic check of the newest entries, with the whole walk as the full
    /// proof. <see cref="AuditVerification.EntriesChecked"/> counts the entries of the range; the head hash is its last.
    /// </summary>
    /// <remarks>
    /// A bound below 1, or <paramref name="to"/> before <paramref name="from"/>, is refused with
    /// <see cref="InputErrors.InvalidParameter"/> before anything else is checked, and nothing is audited: the request
    /// names no range of the trail.
    /// </remarks>
    public async Task<Result<AuditVerification>> VerifyAsync(AccessContext access, long? from, long? to, Channel channel, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(access);
        if (from is < 1 || to is < 1 || to < from)
        {
            return InvalidRange;
        }

        if (!access.Caller.Holds(Operation.ViewAudit))
        {
            return await RefuseAsync(access, "audit.verify", channel, cancellationToken).ConfigureAwait(false);
        }

        var first = from ?? 1;
        var last = to ?? long.MaxValue;
        var whole = first == 1 && to is null;
        var verification = await WalkAsync(first, last, cancellationToken).ConfigureAwait(false);
        var what = whole ? "The audit trail" : string.Create(CultureInfo.InvariantCulture, $"Audit entries {first} to {(to is null ? "the last" : to.Value.ToString(CultureInfo.InvariantCulture))}");
        var details = verification.Intact
            ? verification.HeadHash is null
                ? $"{what}: intact, no entries."
                : $"{what}: intact, {verification.EntriesChecked} entries, head {verification.HeadHash}."
            : $"{what}: broken: {verification.Problem}";
        if (whole)
        {
            details = verification.Intact
                ? verification.HeadHash is null
                    ? "The audit trail is intact: it holds no entries."
                    : $"The audit trail is intact: {verification.EntriesChecked} entries, head {verification.HeadHash}."
                : $"The audit trail is broken: {verification.Problem}";
        }

        await _audit.AppendAsync(
            new AuditEntry(access.Caller.PersonId, access.Caller.LogonName, "audit.verify", verification.Intact ? AuditOutcome.Succeeded : AuditOutcome.Failed, channel, details),
            cancellationToken).ConfigureAwait(false);
        await _store.SaveChangesAsync(cancellationToken).ConfigureAwait(false);
        return verification;
    }

    /// <summary>
    /// Restricts entries to those whose subject is within a reach, in the database; entries without a subject need
    /// everyone. A narrow reach (a Department, or the caller alone) finds its entries from its people, through
    /// <c>AuditEvents (SubjectId, Sequence)</c>; a wide one (a Division) tests each entry's subject while the trail is
    /// read newest first, which stops after a page — joining from a Division's thousands of people would gather and
    /// sort every entry about them for each page (docs/scopes.md#finding-people). A count (<paramref name="forCount"/>)
    /// has no order to follow, and is found from the people whatever the reach: the walk would test every entry of
    /// the trail until the count's limit of matches.
    /// </summary>
    internal static IQueryable<AuditEvent> Within(IQueryable<AuditEvent> events, IQueryable<Person> people, Reach reach, bool forCount = false)
    {
        if (reach.Everyone)
        {
            return events;
        }

        var reached = PeopleDirectory.Within(people, reach);
        return forCount || reach.IsNarrow || reach.Groups.Count == 0
            ? events.Join(reached, e => e.SubjectId!, p => p.Id, (e, _) => e)
            : events.Where(e => reached.Any(p => p.Id == e.SubjectId));
    }

    private async Task<AuditVerification> WalkAsync(long first, long lastWanted, CancellationToken cancellationToken)
    {
        // Sequence numbers start at 1: a row below that was put there by hand, outside the walk below. A range that
        // starts later is anchored on the entry before it and proves nothing about the trail's start, so it does not look.
        if (first == 1)
        {
            var stray = await _store.FirstOrDefaultAsync(
                _store.AuditEvents.Where(e => e.Sequence < 1).OrderBy(e => e.Sequence).Select(e => (long?)e.Sequence), cancellationToken).ConfigureAwait(false);
            if (stray is { } strayed)
            {
                return Broken(0, strayed, $"Entry {strayed} is not part of the chain: sequence numbers start at 1.");
            }
        }

        long last = first - 1;
        var previousHash = AuditEvent.GenesisHash;
        long checkedEntries = 0;

        // The next batch is read while this one is hashed, on another thread so that a provider whose reads do not
        // yield (SQLite) overlaps too; one read in flight at a time, so the unit of work is never used concurrently.
        Task<IReadOnlyList<AuditEntryView>> Fetch(long after) =>
            Task.Run(() => _store.ReadAuditEntriesAsync(after, lastWanted, VerifyBatchSize, cancellationToken), cancellationToken);

        // A range after entry 1 reads the entry before it with its first batch: that entry's stored hash is the anchor.
        var batch = await Fetch(first > 1 ? last - 1 : last).ConfigureAwait(false);
        var start = 0;
        if (first > 1)
        {
            if (batch.Count == 0 || batch[0].Sequence != last)
            {
                return Broken(0, last, $"Entry {last}, before the range, is missing.");
            }

            previousHash = batch[0].Hash;
            start = 1;
        }

        while (true)
        {
            var next = batch.Count == VerifyBatchSize && batch[^1].Sequence < lastWanted ? Fetch(batch[^1].Sequence) : null;
            var firstAltered = FirstAltered(batch, start);

            // The links are checked in sequence order, and at each entry before its hash: the first broken link
            // reported is the first of the chain whichever thread found an altered entry.
            for (var i = start; i < batch.Count; i++)
            {
                var entry = batch[i];
                if (entry.Sequence != last + 1)
                {
                    return await AbandonAsync(next, Broken(checkedEntries, last + 1, entry.Sequence == last + 2
                        ? $"Entry {last + 1} is missing."
                        : $"Entries {last + 1} to {entry.Sequence - 1} are missing.")).ConfigureAwait(false);
                }

                if (!string.Equals(entry.PreviousHash, previousHash, StringComparison.Ordinal))
                {
                    return await AbandonAsync(next, Broken(checkedEntries, entry.Sequence, last == 0
                        ? "Entry 1 does not start the chain: its previous hash is not the genesis hash."
                        : $"Entry {entry.Sequence} does not link to entry {last}.")).ConfigureAwait(false);
                }

                if (i == firstAltered)
                {
                    return await AbandonAsync(next, Broken(checkedEntries, entry.Sequence, $"Entry {entry.Sequence} was altered: its hash does not match its contents.")).ConfigureAwait(false);
                }

                last = entry.Sequence;
                previousHash = entry.Hash;
                checkedEntries++;
            }

            if (next is null)
            {
                return new AuditVerification(true, checkedEntries, null, null, checkedEntries == 0 ? null : previousHash);
            }

            batch = await next.ConfigureAwait(false);
            start = 0;
        }
    }

    /// <summary>
    /// The index of the first entry of <paramref name="batch"/> from <paramref name="start"/> on whose hash does not match
    /// its own fields, or the batch's count when every one matches. An entry's hash covers its own fields and its stored
    /// previous hash only, so the batch is cut into one part per core, hashed at once; the smallest index any part found
    /// is the first.
    /// </summary>
    private static int FirstAltered(IReadOnlyList<AuditEntryView> batch, int start)
    {
        var count = batch.Count - start;
        var parts = Math.Clamp(count / MinEntriesPerThread, 1, Environment.ProcessorCount);
        if (parts == 1)
        {
            return FirstAltered(batch, start, batch.Count);
        }

        var size = (count + parts - 1) / parts;
        var found = new int[parts];
        Parallel.For(0, parts, part => found[part] = FirstAltered(batch, start + (part * size), Math.Min(batch.Count, start + ((part + 1) * size))));
        return found.Min();
    }

    private static int FirstAltered(IReadOnlyList<AuditEntryView> batch, int start, int end)
    {
        for (var i = start; i < end; i++)
        {
            if (!AuditEvent.HashMatches(batch[i]))
            {
                return i;
            }
        }

        return batch.Count;
    }

    /// <summary>Lets a read already in flight finish before answering, so the unit of work is free for the audit entry.</summary>
    private static async Task<AuditVerification> AbandonAsync(Task<IReadOnlyList<AuditEntryView>>? inFlight, AuditVerification answer)
    {
        if (inFlight is not null)
        {
            await inFlight.ConfigureAwait(false);
        }

        return answer;
    }

    private static AuditVerification Broken(long entriesChecked, long sequence, string problem) => new(false, entriesChecked, sequence, problem, null);

    private async Task<Error> RefuseAsync(AccessContext access, string action, Channel channel, CancellationToken cancellationToken)
    {
        var error = AuditErrors.Forbidden;
        _store.DiscardChanges();
        await _audit.AppendAsync(
            new AuditEntry(access.Caller.PersonId, access.Caller.LogonName, action, AuditOutcome.Refused, channel, error.Detail, Code: error.Code),
            cancellationToken).ConfigureAwait(false);
        await _store.SaveChangesAsync(cancellationToken).ConfigureAwait(false);
        return error;
    }
}
