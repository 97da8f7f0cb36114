using Microsoft.Extensions.DependencyInjection.Extensions;
using System.Text.Json.Serialization;
using Keyward.ApiClients;
using Keyward.Certificates;
using Keyward.Crypto.Keys;
using Keyward.Crypto.Protection;
using Keyward.KeyArchive;
using Keyward.Server.Certificates;
using Keyward.Server.KeyArchive;
using Keyward.Server.Notifications;
using Keyward.Server.Recovery;
using Keyward.Notifications;
using Keyward.Recovery;
using Keyward.Audit;
using Keyward.Crypto.Tokens;
using Keyward.People;
using Keyward.People.Import;
using Keyward.People.Sync;
using Keyward.Profiles;
using Keyward.Scopes;
using Keyward.Server.Auth;
using Keyward.Server.Demo;
using Keyward.Server.Health;
using Keyward.Server.People;
using Keyward.Server.Problems;
using Keyward.Server.Profiles;
using Keyward.Server.Web;
using Keyward.Storage;
using Keyward.Changes;
using Keyward.Settings;
using Keyward.Server.ApiClients;
using Keyward.Server.Changes;
using Keyward.Server.Scopes;

namespace Keyward.Server.Hosting;

/// <summary>Builds and starts one Keyward server process. Used by <c>keyward server</c> and by the tests.</summary>
public static class KeywardServer
{
    /// <summary>The address the server listens on when none is configured.</summary>
    public const string DefaultUrls = "http://localhost:5080";

    /// <summary>
    /// The server's options as <see cref="Build"/> reads them — appsettings.json next to the program, then environment
    /// variables, then <paramref name="configure"/> — for commands that work on a data folder without serving it.
    /// </summary>
    public static KeywardServerOptions ReadOptions(Action<KeywardServerOptions>? configure = null)
    {
        var configuration = new ConfigurationBuilder()
            .SetBasePath(AppContext.BaseDirectory)
            .AddJsonFile("appsettings.json", optional: true)
            .AddEnvironmentVariables()
            .Build();
        var options = new KeywardServerOptions();
        configuration.GetSection("Keyward").Bind(options);
        configure?.Invoke(options);
        return options;
    }

    /// <summary>
    /// Creates the application. Options come from configuration section <c>Keyward</c> (appsettings.json,
    /// environment variables such as <c>Keyward__Database__Provider</c>), then <paramref name="configure"/>.
    /// <paramref name="configureBuilder"/> runs first, so it can add configuration (e.g. <c>urls</c>) or
    /// replace services (tests swap the clock).
    /// </summary>
    public static WebApplication Build(Action<KeywardServerOptions>? configure = null, Action<WebApplicationBuilder>? configureBuilder = null, string[]? args = null)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = args ?? [], ContentRootPath = AppContext.BaseDirectory });
        builder.Logging.AddFilter("Microsoft.EntityFrameworkCore", LogLevel.Warning);
        builder.Logging.AddFilter("Microsoft.AspNetCore", LogLevel.Warning);
        configureBuilder?.Invoke(builder);
        var options = new KeywardServerOptions();
        builder.Configuration.GetSection("Keyward").Bind(options);
        configure?.Invoke(options);
        options.DataDirectory = Path.GetFullPath(options.DataDirectory);
        DataFolder.Create(options.DataDirectory);
        ConfigureMail(options);
        var commonPasswords = options.Passwords.Load();
        var urls = builder.Configuration["urls"] ?? DefaultUrls;
        builder.WebHost.UseUrls(urls);
        options.AllowHttp |= AllLoopback(urls);
        builder.WebHost.ConfigureKestrel(k =>
        {
            k.AddServerHeader = false;
            k.Limits.MaxRequestBodySize = Math.Max(options.MaxRequestBodyBytes, options.MaxImportBodyBytes);
        });

        var services = builder.Services;
        services.AddSingleton(options);
        services.TryAddSingleton(TimeProvider.System);
        var keys = TokenKeyRing.LoadOrCreate(Path.Combine(options.DataDirectory, "token-keys.json"));
        services.AddSingleton(keys);
        options.PublicUrl ??= new Uri(urls.Split(';', StringSplitOptions.RemoveEmptyEntries)[0].Replace("*", "localhost", StringComparison.Ordinal).Replace("+", "localhost", StringComparison.Ordinal));
        var protector = KeyProtectorFactory.Open(options);
        // Registered through factories so the container disposes them (and zeroes their keys) at shutdown.
        services.AddSingleton(_ => protector);
        services.AddSingleton(_ => new KeyPairSource(options.KeyProtector.KeyPoolSize));
        services.AddSingleton<EmbeddedCertificateAuthority>();
        services.AddSingleton<ICertificateAuthority>(sp => sp.GetRequiredService<EmbeddedCertificateAuthority>());
        services.AddSingleton<IKeyArchive, KeyArchiveAdapter>();
        services.TryAddSingleton<IKeyRecovery, KeyRecoveryAdapter>();
        services.AddSingleton(commonPasswords);
        services.AddKeywardStorage(options.Database, options.DataDirectory);
        if (options.Database.Provider == DatabaseProvider.Sqlite)
        {
            services.AddHostedService<DatabaseStatisticsService>();
        }

        services.AddKeywardAuth(options, keys);
        services.AddKeywardWeb(options);
        services.AddKeywardProblemDetails();
        services.Configure<RouteHandlerOptions>(o => o.ThrowOnBadRequest = true);
        services.ConfigureHttpJsonOptions(o =>
        {
            o.SerializerOptions.Converters.Add(new JsonStringEnumConverter());
            o.SerializerOptions.Converters.Add(new NulRefusingStringConverter());
            o.SerializerOptions.DefaultIgnoreCondition = JsonIgnoreCondition.Never;
        });
        services.AddOpenApi(o => o.AddDocumentTransformer<BearerSecurityTransformer>());
        services.AddSingleton<HealthProbe>();

        // The application core: one instance per call, like the unit of work under it.
        services.AddScoped<AuditTrail>();
        services.AddScoped<AuditLog>();
        services.AddSingleton<AccessCache>();
        services.AddScoped<CallerResolver>();
        services.AddScoped<ClientSignIn>();
        services.AddScoped<PeopleDirectory>();
        services.AddScoped<PeopleImporter>();
        services.AddScoped<ProfileCatalog>();
        services.AddScoped<CertificateService>();
        services.AddScoped<RecoveryWorkflow>();
        services.AddSingleton<StorageKeyRotation>();
        services.AddScoped<DemoOrganisation>();
        services.AddScoped<AuditedChange>();
        services.AddScoped<ChangeControl>();
        services.AddScoped<ProfileAdministration>();
        services.AddScoped<PolicyAdministration>();
        services.AddScoped<RoleAdministration>();
        services.AddScoped<GroupAdministration>();
        services.AddScoped<IClientRegistrations, OpenIddictClientRegistrations>();
        services.AddScoped<ApiClientAdministration>();
        services.AddScoped<FirstStart>();
        AddNotificationsAndExpiry(services, options);
        AddDirectorySync(services, options.Directory);
        services.AddKeywardMetrics(options.Metrics);

        var app = builder.Build();
        app.UseExceptionHandler(ProblemHandling.ExceptionHandlerOptions());
        app.UseMiddleware<SecurityHeadersMiddleware>();
        app.UseStatusCodePages();
        app.UseRouting();
        app.UseMiddleware<BodySizeLimitMiddleware>(options.MaxRequestBodyBytes);
        app.UseMiddleware<TextInputMiddleware>();
        app.UseMiddleware<TokenInQueryMiddleware>();

        // Before authentication: OpenIddict checks a client's secret there, and a client over its limit must not get that far.
        app.UseMiddleware<SignInAttemptMiddleware>();
        app.UseRateLimiter();
        app.UseAuthentication();
        app.UseAuthorization();
        app.UseMiddleware<CallerResolutionMiddleware>();

        app.MapOpenApi("/openapi/{documentName}.json").AllowAnonymous();
        app.MapHealthEndpoints();
        app.MapKeywardMetrics(options.Metrics);
        app.MapErrorPages();
        app.MapTokenEndpoint();
        var api = app.MapGroup("/api").RequireAuthorization().WithMetadata(new RequiresCaller());
        api.MapPeopleEndpoints(options.MaxImportBodyBytes);
        api.MapDirectoryEndpoints();
        Audit.AuditEndpoints.MapAuditEndpoints(api);
        api.MapProfileEndpoints();
        api.MapCertificateEndpoints();
        api.MapRecoveryEndpoints();
        api.MapRoleEndpoints();
        api.MapApiClientEndpoints();
        api.MapChangeEndpoints();
        app.MapAuthorityEndpoints();
        app.MapKeywardWeb();
        return app;
    }

    /// <summary>Brings the database up to date and, with <see cref="KeywardServerOptions.Demo"/>, seeds the demo organisation.</summary>
    /// <returns>Whether the demo organisation was seeded by this call.</returns>
    public static async Task<bool> InitialiseAsync(WebApplication app, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(app);
        var options = app.Services.GetRequiredService<KeywardServerOptions>();
        DataFolder.WarnAboutLooseModes(options.DataDirectory, app.Services.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(DataFolder).FullName!));
        await app.Services.MigrateKeywardDatabaseAsync(cancellationToken).ConfigureAwait(false);
        await CaInitializer.InitialiseAsync(app.Services, new Uri(options.PublicUrl!, "/ca/crl"), cancellationToken).ConfigureAwait(false);
        if (!options.Demo)
        {
            return false;
        }

        await using var scope = app.Services.CreateAsyncScope();
        return await scope.ServiceProvider.GetRequiredService<DemoOrganisation>().EnsureSeededAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// The first start of a real deployment: brings the database up to date (and the CA), then creates the first
    /// administrator and their API client (<see cref="FirstStart"/>), or refuses a database initialised before.
    /// </summary>
    public static async Task<Common.Result<FirstStartOutcome>> InitialiseDeploymentAsync(WebApplication app, FirstAdministrator administrator, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(app);
        await InitialiseAsync(app, cancellationToken).ConfigureAwait(false);
        await using var scope = app.Services.CreateAsyncScope();
        return await scope.ServiceProvider.GetRequiredService<FirstStart>().RunAsync(administrator, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The demo writes mail to <c>mail/</c> in its data folder unless mail is configured.</summary>
    private static void ConfigureMail(KeywardServerOptions options)
    {
        if (options.Demo && !options.Mail.IsConfigured)
        {
            options.Mail.PickupDirectory = Path.Combine(options.DataDirectory, "mail");
        }

        if (!string.IsNullOrWhiteSpace(options.Mail.PickupDirectory))
        {
            options.Mail.PickupDirectory = Path.GetFullPath(options.Mail.PickupDirectory);
        }
    }

    /// <summary>Owner notifications (the outbox and its dispatcher) and request expiry.</summary>
    private static void AddNotificationsAndExpiry(IServiceCollection services, KeywardServerOptions options)
    {
        services.AddSingleton(options.Mail);
        services.TryAddSingleton<NotificationSignal>();
        services.AddSingleton<MailSenderFactory>();
        services.AddScoped<NotificationOutbox>();
        services.AddScoped<RequestExpiry>();
        services.AddSingleton(options.Collection);
        services.AddSingleton(new ServerInstance($"{Environment.MachineName}/{Environment.ProcessId}"));
        services.AddScoped<ServerLeases>();
        services.AddHostedService<ServerLeaseService>();
        services.AddHostedService<NotificationDispatcher>();
        services.AddHostedService<RequestExpiryService>();
    }

    /// <summary>Directory sync: the LDAP reader, the core's sync (one per process, so runs do not overlap) and its schedule.</summary>
    private static void AddDirectorySync(IServiceCollection services, DirectoryOptions options)
    {
        services.AddSingleton(options);
        services.TryAddSingleton<IDirectorySource, LdapDirectorySource>();
        services.AddSingleton(sp => new DirectorySync(
            sp.GetRequiredService<Common.IKeywardStoreFactory>(), sp.GetRequiredService<IDirectorySource>(), sp.GetRequiredService<TimeProvider>(), Math.Max(1, options.BatchSize)));
        services.AddHostedService<DirectorySyncService>();
    }

    private static bool AllLoopback(string urls) => urls
        .Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
        .All(u => Uri.TryCreate(u.Replace("*", "wildcard", StringComparison.Ordinal).Replace("+", "wildcard", StringComparison.Ordinal), UriKind.Absolute, out var uri)
                  && (uri.IsLoopback || uri.Host == "localhost"));
}
