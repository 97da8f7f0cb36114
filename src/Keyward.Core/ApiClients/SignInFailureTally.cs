using System.Globalization;
using Keyward.Audit;
using Keyward.Common;

namespace Keyward.ApiClients;

/// <summary>
/// Keeps refused sign-ins from flooding the audit trail. Failures are counted per source (<see cref="SignInFailure.Source"/>:
/// the client id, or the remote address for unknown clients) and error code, a minute at a time from the source's
/// first failure. That first failure becomes an entry at once; the others of the same minute are only counted, and
/// become one more entry, carrying their number, once the minute has closed: taken by <see cref="TakeClosed"/> (a
/// timer), by the source's next failure, or at shutdown by <see cref="TakeAll"/>, whichever comes first. So a source
/// and code give at most two entries a minute, and the counts of the entries add up to every failure counted.
/// </summary>
/// <remarks>
/// Thread-safe; one per process, so each server process counts and writes its own. Counts not yet taken live only
/// in memory: a process that dies without shutting down loses them. Times come from the injected clock.
/// </remarks>
public sealed class SignInFailureTally
{
    /// <summary>How long one count runs, from the first failure of a source and code.</summary>
    public static readonly TimeSpan Minute = TimeSpan.FromMinutes(1);

    /// <summary>How many client ids an entry about an address names at most; the others are only counted.</summary>
    internal const int ClientIdsNamed = 3;

    private readonly TimeProvider _clock;
    private readonly Lock _lock = new();
    private readonly Dictionary<(string Source, string Code), OpenMinute> _minutes = [];

    public SignInFailureTally(TimeProvider clock) => _clock = clock;

    /// <summary>
    /// Counts <paramref name="failure"/>. Answers the entries to append now, in order: the rest of the source's
    /// previous minute when it closed with failures not yet written, then the failure itself when it opens a new
    /// minute. Answers nothing when the failure falls into an open minute (it is counted there).
    /// </summary>
    public IReadOnlyList<AuditEntry> Count(SignInFailure failure)
    {
        ArgumentNullException.ThrowIfNull(failure);
        KeywardMetrics.RecordSignInFailure(failure.Error.Code);
        var now = _clock.GetUtcNow();
        var key = (failure.Source, failure.Error.Code);
        lock (_lock)
        {
            _minutes.TryGetValue(key, out var minute);
            if (minute is not null && now < minute.Start + Minute)
            {
                minute.Add(failure, now);
                return [];
            }

            var entries = new List<AuditEntry>(2);
            if (minute?.Rest() is { } rest)
            {
                entries.Add(rest);
            }

            _minutes[key] = new OpenMinute(now);
            entries.Add(Entry(failure, $"1 sign-in refused: {failure.Error.Detail}", failure.ByAddress ? [failure.ClientId] : [], false));
            return entries;
        }
    }

    /// <summary>Takes the minutes that have closed; answers an entry for each that counted failures not yet written.</summary>
    public IReadOnlyList<AuditEntry> TakeClosed()
    {
        var now = _clock.GetUtcNow();
        lock (_lock)
        {
            return Take(_minutes.Where(m => now >= m.Value.Start + Minute).Select(m => m.Key).ToList());
        }
    }

    /// <summary>Takes every minute, closed or not (at shutdown): no counted failure is left unwritten.</summary>
    public IReadOnlyList<AuditEntry> TakeAll()
    {
        lock (_lock)
        {
            return Take([.. _minutes.Keys]);
        }
    }

    private List<AuditEntry> Take(List<(string Source, string Code)> keys)
    {
        var entries = new List<AuditEntry>();
        foreach (var key in keys)
        {
            if (_minutes.Remove(key, out var minute) && minute.Rest() is { } rest)
            {
                entries.Add(rest);
            }
        }

        return entries;
    }

    private static AuditEntry Entry(SignInFailure failure, string details, IReadOnlyCollection<string> clientIds, bool moreClientIds)
    {
        if (clientIds.Count > 0)
        {
            details += $" Client id{(clientIds.Count > 1 || moreClientIds ? "s" : string.Empty)} presented: {string.Join(", ", clientIds.Select(c => $"'{c}'"))}{(moreClientIds ? " and others" : string.Empty)}.";
        }

        return new AuditEntry(
            failure.PersonId, failure.Source, "auth.sign_in", AuditOutcome.Refused, failure.Origin.ClaimedChannel, details,
            SubjectId: failure.PersonId, Code: failure.Error.Code);
    }

    private static string Instant(DateTimeOffset at) => at.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    /// <summary>The failures of one source and code after the first, in the minute that the first opened. Guarded by the tally's lock.</summary>
    private sealed class OpenMinute(DateTimeOffset start)
    {
        private readonly List<string> _clientIds = [];
        private SignInFailure? _first;
        private DateTimeOffset _firstAt;
        private DateTimeOffset _lastAt;
        private int _count;
        private bool _moreClientIds;

        public DateTimeOffset Start { get; } = start;

        public void Add(SignInFailure failure, DateTimeOffset at)
        {
            if (_first is null)
            {
                _first = failure;
                _firstAt = at;
            }

            _lastAt = at;
            _count++;
            if (failure.ByAddress && !_clientIds.Contains(failure.ClientId, StringComparer.Ordinal))
            {
                if (_clientIds.Count < ClientIdsNamed)
                {
                    _clientIds.Add(failure.ClientId);
                }
                else
                {
                    _moreClientIds = true;
                }
            }
        }

        /// <summary>The entry for the failures counted here, or null when there were none after the first.</summary>
        /// <remarks>It takes its person and channel from the first failure counted here.</remarks>
        public AuditEntry? Rest() => _first is null
            ? null
            : Entry(
                _first,
                $"{_count} more sign-in{(_count == 1 ? string.Empty : "s")} refused from {Instant(_firstAt)} to {Instant(_lastAt)}: {_first.Error.Detail}",
                _clientIds,
                _moreClientIds);
    }
}
