namespace Keyward.Notifications;

/// <summary>How one attempt on a claimed message ended: <see cref="Error"/> is null when it was sent.</summary>
/// <param name="Notification">The claimed message.</param>
/// <param name="Tried">False when the dispatcher stopped before trying it: its claim is given back.</param>
/// <param name="Error">Why the attempt failed, or null when the message was handed to the mail system.</param>
public readonly record struct DeliveryOutcome(Notification Notification, bool Tried, string? Error)
{
    /// <summary>The message was handed to the mail system.</summary>
    public static DeliveryOutcome Sent(Notification notification) => new(notification, true, null);

    /// <summary>The attempt failed with <paramref name="error"/>.</summary>
    public static DeliveryOutcome Failed(Notification notification, string error) => new(notification, true, error);

    /// <summary>The dispatcher stopped before trying the message.</summary>
    public static DeliveryOutcome NotTried(Notification notification) => new(notification, false, null);

    internal void ApplyTo(Notification notification, DateTime now)
    {
        if (!Tried)
        {
            notification.Release(now);
        }
        else if (Error is null)
        {
            notification.MarkSent(now);
        }
        else
        {
            notification.RecordFailure(Error, now);
        }
    }
}
