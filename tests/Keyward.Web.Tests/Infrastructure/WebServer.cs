using Keyward.Server.Hosting;
using Keyward.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace Keyward.Web.Tests.Infrastructure;

/// <summary>
/// A real Keyward server with the demo organisation on a real loopback port, for a real browser: a fresh SQLite
/// database in a temporary data folder, seeded once per test run and copied per server. The clock is a fixed
/// <see cref="FakeTimeProvider"/>, so pages show the same dates on every run (no test asserts on time).
/// </summary>
public sealed class WebServer : IAsyncDisposable
{
    public static readonly DateTimeOffset Start = new(2026, 11, 1, 9, 0, 0, TimeSpan.Zero);

    private const string Passphrase = "test-keystore-passphrase";

    private static readonly Lazy<Task<string>> Template = new(SeedTemplateAsync);

    private readonly string _data;

    private WebServer(WebApplication app, string data, Uri address)
    {
        App = app;
        _data = data;
        Address = address;
    }

    public WebApplication App { get; }

    /// <summary>The server's address, e.g. <c>http://127.0.0.1:41234/</c>.</summary>
    public Uri Address { get; }

    public string Url(string path) => new Uri(Address, path).ToString();

    /// <summary>
    /// Starts a server on a copy of the demo data; <paramref name="configure"/> adds settings (e.g. single sign-on), and
    /// <paramref name="startAt"/> sets where its fixed clock stands (<see cref="Start"/> unless told).
    /// </summary>
    public static async Task<WebServer> StartAsync(Action<KeywardServerOptions>? configure = null, DateTimeOffset? startAt = null)
    {
        var data = Directory.CreateTempSubdirectory("keyward-web-test-").FullName;
        foreach (var file in Directory.GetFiles(await Template.Value))
        {
            File.Copy(file, Path.Combine(data, Path.GetFileName(file)));
        }

        var app = Build(data, loopback: true, configure, startAt);
        await KeywardServer.InitialiseAsync(app, CancellationToken.None);
        await app.StartAsync();
        var address = new Uri(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First());
        return new WebServer(app, data, address);
    }

    public async ValueTask DisposeAsync()
    {
        await App.StopAsync();
        await App.DisposeAsync();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        try
        {
            Directory.Delete(_data, recursive: true);
        }
        catch (IOException)
        {
            // A file still held open; the temporary folder is cleaned by the system.
        }
    }

    private static WebApplication Build(string data, bool loopback, Action<KeywardServerOptions>? configure = null, DateTimeOffset? startAt = null) => KeywardServer.Build(
        o =>
        {
            o.DataDirectory = data;
            o.Demo = true;
            o.AllowHttp = true;
            o.KeyProtector.Passphrase = Passphrase;
            o.KeyProtector.KeyPoolSize = 0;
            configure?.Invoke(o);
        },
        b =>
        {
            b.Services.AddSingleton<TimeProvider>(new FakeTimeProvider(startAt ?? Start));
            if (loopback)
            {
                b.Configuration["urls"] = "http://127.0.0.1:0";
            }
        });

    private static async Task<string> SeedTemplateAsync()
    {
        var data = RunFolder.Create("keyward-web-template-");
        await using (var app = Build(data, loopback: true))
        {
            await KeywardServer.InitialiseAsync(app, CancellationToken.None);
        }

        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        return data;
    }
}
