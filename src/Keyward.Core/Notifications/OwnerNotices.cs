using Keyward.Common;
using Keyward.People;

namespace Keyward.Notifications;

/// <summary>
/// Makes the e-mail notice that tells a person about something done to their credentials. A use case composes
/// the text, stages the result with <see cref="IKeywardStore.Add{T}"/> in the unit of work of the change, and
/// skips it when this answers null. The text must never hold a secret (password, PIN, key material).
/// </summary>
public static class OwnerNotices
{
    /// <summary>A notice to <paramref name="owner"/>, or null when they have no e-mail address.</summary>
    public static Notification? For(Person owner, string subject, string body, DateTime now)
    {
        ArgumentNullException.ThrowIfNull(owner);
        ArgumentException.ThrowIfNullOrWhiteSpace(subject);
        ArgumentNullException.ThrowIfNull(body);
        return string.IsNullOrWhiteSpace(owner.Email)
            ? null
            : new Notification(Ids.New(), owner.Id, owner.Email, subject, body, now);
    }
}
