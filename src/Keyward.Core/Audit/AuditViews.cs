using Keyward.Recovery;

namespace Keyward.Audit;

/// <summary>One entry of the audit trail as the Core API shows it: every stored field, hashes included.</summary>
public sealed record AuditEntryView(
    long Sequence,
    DateTime At,
    string? ActorId,
    string ActorName,
    string Action,
    AuditOutcome Outcome,
    string? Code,
    string? SubjectId,
    string? TargetId,
    string Details,
    Channel Channel,
    string Hash,
    string PreviousHash);

/// <summary>
/// Filters of the audit trail; all optional, combined with AND. <see cref="Action"/> matches a prefix
/// (<c>people</c> finds <c>people.import</c>); <see cref="From"/> is inclusive and <see cref="To"/> exclusive.
/// </summary>
public sealed record AuditFilter(
    string? Action = null,
    string? SubjectId = null,
    string? TargetId = null,
    AuditOutcome? Outcome = null,
    DateTimeOffset? From = null,
    DateTimeOffset? To = null);

/// <summary>
/// What walking the chain found. <see cref="EntriesChecked"/> counts the entries found intact, in order, before
/// the first broken link (all of them when <see cref="Intact"/>); <see cref="FirstBrokenSequence"/> and
/// <see cref="Problem"/> name the first broken link; <see cref="HeadHash"/> is the hash of the last entry of an
/// intact trail (null when the trail is empty or broken): record it to detect later removal of the newest entries.
/// </summary>
public sealed record AuditVerification(bool Intact, long EntriesChecked, long? FirstBrokenSequence, string? Problem, string? HeadHash);
