namespace Keyward.Storage.Tests.Infrastructure;

/// <summary>Assertions about values that came back from the database.</summary>
public static class AssertStored
{
    /// <summary>The same instant to the tick, and marked UTC (both providers must hand back UTC kinds).</summary>
    public static void Instant(DateTime expected, DateTime actual)
    {
        Assert.Equal(DateTimeKind.Utc, actual.Kind);
        Assert.Equal(expected.Ticks, actual.Ticks);
    }

    public static void Instant(DateTime? expected, DateTime? actual)
    {
        Assert.Equal(expected.HasValue, actual.HasValue);
        if (expected is { } e && actual is { } a)
        {
            Instant(e, a);
        }
    }
}
