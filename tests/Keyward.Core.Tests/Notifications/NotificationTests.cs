using Keyward.Notifications;

namespace Keyward.Tests.Notifications;

/// <summary>One outbox message: due, claimed, sent, or failed with exponential back-off until it gives up.</summary>
public class NotificationTests
{
    private static readonly DateTime T0 = new(2026, 3, 1, 9, 0, 0, DateTimeKind.Utc);
    private static readonly TimeSpan Lease = TimeSpan.FromMinutes(5);

    [Fact]
    public void New_Notification_IsDueAtOnceWithNoAttempts()
    {
        var n = New();

        Assert.Equal(("n-1", "p-1", "carol@acme.example", "Subject", "Body"), (n.Id, n.PersonId, n.To, n.Subject, n.Body));
        Assert.Equal((T0, T0, 0, (DateTime?)null, (string?)null), (n.CreatedAt, n.NextAttemptAt, n.Attempts, n.SentAt, n.LastError));
        Assert.True(n.IsDue(T0));
        Assert.False(n.IsDue(T0.AddTicks(-1)));
        Assert.False(n.GaveUp);
    }

    [Theory]
    [InlineData(1, 1)]
    [InlineData(2, 2)]
    [InlineData(3, 4)]
    [InlineData(4, 8)]
    [InlineData(5, 16)]
    [InlineData(6, 32)]
    [InlineData(7, 60)]
    [InlineData(8, 60)]
    [InlineData(9, 60)]
    [InlineData(100, 60)]
    public void RetryDelay_AfterFailures_DoublesFromOneMinuteUpToOneHour(int failures, int minutes)
    {
        Assert.Equal(TimeSpan.FromMinutes(minutes), Notification.RetryDelay(failures));
    }

    [Fact]
    public void RecordFailure_EachAttempt_SchedulesTheNextWithBackOff()
    {
        var n = New();
        var now = T0;
        var expected = new[] { 1, 2, 4, 8, 16, 32, 60, 60, 60 };

        foreach (var minutes in expected)
        {
            Assert.True(n.Claim(now, Lease));
            n.RecordFailure("Connection refused.", now);

            Assert.Equal(now.AddMinutes(minutes), n.NextAttemptAt);
            Assert.False(n.IsDue(now.AddMinutes(minutes).AddTicks(-1)));
            Assert.True(n.IsDue(now.AddMinutes(minutes)));
            now = n.NextAttemptAt;
        }

        Assert.Equal(9, n.Attempts);
        Assert.Equal("Connection refused.", n.LastError);
        Assert.False(n.GaveUp);
    }

    [Fact]
    public void RecordFailure_TenthAttempt_GivesUpAndStaysOnRecord()
    {
        var n = New();
        for (var i = 0; i < Notification.MaxAttempts; i++)
        {
            n.RecordFailure($"failure {i + 1}", n.NextAttemptAt);
        }

        Assert.Equal(10, n.Attempts);
        Assert.True(n.GaveUp);
        Assert.Null(n.SentAt);
        Assert.Equal("failure 10", n.LastError);
        Assert.False(n.IsDue(DateTime.MaxValue));
        Assert.False(n.Claim(n.NextAttemptAt.AddDays(365), Lease));
    }

    [Fact]
    public void RecordFailure_LongError_KeepsTheFirst2000Characters()
    {
        var n = New();

        n.RecordFailure(new string('x', 5000), T0);

        Assert.Equal(Notification.MaxErrorLength, n.LastError!.Length);
    }

    [Fact]
    public void Claim_DueMessage_LeasesItAndChangesTheStamp()
    {
        var n = New();
        var stamp = n.ConcurrencyStamp;

        Assert.True(n.Claim(T0, Lease));

        Assert.NotEqual(stamp, n.ConcurrencyStamp);
        Assert.Equal(T0 + Lease, n.NextAttemptAt);
        Assert.False(n.IsDue(T0.AddMinutes(4)));
        Assert.False(n.Claim(T0.AddMinutes(4), Lease));

        // A dispatcher that died mid-send is replaced once the lease has passed.
        Assert.True(n.Claim(T0 + Lease, Lease));
        Assert.Equal(0, n.Attempts);
    }

    [Fact]
    public void MarkSent_ClaimedMessage_IsNoLongerDue()
    {
        var n = New();
        Assert.True(n.Claim(T0, Lease));
        var stamp = n.ConcurrencyStamp;

        n.MarkSent(T0.AddSeconds(1));

        Assert.Equal(T0.AddSeconds(1), n.SentAt);
        Assert.NotEqual(stamp, n.ConcurrencyStamp);
        Assert.False(n.IsDue(DateTime.MaxValue));
        Assert.False(n.Claim(T0.AddDays(1), Lease));
        Assert.False(n.GaveUp);
        Assert.Throws<InvalidOperationException>(() => n.MarkSent(T0.AddSeconds(2)));
        Assert.Throws<InvalidOperationException>(() => n.RecordFailure("late", T0.AddSeconds(2)));
    }

    [Fact]
    public void MarkSent_AfterFailures_KeepsTheLastErrorForTheRecord()
    {
        var n = New();
        n.RecordFailure("Timed out.", T0);

        n.MarkSent(T0.AddMinutes(1));

        Assert.Equal((1, "Timed out.", (DateTime?)T0.AddMinutes(1)), (n.Attempts, n.LastError, n.SentAt));
    }

    private static Notification New() => new("n-1", "p-1", " carol@acme.example ", "Subject", "Body", T0);
}
