using MailKit.Net.Smtp;
using MailKit.Security;
using Keyward.Server.Hosting;
using MimeKit;

namespace Keyward.Server.Notifications;

/// <summary>Delivers messages for one dispatcher round; disposing it ends the round (closes a connection).</summary>
internal interface IMailSender : IAsyncDisposable
{
    /// <summary>Delivers one message or throws; the dispatcher records a throw as a failed attempt.</summary>
    Task SendAsync(string notificationId, MimeMessage message, CancellationToken cancellationToken);
}

/// <summary>Chooses the sender from <see cref="MailOptions"/>: the pickup folder first, then SMTP.</summary>
internal sealed class MailSenderFactory(MailOptions options)
{
    public IMailSender Open() => string.IsNullOrWhiteSpace(options.PickupDirectory)
        ? new SmtpMailSender(options)
        : new PickupDirectoryMailSender(options.PickupDirectory);
}

/// <summary>
/// Writes each message as <c>{notification id}.eml</c> (RFC 5322) into a folder. The file is written under a
/// temporary name and then renamed, so a reader of <c>*.eml</c> never sees half a message.
/// </summary>
internal sealed class PickupDirectoryMailSender(string directory) : IMailSender
{
    public async Task SendAsync(string notificationId, MimeMessage message, CancellationToken cancellationToken)
    {
        // Messages name people and what happened to their keys: the folder and the files are the server user's alone.
        DataFolder.Create(directory);
        var final = Path.Combine(directory, notificationId + ".eml");
        var temporary = Path.Combine(directory, $".{notificationId}.{Guid.NewGuid():N}.tmp");
        try
        {
            await using (var file = new FileStream(temporary, DataFolder.NewFile(asynchronous: true)))
            {
                await message.WriteToAsync(file, cancellationToken).ConfigureAwait(false);
                await file.FlushAsync(cancellationToken).ConfigureAwait(false);
            }

            File.Move(temporary, final, overwrite: true);
        }
        finally
        {
            File.Delete(temporary);
        }
    }

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}

/// <summary>Sends over SMTP with MailKit: connects on the first message of a round and reuses the connection.</summary>
internal sealed class SmtpMailSender(MailOptions options) : IMailSender
{
    private SmtpClient? _client;

    public async Task SendAsync(string notificationId, MimeMessage message, CancellationToken cancellationToken)
    {
        var client = await ConnectedAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await client.SendAsync(message, cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            // A failed send may leave the session in any state: start the next message on a new connection.
            await CloseAsync().ConfigureAwait(false);
            throw;
        }
    }

    public async ValueTask DisposeAsync() => await CloseAsync().ConfigureAwait(false);

    private async Task<SmtpClient> ConnectedAsync(CancellationToken cancellationToken)
    {
        if (_client is { IsConnected: true })
        {
            return _client;
        }

        await CloseAsync().ConfigureAwait(false);
        var client = new SmtpClient { Timeout = (int)Math.Clamp(options.Timeout.TotalMilliseconds, 1, int.MaxValue) };
        _client = client;
        var security = options.Security switch
        {
            MailSecurity.None => SecureSocketOptions.None,
            MailSecurity.SslOnConnect => SecureSocketOptions.SslOnConnect,
            _ => SecureSocketOptions.StartTls,
        };
        var host = options.Host ?? throw new InvalidOperationException("Keyward:Mail:Host is not set.");
        await client.ConnectAsync(host, options.EffectivePort, security, cancellationToken).ConfigureAwait(false);
        if (!string.IsNullOrEmpty(options.UserName))
        {
            await client.AuthenticateAsync(options.UserName, options.Password ?? string.Empty, cancellationToken).ConfigureAwait(false);
        }

        return client;
    }

    private async Task CloseAsync()
    {
        if (_client is not { } client)
        {
            return;
        }

        _client = null;
        try
        {
            if (client.IsConnected)
            {
                using var quit = new CancellationTokenSource(TimeSpan.FromSeconds(10));
                await client.DisconnectAsync(true, quit.Token).ConfigureAwait(false);
            }
        }
        catch (Exception ex) when (ex is IOException or MailKit.ProtocolException or SmtpCommandException or OperationCanceledException or System.Net.Sockets.SocketException)
        {
            // The connection is going away either way.
        }
        finally
        {
            client.Dispose();
        }
    }
}
