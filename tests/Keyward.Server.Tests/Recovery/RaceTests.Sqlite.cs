using Keyward.Server.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Keyward.Server.Tests.Recovery;

/// <summary>The races on the embedded default: one server on its SQLite database (docs/architecture.md#storage).</summary>
public sealed class SqliteRaceTests(ITestOutputHelper output) : RaceTests(output)
{
    protected override async Task<Deployment> StartAsync() => new(await DemoServer.StartAsync());
}
