namespace Keyward.Web.Tests.Infrastructure;

/// <summary>
/// A test identity provider, a demo server that signs in through it (Keyward:Web:Oidc, matched by
/// <c>preferred_username</c>), and one Chromium.
/// </summary>
public sealed class SingleSignOnFixture : IAsyncLifetime
{
    public const string DisplayName = "Test Identity";

    private readonly Browser _browser = new();
    private IdentityProvider? _provider;
    private WebServer? _server;

    public WebServer Server => _server ?? throw new InvalidOperationException("The server has not started.");

    public IdentityProvider Provider => _provider ?? throw new InvalidOperationException("The provider has not started.");

    public Browser Browser => _browser;

    public async Task InitializeAsync()
    {
        await _browser.InitializeAsync();
        _provider = await IdentityProvider.StartAsync();
        _server = await WebServer.StartAsync(o =>
        {
            o.Web.Oidc.Authority = _provider.Address.ToString();
            o.Web.Oidc.ClientId = IdentityProvider.ClientId;
            o.Web.Oidc.ClientSecret = IdentityProvider.ClientSecret;
            o.Web.Oidc.DisplayName = DisplayName;
        },

        // The handshake's correlation cookies expire by the server's clock, which the browser compares with its own:
        // this server's clock stands at the browser's time rather than at the demo's fixed date.
        startAt: DateTimeOffset.UtcNow);
        await _provider.RegisterClientAsync(_server.Address);
    }

    public async Task DisposeAsync()
    {
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }

        if (_provider is not null)
        {
            await _provider.DisposeAsync();
        }

        await _browser.DisposeAsync();
    }
}
