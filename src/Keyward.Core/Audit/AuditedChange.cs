using Keyward.Common;
using Keyward.Recovery;
using Keyward.Scopes;

namespace Keyward.Audit;

/// <summary>What an administrative step made: the answer for its caller, and the audit entry's record and sentence.</summary>
/// <param name="Value">The answer.</param>
/// <param name="TargetId">The record changed (audit <c>targetId</c>).</param>
/// <param name="Details">The sentence for the audit trail, with before and after values where something changed.</param>
/// <param name="SubjectId">The person the change concerns, when it concerns one.</param>
/// <param name="Then">Entries that follow the step's own in the trail (a change applied by the approval that completed it).</param>
public sealed record AuditedOutcome<T>(T Value, string? TargetId, string Details, string? SubjectId = null, IReadOnlyList<AuditEntry>? Then = null);

/// <summary>
/// Runs one administrative step as a unit of work: the step stages its changes and says what it did; on success
/// its audit entry (Succeeded, with before/after) is saved with the changes, on a refusal the staged changes are
/// forgotten and only the refusal's entry is saved. A unique key taken under the step (a name created by someone
/// else at the same moment) becomes <c>conflict</c> and nothing of the step is stored.
/// </summary>
public sealed class AuditedChange
{
    private readonly IKeywardStore _store;
    private readonly AuditTrail _audit;

    public AuditedChange(IKeywardStore store, AuditTrail audit)
    {
        _store = store;
        _audit = audit;
    }

    /// <param name="access">The caller.</param>
    /// <param name="action">The audit action, e.g. <c>profiles.update</c>.</param>
    /// <param name="channel">The channel the client claims.</param>
    /// <param name="conflict">The answer when the save collides with a unique key or a concurrency token.</param>
    /// <param name="step">Stages the change; returns the outcome or the refusal.</param>
    /// <param name="cancellationToken">Cancels the step.</param>
    public async Task<Result<T>> RunAsync<T>(
        AccessContext access,
        string action,
        Channel channel,
        Error conflict,
        Func<Task<Result<AuditedOutcome<T>>>> step,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(access);
        ArgumentNullException.ThrowIfNull(step);
        var outcome = await step().ConfigureAwait(false);
        if (!outcome.IsSuccess)
        {
            return await RefuseAsync<T>(access, action, channel, outcome.Error, cancellationToken).ConfigureAwait(false);
        }

        var done = outcome.Value;
        await _audit.AppendAsync(
            new AuditEntry(access.Caller.PersonId, access.Caller.LogonName, action, AuditOutcome.Succeeded, channel, done.Details, done.SubjectId, done.TargetId),
            cancellationToken).ConfigureAwait(false);
        foreach (var entry in done.Then ?? [])
        {
            await _audit.AppendAsync(entry, cancellationToken).ConfigureAwait(false);
        }

        try
        {
            await _store.SaveChangesAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (ConcurrencyConflictException)
        {
            return await RefuseAsync<T>(access, action, channel, conflict, cancellationToken).ConfigureAwait(false);
        }

        return done.Value;
    }

    /// <summary>Forgets whatever was staged and records the refusal alone.</summary>
    public async Task<Result<T>> RefuseAsync<T>(AccessContext access, string action, Channel channel, Error error, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(access);
        ArgumentNullException.ThrowIfNull(error);
        _store.DiscardChanges();
        await _audit.AppendAsync(
            new AuditEntry(access.Caller.PersonId, access.Caller.LogonName, action, AuditOutcome.Refused, channel, error.Detail, Code: error.Code),
            cancellationToken).ConfigureAwait(false);
        await _store.SaveChangesAsync(cancellationToken).ConfigureAwait(false);
        return error;
    }
}
