using System.Net;
using Keyward.Common;
using Keyward.Notifications;
using Keyward.People;
using Keyward.Server.Notifications;
using Keyward.Server.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using MimeKit;

namespace Keyward.Server.Tests.Notifications;

/// <summary>
/// The outbox on a running server: a staged message is delivered by the dispatcher to the pickup folder or over
/// SMTP, a failed delivery is recorded and retried with back-off, and the server keeps serving.
/// </summary>
public sealed class NotificationDeliveryTests
{
    private const string Body = "Hello Carol,\n\nYour key recovery request was approved.\nNo password is ever sent by e-mail.\n\nKeyward";

    [Fact]
    public async Task Dispatcher_DemoPickupFolder_WritesOneEmlWithToSubjectAndBody()
    {
        await using var server = await DemoServer.StartAsync();
        var pickup = Path.Combine(server.DataDirectory, "mail");

        var staged = await StageForAsync(server, "carol", "Your key recovery request", Body);

        var file = Path.Combine(pickup, staged.Id + ".eml");
        await Eventually.HoldsAsync($"{file} exists", () => Task.FromResult(File.Exists(file)));
        var message = await MimeMessage.LoadAsync(file);
        Assert.Equal("carol@acme.example", Assert.Single(message.To.Mailboxes).Address);
        Assert.Equal("keyward@localhost", Assert.Single(message.From.Mailboxes).Address);
        Assert.Equal("Your key recovery request", message.Subject);
        Assert.Equal(Body.ReplaceLineEndings(), message.TextBody!.TrimEnd().ReplaceLineEndings());
        Assert.Equal($"{staged.Id}@localhost", message.MessageId);
        Assert.Equal("auto-generated", message.Headers["Auto-Submitted"]);
        Assert.Equal(DemoServer.Start, message.Date);
        Assert.Equal([staged.Id + ".eml"], Directory.GetFiles(pickup).Select(Path.GetFileName));

        var sent = await Eventually.ValueAsync("the message is marked sent", () => FindSentAsync(server, staged.Id));
        Assert.Equal(DemoServer.Start.UtcDateTime, sent.SentAt);
        Assert.Equal(0, sent.Attempts);
    }

    [Fact]
    public async Task Dispatcher_SmtpHost_DeliversWithMailKitToTheRecipient()
    {
        await using var smtp = SmtpTestServer.Start();
        await using var server = await DemoServer.StartAsync(o =>
        {
            o.Mail.Host = "127.0.0.1";
            o.Mail.Port = smtp.Port;
            o.Mail.Security = MailSecurity.None;
            o.Mail.From = "Keyward <keyward@acme.example>";
        });

        var staged = await StageForAsync(server, "carol", "Your key recovery request", Body);

        var mail = await Eventually.ValueAsync("the SMTP server received a message", () => Task.FromResult(smtp.Received.FirstOrDefault()));
        Assert.Equal("keyward@acme.example", mail.From);
        Assert.Equal(["carol@acme.example"], mail.Recipients);
        var message = mail.Parse();
        Assert.Equal("carol@acme.example", Assert.Single(message.To.Mailboxes).Address);
        Assert.Equal("Your key recovery request", message.Subject);
        Assert.Equal(Body.ReplaceLineEndings(), message.TextBody!.TrimEnd().ReplaceLineEndings());
        Assert.Equal($"{staged.Id}@acme.example", message.MessageId);
        await Eventually.ValueAsync("the message is marked sent", () => FindSentAsync(server, staged.Id));
        Assert.False(Directory.Exists(Path.Combine(server.DataDirectory, "mail")), "A configured SMTP host replaces the demo's pickup folder.");
    }

    [Fact]
    public async Task Dispatcher_SmtpHostRefusesConnections_RecordsFailureRetriesWithBackOffServerStaysUp()
    {
        await using var server = await DemoServer.StartAsync(o =>
        {
            o.Mail.Host = "127.0.0.1";
            o.Mail.Port = SmtpTestServer.ClosedPort();
            o.Mail.Security = MailSecurity.None;
        });
        var now = DemoServer.Start.UtcDateTime;

        var staged = await StageForAsync(server, "carol", "Your key recovery request", Body);

        var failed = await Eventually.ValueAsync("the first attempt failed", () => FindAsync(server, staged.Id, n => n.Attempts >= 1));
        Assert.Equal(1, failed.Attempts);
        Assert.Null(failed.SentAt);
        Assert.False(string.IsNullOrWhiteSpace(failed.LastError));
        Assert.Equal(now.AddMinutes(1), failed.NextAttemptAt);
        using (var health = await server.Client.GetAsync(new Uri("/health", UriKind.Relative)))
        {
            Assert.Equal(HttpStatusCode.OK, health.StatusCode);
        }

        // Not before the back-off has passed; then the timer's next tick tries again and doubles the wait.
        server.Clock.Advance(TimeSpan.FromSeconds(59));
        Assert.Equal(0, await Dispatcher(server).DeliverDueAsync(CancellationToken.None));
        Assert.Equal(1, (await FindAsync(server, staged.Id, _ => true))!.Attempts);
        server.Clock.Advance(TimeSpan.FromSeconds(1));
        var retried = await Eventually.ValueAsync("the second attempt failed", () => FindAsync(server, staged.Id, n => n.Attempts >= 2));
        Assert.Equal(now.AddMinutes(1 + 2), retried.NextAttemptAt);
        Assert.Null(retried.SentAt);
    }

    internal static NotificationDispatcher Dispatcher(DemoServer server) =>
        server.App.Services.GetServices<IHostedService>().OfType<NotificationDispatcher>().Single();

    /// <summary>Stages an owner notice for a demo person in a unit of work of its own, as a use case would.</summary>
    internal static async Task<Notification> StageForAsync(DemoServer server, string logonName, string subject, string body)
    {
        await using var scope = server.App.Services.CreateAsyncScope();
        var store = scope.ServiceProvider.GetRequiredService<IKeywardStore>();
        var person = await store.FirstOrDefaultAsync(store.People.Where(p => p.LogonName == logonName), CancellationToken.None);
        var notice = OwnerNotices.For(person!, subject, body, server.Clock.GetUtcNow().UtcDateTime)!;
        store.Add(notice);
        await store.SaveChangesAsync(CancellationToken.None);
        return notice;
    }

    internal static Task<Notification?> FindSentAsync(DemoServer server, string id) => FindAsync(server, id, n => n.SentAt != null);

    internal static async Task<Notification?> FindAsync(DemoServer server, string id, Func<Notification, bool> condition)
    {
        await using var scope = server.App.Services.CreateAsyncScope();
        var store = scope.ServiceProvider.GetRequiredService<IKeywardStore>();
        var notification = await store.FirstOrDefaultAsync(store.Notifications.Where(n => n.Id == id), CancellationToken.None);
        return notification is not null && condition(notification) ? notification : null;
    }
}
