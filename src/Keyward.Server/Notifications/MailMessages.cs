using Keyward.Notifications;
using MimeKit;
using MimeKit.Text;

namespace Keyward.Server.Notifications;

/// <summary>Turns an outbox message into an RFC 5322 e-mail.</summary>
internal static class MailMessages
{
    /// <summary>
    /// A plain-text message from <see cref="MailOptions.From"/>. Its Message-Id derives from the notification's
    /// id, so if a message is ever delivered twice (a dispatcher died after sending, before recording it), mail
    /// clients can tell the copies are one message.
    /// </summary>
    /// <exception cref="ParseException">The sender or recipient address is not an address.</exception>
    public static MimeMessage Build(Notification notification, MailOptions options)
    {
        var from = MailboxAddress.Parse(options.From);
        var message = new MimeMessage
        {
            Subject = notification.Subject,
            Date = new DateTimeOffset(DateTime.SpecifyKind(notification.CreatedAt, DateTimeKind.Utc)),
            MessageId = $"{notification.Id}@{(string.IsNullOrEmpty(from.Domain) ? "keyward.local" : from.Domain)}",
            Body = new TextPart(TextFormat.Plain) { Text = notification.Body },
        };
        message.From.Add(from);
        message.To.Add(MailboxAddress.Parse(notification.To));

        // RFC 3834: an automatic message; auto-responders should not answer it.
        message.Headers.Add("Auto-Submitted", "auto-generated");
        return message;
    }
}
