using Keyward.Common;
using Keyward.Notifications;
using Keyward.Storage.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace Keyward.Storage.Tests.Notifications;

/// <summary>The e-mail outbox: rows round-trip, the due query runs in SQL, and two dispatchers' claims race safely.</summary>
public abstract class NotificationStorageTests(ITestDatabaseSource source) : StorageTestBase(source)
{
    private static readonly DateTime T0 = TestData.Instant;

    [Fact]
    public async Task Notification_AllFields_RoundTrip()
    {
        var basics = await SeedBasicsAsync();
        var body = "Hello Target,\n\nLine two with ünïcödé — and a long tail: " + new string('x', 3000);
        var sent = new Notification(Ids.New(), basics.Target.Id, "target@acme.example", "Your key recovery request", body, T0);
        sent.RecordFailure("SMTP 451: try again later.", T0.AddMinutes(1));
        sent.MarkSent(T0.AddMinutes(2));
        var pending = new Notification(Ids.New(), basics.Target.Id, "target@acme.example", "Pending", "Short.", T0);
        await SaveAsync(sent, pending);

        var stored = await FindAsync(s => s.Notifications.Where(n => n.Id == sent.Id));
        var storedPending = await FindAsync(s => s.Notifications.Where(n => n.Id == pending.Id));

        Assert.NotNull(stored);
        Assert.Equal((basics.Target.Id, "target@acme.example", "Your key recovery request", body, 1, "SMTP 451: try again later.", sent.ConcurrencyStamp),
            (stored.PersonId, stored.To, stored.Subject, stored.Body, stored.Attempts, stored.LastError, stored.ConcurrencyStamp));
        AssertStored.Instant(T0, stored.CreatedAt);
        AssertStored.Instant(T0.AddMinutes(2), stored.SentAt);
        AssertStored.Instant(T0.AddMinutes(2), stored.NextAttemptAt);
        Assert.NotNull(storedPending);
        Assert.Null(storedPending.SentAt);
        Assert.Null(storedPending.LastError);
        Assert.Equal(0, storedPending.Attempts);
        AssertStored.Instant(T0, storedPending.NextAttemptAt);
    }

    [Fact]
    public async Task DueAsync_OnTheDatabase_OnlyUnsentDueNotGivenUp()
    {
        var due = new Notification(Ids.New(), "p-1", "a@acme.example", "Due", "Body", T0.AddMinutes(-1));
        var future = new Notification(Ids.New(), "p-1", "a@acme.example", "Future", "Body", T0.AddMinutes(1));
        var sent = new Notification(Ids.New(), "p-1", "a@acme.example", "Sent", "Body", T0.AddMinutes(-2));
        sent.MarkSent(T0);
        var gaveUp = new Notification(Ids.New(), "p-1", "a@acme.example", "Gave up", "Body", T0.AddDays(-2));
        for (var i = 0; i < Notification.MaxAttempts; i++)
        {
            gaveUp.RecordFailure("refused", T0.AddDays(-1));
        }

        await SaveAsync(due, future, sent, gaveUp);

        var ids = await ReadAsync(store => new NotificationOutbox(store, new FakeTimeProvider(new DateTimeOffset(T0))).DueAsync(10, CancellationToken.None));

        Assert.Equal([due.Id], ids);
    }

    [Fact]
    public async Task ClaimAsync_TwoDispatchersReadTheSameRow_OnlyOneClaims()
    {
        var message = new Notification(Ids.New(), "p-1", "a@acme.example", "Once", "Body", T0);
        await SaveAsync(message);
        var clock = new FakeTimeProvider(new DateTimeOffset(T0));
        await using var first = NewScope();
        await using var second = NewScope();
        var a = await LoadAsync(first, message.Id);
        var b = await LoadAsync(second, message.Id);

        Assert.True(a.Claim(T0, NotificationOutbox.ClaimLease));
        Assert.True(b.Claim(T0, NotificationOutbox.ClaimLease));
        await StoreOf(first).SaveChangesAsync(CancellationToken.None);

        await Assert.ThrowsAsync<ConcurrencyConflictException>(() => StoreOf(second).SaveChangesAsync(CancellationToken.None));

        // Through the outbox, a dispatcher that reads after the claim finds nothing to do.
        Assert.Empty(await ReadAsync(store => new NotificationOutbox(store, clock).DueAsync(10, CancellationToken.None)));
        Assert.Null(await ReadAsync(store => new NotificationOutbox(store, clock).ClaimAsync(message.Id, CancellationToken.None)));
    }

    [Fact]
    public async Task ClaimDueAsync_TwoDispatchersAtOnce_EachMessageClaimedOnce()
    {
        var messages = Enumerable.Range(0, 30).Select(i => new Notification(Ids.New(), "p-1", "a@acme.example", $"Message {i}", "Body", T0.AddSeconds(-i))).ToArray();
        await SaveAsync(messages);
        var clock = new FakeTimeProvider(new DateTimeOffset(T0));

        var claims = new List<string>();
        for (var round = 0; round < 4; round++)
        {
            var both = await Task.WhenAll(
                Task.Run(() => ReadAsync(async store => (await new NotificationOutbox(store, clock).ClaimDueAsync(10, CancellationToken.None)).Select(n => n.Id).ToList())),
                Task.Run(() => ReadAsync(async store => (await new NotificationOutbox(store, clock).ClaimDueAsync(10, CancellationToken.None)).Select(n => n.Id).ToList())));
            claims.AddRange(both.SelectMany(ids => ids));
        }

        // Every message went to exactly one of them, and each claim is on the database.
        Assert.Equal(messages.Select(m => m.Id).Order(), claims.Order());
        Assert.Empty(await ReadAsync(store => new NotificationOutbox(store, clock).DueAsync(100, CancellationToken.None)));
    }

    [Fact]
    public async Task RecordAsync_ClaimLapsedAndTakenOver_ReportsItAndLeavesTheOtherClaimAlone()
    {
        var kept = new Notification(Ids.New(), "p-1", "a@acme.example", "Kept", "Body", T0);
        var lost = new Notification(Ids.New(), "p-1", "a@acme.example", "Lost", "Body", T0.AddSeconds(-1));
        await SaveAsync(kept, lost);
        var clock = new FakeTimeProvider(new DateTimeOffset(T0));
        await using var slow = NewScope();
        var outbox = new NotificationOutbox(StoreOf(slow), clock);
        var claimed = await outbox.ClaimDueAsync(10, CancellationToken.None);
        Assert.Equal([lost.Id, kept.Id], claimed.Select(n => n.Id));

        // The lease passes; another dispatcher finds both due again, claims one of them and is still sending it.
        clock.Advance(NotificationOutbox.ClaimLease);
        var takenOver = await ReadAsync(store => new NotificationOutbox(store, clock).ClaimAsync(lost.Id, CancellationToken.None));
        Assert.NotNull(takenOver);

        var lapsed = await outbox.RecordAsync([DeliveryOutcome.Sent(claimed[0]), DeliveryOutcome.Sent(claimed[1])], CancellationToken.None);

        Assert.Equal([lost.Id], lapsed);
        var storedLost = await FindAsync(s => s.Notifications.Where(n => n.Id == lost.Id));
        var storedKept = await FindAsync(s => s.Notifications.Where(n => n.Id == kept.Id));
        Assert.Equal((null, takenOver.ConcurrencyStamp), (storedLost!.SentAt, storedLost.ConcurrencyStamp));
        AssertStored.Instant(clock.GetUtcNow().UtcDateTime, storedKept!.SentAt);
    }

    [Fact]
    public async Task SaveChangesAsync_WithNewNotification_PokesTheDispatcher()
    {
        var signal = Services.GetRequiredService<NotificationSignal>();
        var basics = await SeedBasicsAsync();

        await SaveAsync(new Notification(Ids.New(), basics.Target.Id, "target@acme.example", "Hello", "Body", T0));

        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await signal.WaitAsync(timeout.Token);
    }

    private static async Task<Notification> LoadAsync(AsyncServiceScope scope, string id)
    {
        var store = StoreOf(scope);
        var notification = await store.FirstOrDefaultAsync(store.Notifications.Where(n => n.Id == id), CancellationToken.None);
        Assert.NotNull(notification);
        return notification;
    }
}

[Collection(OnSqlite.Name)]
public sealed class SqliteNotificationStorageTests(SqliteDatabases databases) : NotificationStorageTests(databases);

[Collection(OnPostgres.Name)]
public sealed class PostgresNotificationStorageTests(PostgresServer server) : NotificationStorageTests(server);
