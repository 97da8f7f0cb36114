namespace Keyward.Server.Hosting;

/// <summary>Metrics (section <c>Keyward:Metrics</c>; docs/operations.md#monitoring).</summary>
public sealed class MetricsOptions
{
    /// <summary>Whether <c>/metrics</c> answers, in the Prometheus text format. It shows counts, never a name or a key.</summary>
    public bool Prometheus { get; set; } = true;

    /// <summary>
    /// Where to push metrics with OTLP (e.g. <c>http://collector:4317</c>); none when null. The standard
    /// <c>OTEL_EXPORTER_OTLP_*</c> variables tune the exporter further.
    /// </summary>
    public Uri? OtlpEndpoint { get; set; }
}
