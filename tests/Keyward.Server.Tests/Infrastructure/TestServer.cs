using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Keyward.Server.Hosting;
using Keyward.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace Keyward.Server.Tests.Infrastructure;

/// <summary>
/// A real Keyward server with the demo organisation, on a fresh SQLite database in a temporary data folder.
/// In-memory transport by default; <see cref="StartOnLoopbackAsync"/> listens on a real loopback port for
/// clients that open their own connections (the keyward command).
/// </summary>
public sealed class DemoServer : IAsyncDisposable
{
    private readonly ConcurrentQueue<string> _served;
    private bool _stopped;

    private DemoServer(WebApplication app, string dataDirectory, FakeTimeProvider clock, HttpClient client, ConcurrentQueue<string> served)
    {
        App = app;
        DataDirectory = dataDirectory;
        Clock = clock;
        Client = client;
        _served = served;
    }

    /// <summary>"METHOD /path" of every HTTP request the server has received, in order: what its access log would show.</summary>
    public IReadOnlyList<string> Served => [.. _served];

    public WebApplication App { get; }

    public string DataDirectory { get; }

    public FakeTimeProvider Clock { get; }

    /// <summary>A client with no credentials.</summary>
    public HttpClient Client { get; }

    public Uri? Address { get; private set; }

    /// <summary>Starts a server on the in-memory transport; <paramref name="configureBuilder"/> may add services (a log capture, a fault).</summary>
    public static Task<DemoServer> StartAsync(Action<KeywardServerOptions>? configure = null, Action<WebApplicationBuilder>? configureBuilder = null) =>
        StartCoreAsync(configure, configureBuilder, loopback: false);

    public static Task<DemoServer> StartOnLoopbackAsync(Action<KeywardServerOptions>? configure = null) => StartCoreAsync(configure, null, loopback: true);

    /// <summary>The instant every test server's clock starts at.</summary>
    public static readonly DateTimeOffset Start = new(2026, 11, 1, 9, 0, 0, TimeSpan.Zero);

    /// <summary>A passphrase for test key stores (the demo generates its own).</summary>
    public const string TestPassphrase = "test-keystore-passphrase";

    // Seeding the demo makes a dozen RSA keys; do it once per test run and copy the data folder per server.
    private static readonly Lazy<Task<string>> DemoTemplate = new(SeedTemplateAsync);

    private static async Task<string> SeedTemplateAsync()
    {
        var data = RunFolder.Create("keyward-template-");
        var app = KeywardServer.Build(
            o =>
            {
                o.DataDirectory = data;
                o.Demo = true;
                o.KeyProtector.Passphrase = TestPassphrase;
                o.KeyProtector.KeyPoolSize = 0;
            },
            b => b.Services.AddSingleton<TimeProvider>(new FakeTimeProvider(Start)));
        await using (app)
        {
            await KeywardServer.InitialiseAsync(app, CancellationToken.None);
        }

        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        return data;
    }

    private static async Task<DemoServer> StartCoreAsync(Action<KeywardServerOptions>? configure, Action<WebApplicationBuilder>? configureBuilder, bool loopback)
    {
        var data = Directory.CreateTempSubdirectory("keyward-test-").FullName;
        var probe = new KeywardServerOptions { Demo = true, DataDirectory = data };
        configure?.Invoke(probe);
        if (probe.Demo && probe.DataDirectory == data)
        {
            // Each server gets its own token keys, as separate deployments would.
            foreach (var file in Directory.GetFiles(await DemoTemplate.Value).Where(f => Path.GetFileName(f) != "token-keys.json"))
            {
                File.Copy(file, Path.Combine(data, Path.GetFileName(file)));
            }
        }

        var clock = new FakeTimeProvider(Start);
        var served = new ConcurrentQueue<string>();
        var app = KeywardServer.Build(
            o =>
            {
                o.DataDirectory = data;
                o.Demo = true;
                o.AllowHttp = true;
                o.KeyProtector.Passphrase = TestPassphrase;
                o.KeyProtector.KeyPoolSize = 0;
                configure?.Invoke(o);
            },
            b =>
            {
                b.Services.AddSingleton<TimeProvider>(clock);
                b.Services.AddSingleton<IStartupFilter>(new AccessLog(served));
                if (loopback)
                {
                    b.Configuration["urls"] = "http://127.0.0.1:0";
                }
                else
                {
                    b.WebHost.UseTestServer();
                }

                configureBuilder?.Invoke(b);
            });
        await KeywardServer.InitialiseAsync(app, CancellationToken.None);
        await app.StartAsync();
        HttpClient client;
        Uri? address = null;
        if (loopback)
        {
            address = new Uri(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First());
            client = new HttpClient { BaseAddress = address };
        }
        else
        {
            client = app.GetTestClient();
        }

        return new DemoServer(app, data, clock, client, served) { Address = address };
    }

    /// <summary>Requests a token with the demo client credentials; returns the raw token response.</summary>
    public async Task<HttpResponseMessage> RequestTokenAsync(string clientId, string clientSecret)
    {
        using var form = new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["grant_type"] = "client_credentials",
            ["client_id"] = clientId,
            ["client_secret"] = clientSecret,
        });
        return await Client.PostAsync(new Uri("/connect/token", UriKind.Relative), form);
    }

    /// <summary>A client signed in as a demo person (client id <c>{logon}-cli</c>).</summary>
    public async Task<HttpClient> SignInAsync(string logonName)
    {
        var token = await TokenAsync(logonName);
        var client = loopbackOrTest();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return client;

        HttpClient loopbackOrTest() => Address is null ? App.GetTestClient() : new HttpClient { BaseAddress = Address };
    }

    public async Task<string> TokenAsync(string logonName)
    {
        using var response = await RequestTokenAsync($"{logonName}-cli", $"{logonName}-secret");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        return body.GetProperty("access_token").GetString()!;
    }

    /// <summary>
    /// Stops the server and closes every database connection, so the data folder's files are complete and
    /// nothing writes to them any more (SQLite checkpoints its write-ahead log when the last connection closes).
    /// The data folder stays until <see cref="DisposeAsync"/>. Idempotent.
    /// </summary>
    public async Task StopAsync()
    {
        if (_stopped)
        {
            return;
        }

        _stopped = true;
        Client.Dispose();
        await App.StopAsync();
        await App.DisposeAsync();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Npgsql.NpgsqlConnection.ClearAllPools();
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        try
        {
            Directory.Delete(DataDirectory, recursive: true);
        }
        catch (IOException)
        {
            // A file still held open by the OS is harmless in a temporary folder.
        }
    }

    /// <summary>Notes each request before the server's own pipeline sees it.</summary>
    private sealed class AccessLog(ConcurrentQueue<string> served) : IStartupFilter
    {
        public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
        {
            app.Use((context, rest) =>
            {
                served.Enqueue($"{context.Request.Method} {context.Request.Path}");
                return rest(context);
            });
            next(app);
        };
    }
}
