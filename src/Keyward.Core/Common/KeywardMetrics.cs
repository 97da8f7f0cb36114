using System.Diagnostics.Metrics;
using Keyward.Recovery;

namespace Keyward.Common;

/// <summary>
/// Keyward's own measurements (docs/operations.md#monitoring), on the meter <see cref="MeterName"/>: each step of every
/// recovery request as it is committed, how long requests wait for approval and for collection, and refused sign-ins.
/// The server exports them with OpenTelemetry (<c>/metrics</c>, OTLP); nothing here knows of an exporter.
/// </summary>
/// <remarks>
/// Recovery steps are counted from the request's history entries that a save commits (<see cref="RecordCommitted"/>),
/// so every path — a collector, a validator, the expiry service, a server returning an interrupted collection — is
/// counted once, and only when it happened.
/// </remarks>
public static class KeywardMetrics
{
    /// <summary>The name of the meter every Keyward instrument belongs to.</summary>
    public const string MeterName = "Keyward";

    private static readonly Meter Meter = new(MeterName);

    private static readonly Counter<long> Steps = Meter.CreateCounter<long>(
        "keyward.recovery.steps", "{step}", "Committed steps of recovery requests, by request kind and step (Requested, Approved, Released, Completed, Rejected, Cancelled, Expired, CollectionFailed, …).");

    private static readonly Histogram<double> TimeToApproval = Meter.CreateHistogram<double>(
        "keyward.recovery.time_to_approval", "s", "Time from a request to the approval that made it collectable, by request kind.");

    private static readonly Histogram<double> TimeToCollection = Meter.CreateHistogram<double>(
        "keyward.recovery.time_to_collection", "s", "Time from a request to its completed collection, by request kind.");

    private static readonly Counter<long> SignInFailures = Meter.CreateCounter<long>(
        "keyward.auth.sign_in_failures", "{failure}", "Refused sign-ins, by error code.");

    /// <summary>Counts the history entries a save has just committed, each with the request it belongs to.</summary>
    public static void RecordCommitted(IEnumerable<(RecoveryRequest Request, RequestHistoryEntry Entry)> committed)
    {
        ArgumentNullException.ThrowIfNull(committed);
        foreach (var (request, entry) in committed)
        {
            var kind = new KeyValuePair<string, object?>("kind", request.Kind.ToString());
            Steps.Add(1, kind, new KeyValuePair<string, object?>("step", entry.Action));
            var waited = (entry.At - request.CreatedAt).TotalSeconds;
            if (entry.Action == "Approved" && request.Status == RequestStatus.AwaitingIssue && request.Approvals.Count == request.ApprovalsRequired)
            {
                TimeToApproval.Record(waited, kind);
            }
            else if (entry.Action == "Completed")
            {
                TimeToCollection.Record(waited, kind);
            }
        }
    }

    /// <summary>Counts one refused sign-in.</summary>
    public static void RecordSignInFailure(string code) => SignInFailures.Add(1, new KeyValuePair<string, object?>("code", code));
}
