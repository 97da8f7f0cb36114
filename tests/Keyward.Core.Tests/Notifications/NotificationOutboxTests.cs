using Keyward.Common;
using Keyward.Notifications;
using Keyward.Tests.Support;
using Microsoft.Extensions.Time.Testing;

namespace Keyward.Tests.Notifications;

/// <summary>The dispatcher's steps over the store: which messages are due, claiming one, recording the outcome.</summary>
public class NotificationOutboxTests
{
    private readonly FakeTimeProvider _clock = new(new DateTimeOffset(2026, 3, 1, 9, 0, 0, TimeSpan.Zero));
    private readonly InMemoryKeywardStore _store = new();
    private readonly NotificationOutbox _outbox;

    public NotificationOutboxTests() => _outbox = new NotificationOutbox(_store, _clock);

    private DateTime Now => _clock.GetUtcNow().UtcDateTime;

    [Fact]
    public async Task DueAsync_MixedMessages_OnlyUnsentDueOnesOldestFirst()
    {
        var later = Message("later", Now.AddMinutes(-1));
        var first = Message("first", Now.AddMinutes(-2));
        var future = Message("future", Now.AddMinutes(1));
        var sent = Message("sent", Now.AddMinutes(-3));
        sent.MarkSent(Now);
        var gaveUp = Message("gave-up", Now.AddMinutes(-3));
        for (var i = 0; i < Notification.MaxAttempts; i++)
        {
            gaveUp.RecordFailure("refused", Now.AddHours(-20));
        }

        _store.Seed(later, first, future, sent, gaveUp);

        Assert.Equal(["first", "later"], await _outbox.DueAsync(10, CancellationToken.None));
        Assert.Equal(["first"], await _outbox.DueAsync(1, CancellationToken.None));
    }

    [Fact]
    public async Task ClaimAsync_DueMessage_SavesTheLease()
    {
        var n = Message("n", Now);
        _store.Seed(n);

        var claimed = await _outbox.ClaimAsync("n", CancellationToken.None);

        Assert.Same(n, claimed);
        Assert.Equal(1, _store.Saves);
        Assert.Equal(Now + NotificationOutbox.ClaimLease, n.NextAttemptAt);
        Assert.Empty(await _outbox.DueAsync(10, CancellationToken.None));
        Assert.Null(await _outbox.ClaimAsync("n", CancellationToken.None));
        Assert.Null(await _outbox.ClaimAsync("unknown", CancellationToken.None));
    }

    [Fact]
    public async Task ClaimAsync_AnotherDispatcherSavedFirst_NullAndNoThrow()
    {
        _store.Seed(Message("n", Now));
        _store.BeforeSave = () => throw new ConcurrencyConflictException();

        Assert.Null(await _outbox.ClaimAsync("n", CancellationToken.None));
    }

    [Fact]
    public async Task ClaimDueAsync_SeveralDue_ClaimsTheOldestInOneSave()
    {
        _store.Seed(Message("b", Now.AddMinutes(-1)), Message("a", Now.AddMinutes(-2)), Message("c", Now), Message("future", Now.AddMinutes(1)));

        var claimed = await _outbox.ClaimDueAsync(2, CancellationToken.None);

        Assert.Equal(["a", "b"], claimed.Select(n => n.Id));
        Assert.Equal(1, _store.Saves);
        Assert.All(claimed, n => Assert.Equal(Now + NotificationOutbox.ClaimLease, n.NextAttemptAt));
        Assert.Equal(["c"], await _outbox.DueAsync(10, CancellationToken.None));
        Assert.Equal(["c"], (await _outbox.ClaimDueAsync(10, CancellationToken.None)).Select(n => n.Id));
        Assert.Empty(await _outbox.ClaimDueAsync(10, CancellationToken.None));
        Assert.Equal(2, _store.Saves);
    }

    [Fact]
    public async Task RecordAsync_SentFailedAndNotTried_OneSaveEachOutcomeAsItWent()
    {
        _store.Seed(Message("sent", Now), Message("failed", Now), Message("untried", Now));
        var claimed = (await _outbox.ClaimDueAsync(10, CancellationToken.None)).ToDictionary(n => n.Id);
        _clock.Advance(TimeSpan.FromSeconds(3));

        var lapsed = await _outbox.RecordAsync(
            [DeliveryOutcome.Sent(claimed["sent"]), DeliveryOutcome.Failed(claimed["failed"], "Connection refused."), DeliveryOutcome.NotTried(claimed["untried"])],
            CancellationToken.None);

        Assert.Empty(lapsed);
        Assert.Equal(2, _store.Saves);
        Assert.Equal(Now, claimed["sent"].SentAt);
        Assert.Equal((1, "Connection refused.", Now.AddMinutes(1)), (claimed["failed"].Attempts, claimed["failed"].LastError, claimed["failed"].NextAttemptAt));
        Assert.Equal((0, null, Now), (claimed["untried"].Attempts, claimed["untried"].SentAt, claimed["untried"].NextAttemptAt));
        Assert.Equal(["untried"], await _outbox.DueAsync(10, CancellationToken.None));
        _clock.Advance(TimeSpan.FromMinutes(1));
        Assert.Equal(["failed", "untried"], (await _outbox.DueAsync(10, CancellationToken.None)).Order());
        _clock.Advance(TimeSpan.FromDays(1));
        Assert.DoesNotContain("sent", await _outbox.DueAsync(10, CancellationToken.None));
    }

    private static Notification Message(string id, DateTime createdAt) => new(id, "p-carol", "carol@acme.example", "Subject " + id, "Body", createdAt);
}
