using System.Security.Cryptography;
using Microsoft.Extensions.Caching.Memory;

namespace Keyward.Server.Web;

/// <summary>
/// A collected PFX waiting for its one download: the collect form's answer shows the password (once) and a link,
/// and the link fetches the file. The file is kept in this process's memory only — never on disk — for at most
/// <see cref="Lifetime"/>, for the person who collected it only, and is gone after one download. It is encrypted under
/// its password, which is not kept here. Thread-safe; one per process.
/// </summary>
internal sealed class PfxDownloads(IMemoryCache cache)
{
    public static readonly TimeSpan Lifetime = TimeSpan.FromMinutes(5);

    /// <summary>Keeps <paramref name="pfx"/> for <paramref name="personId"/>; answers the ticket its link carries.</summary>
    public string Keep(string personId, string requestId, byte[] pfx)
    {
        var ticket = Convert.ToHexString(RandomNumberGenerator.GetBytes(24)).ToLowerInvariant();
        cache.Set(Key(ticket), new Waiting(personId, requestId, pfx), Lifetime);
        return ticket;
    }

    /// <summary>Takes the file of <paramref name="ticket"/> when it is <paramref name="personId"/>'s, for <paramref name="requestId"/>; null otherwise.</summary>
    public byte[]? Take(string personId, string requestId, string ticket)
    {
        if (ticket.Length > 64 || !cache.TryGetValue(Key(ticket), out Waiting? waiting) || waiting is null
            || waiting.PersonId != personId || waiting.RequestId != requestId)
        {
            return null;
        }

        cache.Remove(Key(ticket));
        return waiting.Pfx;
    }

    private static string Key(string ticket) => "keyward.web.pfx." + ticket;

    private sealed record Waiting(string PersonId, string RequestId, byte[] Pfx);
}
