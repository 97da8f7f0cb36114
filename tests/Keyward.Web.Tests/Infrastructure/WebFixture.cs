namespace Keyward.Web.Tests.Infrastructure;

/// <summary>One demo server and one Chromium for the tests of a class.</summary>
public sealed class WebFixture : IAsyncLifetime
{
    private readonly Browser _browser = new();
    private WebServer? _server;

    public WebServer Server => _server ?? throw new InvalidOperationException("The server has not started.");

    public Browser Browser => _browser;

    public async Task InitializeAsync()
    {
        await _browser.InitializeAsync();
        _server = await WebServer.StartAsync();
    }

    public async Task DisposeAsync()
    {
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }

        await _browser.DisposeAsync();
    }
}
