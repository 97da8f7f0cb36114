namespace Keyward.Server.Tests.Infrastructure;

/// <summary>Waits for something a background service does (delivery, expiry), with a generous limit.</summary>
public static class Eventually
{
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(60);

    /// <summary>Polls <paramref name="condition"/> until it holds; fails with <paramref name="what"/> after the timeout.</summary>
    public static async Task HoldsAsync(string what, Func<Task<bool>> condition, TimeSpan? timeout = null)
    {
        ArgumentNullException.ThrowIfNull(condition);
        using var limit = new CancellationTokenSource(timeout ?? DefaultTimeout);
        while (!await condition())
        {
            try
            {
                await Task.Delay(TimeSpan.FromMilliseconds(50), limit.Token);
            }
            catch (OperationCanceledException)
            {
                Assert.Fail($"Timed out waiting until {what}.");
            }
        }
    }

    /// <summary>Polls <paramref name="read"/> until it answers something other than null.</summary>
    public static async Task<T> ValueAsync<T>(string what, Func<Task<T?>> read, TimeSpan? timeout = null)
        where T : class
    {
        ArgumentNullException.ThrowIfNull(read);
        T? value = null;
        await HoldsAsync(what, async () => (value = await read()) is not null, timeout);
        return value!;
    }
}
