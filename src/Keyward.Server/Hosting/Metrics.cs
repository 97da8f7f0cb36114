using System.Diagnostics.Metrics;
using Keyward.Common;
using OpenTelemetry.Metrics;

namespace Keyward.Server.Hosting;

/// <summary>
/// Keyward's metrics with OpenTelemetry (docs/operations.md#monitoring): the <see cref="KeywardMetrics"/> meter,
/// ASP.NET Core's requests by route and status, and the notification outbox's backlog — at <c>/metrics</c> for a
/// Prometheus scraper, and over OTLP where configured.
/// </summary>
internal static class Metrics
{
    /// <summary>The path Prometheus scrapes.</summary>
    public const string Path = "/metrics";

    public static void AddKeywardMetrics(this IServiceCollection services, MetricsOptions options)
    {
        services.AddSingleton<OutboxBacklog>();
        services.AddOpenTelemetry().WithMetrics(metrics =>
        {
            metrics.AddMeter(KeywardMetrics.MeterName, OutboxBacklog.MeterName).AddAspNetCoreInstrumentation();
            if (options.Prometheus)
            {
                metrics.AddPrometheusExporter(prometheus => prometheus.ScrapeResponseCacheDurationMilliseconds = 0);
            }

            if (options.OtlpEndpoint is { } endpoint)
            {
                metrics.AddOtlpExporter(otlp => otlp.Endpoint = endpoint);
            }
        });
    }

    public static void MapKeywardMetrics(this WebApplication app, MetricsOptions options)
    {
        // Created with the host, so that the gauge reads this server's database.
        _ = app.Services.GetRequiredService<OutboxBacklog>();
        if (options.Prometheus)
        {
            app.MapPrometheusScrapingEndpoint(Path).AllowAnonymous();
        }
    }

    /// <summary>How many owner notifications wait to be sent: a gauge read from the database when metrics are collected.</summary>
    private sealed class OutboxBacklog
    {
        public const string MeterName = "Keyward.Notifications";

        public OutboxBacklog(IMeterFactory meters, IServiceScopeFactory scopes)
        {
            var meter = meters.Create(MeterName);
            meter.CreateObservableGauge(
                "keyward.notifications.backlog",
                () => Read(scopes),
                "{notification}",
                "Owner notifications not yet sent (and not given up).");
        }

        /// <summary>The backlog now; nothing when the database cannot say (the health check reports that, not a metric).</summary>
        private static IEnumerable<Measurement<int>> Read(IServiceScopeFactory scopes)
        {
            try
            {
                using var scope = scopes.CreateScope();
                var store = scope.ServiceProvider.GetRequiredService<IKeywardStore>();
                return [new Measurement<int>(store.Notifications.Count(n => n.SentAt == null && n.Attempts < Keyward.Notifications.Notification.MaxAttempts))];
            }
            catch (Exception ex) when (Keyward.Storage.StorageFaults.Classify(ex) != Keyward.Storage.StorageFault.None)
            {
                return [];
            }
        }
    }
}
