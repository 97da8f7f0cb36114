namespace Keyward.Server.Tests.Infrastructure;

/// <summary>One demo server shared by the read-only tests of a class.</summary>
public sealed class DemoServerFixture : IAsyncLifetime
{
    private DemoServer? _server;

    public DemoServer Server => _server ?? throw new InvalidOperationException("The server has not started.");

    public async Task InitializeAsync() => _server = await DemoServer.StartAsync();

    public async Task DisposeAsync()
    {
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }
    }
}
