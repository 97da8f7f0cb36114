using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text;
using MimeKit;

namespace Keyward.Server.Tests.Notifications;

/// <summary>One message as an SMTP server received it.</summary>
public sealed record ReceivedMail(string From, IReadOnlyList<string> Recipients, byte[] Data)
{
    public MimeMessage Parse() => MimeMessage.Load(new MemoryStream(Data));
}

/// <summary>
/// Just enough of an SMTP server (RFC 5321: greeting, EHLO/HELO, MAIL FROM, RCPT TO, DATA, RSET, NOOP, QUIT; no
/// TLS, no extensions) on a loopback port, to prove what a client delivered. Serves any number of connections
/// at once; stops when disposed.
/// </summary>
public sealed class SmtpTestServer : IAsyncDisposable
{
    private static readonly Encoding Wire = Encoding.Latin1;

    private readonly TcpListener _listener;
    private readonly CancellationTokenSource _stop = new();
    private readonly ConcurrentQueue<ReceivedMail> _received = new();
    private readonly ConcurrentBag<Task> _sessions = [];
    private readonly Task _accepting;

    private SmtpTestServer()
    {
        _listener = new TcpListener(IPAddress.Loopback, 0);
        _listener.Start();
        _accepting = AcceptAsync();
    }

    public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

    public IReadOnlyCollection<ReceivedMail> Received => _received.ToArray();

    /// <summary>Connections accepted so far.</summary>
    public int Connections => _sessions.Count;

    public static SmtpTestServer Start() => new();

    /// <summary>A loopback port with nothing listening on it (bound, then released).</summary>
    public static int ClosedPort()
    {
        var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        var port = ((IPEndPoint)probe.LocalEndpoint).Port;
        probe.Stop();
        return port;
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        try
        {
            await _accepting;
        }
        catch (Exception ex) when (ex is OperationCanceledException or SocketException or ObjectDisposedException)
        {
        }

        foreach (var session in _sessions)
        {
            try
            {
                await session;
            }
            catch (Exception ex) when (ex is OperationCanceledException or IOException or SocketException or ObjectDisposedException)
            {
            }
        }

        _stop.Dispose();
    }

    private async Task AcceptAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            var client = await _listener.AcceptTcpClientAsync(_stop.Token);
            _sessions.Add(Task.Run(() => SessionAsync(client)));
        }
    }

    private async Task SessionAsync(TcpClient client)
    {
        using var _ = client;
        await using var stream = client.GetStream();
        using var reader = new StreamReader(stream, Wire, detectEncodingFromByteOrderMarks: false, leaveOpen: true);
        await using var writer = new StreamWriter(stream, Wire, leaveOpen: true) { NewLine = "\r\n", AutoFlush = true };
        var token = _stop.Token;
        string? from = null;
        var recipients = new List<string>();

        await writer.WriteLineAsync("220 keyward-test ESMTP ready");
        while (await reader.ReadLineAsync(token) is { } line)
        {
            var verb = (line.Length >= 4 ? line[..4] : line).ToUpperInvariant();
            switch (verb)
            {
                case "EHLO":
                case "HELO":
                    await writer.WriteLineAsync("250 keyward-test");
                    break;
                case "MAIL":
                    from = Address(line);
                    recipients.Clear();
                    await writer.WriteLineAsync("250 2.1.0 Sender OK");
                    break;
                case "RCPT":
                    recipients.Add(Address(line));
                    await writer.WriteLineAsync("250 2.1.5 Recipient OK");
                    break;
                case "DATA":
                    await writer.WriteLineAsync("354 End data with <CR><LF>.<CR><LF>");
                    var data = new StringBuilder();
                    while (await reader.ReadLineAsync(token) is { } dataLine && dataLine != ".")
                    {
                        // Undo dot-stuffing (RFC 5321 §4.5.2).
                        data.Append(dataLine.StartsWith("..", StringComparison.Ordinal) ? dataLine[1..] : dataLine).Append("\r\n");
                    }

                    _received.Enqueue(new ReceivedMail(from ?? string.Empty, [.. recipients], Wire.GetBytes(data.ToString())));
                    from = null;
                    recipients.Clear();
                    await writer.WriteLineAsync("250 2.0.0 Queued");
                    break;
                case "RSET":
                    from = null;
                    recipients.Clear();
                    await writer.WriteLineAsync("250 2.0.0 OK");
                    break;
                case "NOOP":
                    await writer.WriteLineAsync("250 2.0.0 OK");
                    break;
                case "QUIT":
                    await writer.WriteLineAsync("221 2.0.0 Bye");
                    return;
                default:
                    await writer.WriteLineAsync("502 5.5.1 Command not implemented");
                    break;
            }
        }
    }

    private static string Address(string line)
    {
        var open = line.IndexOf('<', StringComparison.Ordinal);
        var close = line.IndexOf('>', open + 1);
        return open >= 0 && close > open ? line[(open + 1)..close] : line[(line.IndexOf(':', StringComparison.Ordinal) + 1)..].Trim();
    }
}
