using System.Globalization;
using Keyward.Audit;
using Keyward.Common;
using Keyward.Server.Auth;
using Keyward.Server.Problems;

namespace Keyward.Server.Audit;

/// <summary><c>/api/audit</c>: thin mapping onto <see cref="AuditLog"/>.</summary>
internal static class AuditEndpoints
{
    public static void MapAuditEndpoints(this RouteGroupBuilder api)
    {
        var audit = api.MapGroup("/audit").WithTags("Audit");
        audit.MapGet("/", async (Authenticated caller, AuditLog log, string? action, string? subjectId, string? targetId, string? outcome, string? from, string? to, int? page, int? pageSize, CancellationToken ct) =>
            {
                var filter = Filter(action, subjectId, targetId, outcome, from, to);
                return filter.IsSuccess
                    ? ListResults.Ok(await log.ListAsync(caller.Access, filter.Value, new PageRequest(page, pageSize), caller.ClaimedChannel, ct))
                    : Problems.Problems.From(filter.Error);
            })
            .WithName("ListAuditEntries")
            .WithSummary("The audit trail within the caller's scope, newest first.");

        // 200 whether the chain is intact or not: a broken chain is the answer, not a failure of the request.
        audit.MapGet("/verify", async (Authenticated caller, AuditLog log, long? from, long? to, CancellationToken ct) =>
                Problems.Problems.Ok(await log.VerifyAsync(caller.Access, from, to, caller.ClaimedChannel, ct)))
            .WithName("VerifyAuditTrail")
            .WithSummary("Walks the hash chain (all of it, or entries from..to) and names the first broken entry, if any.");
    }

    /// <summary>The query string as a filter: outcomes by name in any case, instants as ISO 8601 (UTC when no offset is given).</summary>
    private static Result<AuditFilter> Filter(string? action, string? subjectId, string? targetId, string? outcome, string? from, string? to)
    {
        AuditOutcome? parsedOutcome = null;
        if (!string.IsNullOrWhiteSpace(outcome))
        {
            var name = Enum.GetNames<AuditOutcome>().FirstOrDefault(n => string.Equals(n, outcome.Trim(), StringComparison.OrdinalIgnoreCase));
            if (name is null)
            {
                return InputErrors.InvalidParameter.WithDetail($"'outcome' must be one of {string.Join(", ", Enum.GetNames<AuditOutcome>())}.");
            }

            parsedOutcome = Enum.Parse<AuditOutcome>(name);
        }

        var fromInstant = Instant(from);
        var toInstant = Instant(to);
        if (fromInstant is { IsSuccess: false } || toInstant is { IsSuccess: false })
        {
            return InputErrors.InvalidParameter.WithDetail($"'{(fromInstant is { IsSuccess: false } ? "from" : "to")}' must be an ISO 8601 date or instant, such as 2026-11-01 or 2026-11-01T09:00:00Z.");
        }

        return new AuditFilter(action, subjectId, targetId, parsedOutcome, fromInstant?.Value, toInstant?.Value);
    }

    private static Result<DateTimeOffset>? Instant(string? text)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return null;
        }

        return DateTimeOffset.TryParse(text.Trim(), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var value)
            ? value
            : InputErrors.InvalidParameter;
    }
}
