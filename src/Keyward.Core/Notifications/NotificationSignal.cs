namespace Keyward.Notifications;

/// <summary>
/// Wakes the notification dispatcher of this process as soon as new messages are saved, instead of at its next
/// timer tick. One per process (a singleton). Pokes that arrive while the dispatcher is busy are not lost:
/// they coalesce into one more pass. Other processes find the messages on their own timer.
/// </summary>
public sealed class NotificationSignal
{
    private readonly System.Threading.Channels.Channel<bool> _pokes =
        System.Threading.Channels.Channel.CreateBounded<bool>(new System.Threading.Channels.BoundedChannelOptions(1)
        {
            FullMode = System.Threading.Channels.BoundedChannelFullMode.DropWrite,
        });

    /// <summary>Asks for a delivery pass soon. Cheap, never blocks, safe from any thread.</summary>
    public void Poke() => _pokes.Writer.TryWrite(true);

    /// <summary>Completes at the first poke not yet waited for (at once if one came since the last wait).</summary>
    public async Task WaitAsync(CancellationToken cancellationToken) =>
        await _pokes.Reader.ReadAsync(cancellationToken).ConfigureAwait(false);
}
