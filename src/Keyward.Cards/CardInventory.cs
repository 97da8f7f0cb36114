namespace Keyward.Cards;

/// <summary>
/// What a collection will do to a card, certificate by certificate, computed before it starts so the person can be
/// shown it (and afterwards, what it did). Every list holds certificates as DER; the four are disjoint.
/// </summary>
/// <param name="Added">Requested, and not yet on the card with its key: will be written.</param>
/// <param name="AlreadyPresent">Requested, and on the card with its key already: nothing to write.</param>
/// <param name="Removed">To be removed, and on the card.</param>
/// <param name="Kept">On the card, and neither requested nor to be removed: left as they are.</param>
public sealed record CardInventory(
    IReadOnlyList<byte[]> Added,
    IReadOnlyList<byte[]> AlreadyPresent,
    IReadOnlyList<byte[]> Removed,
    IReadOnlyList<byte[]> Kept)
{
    /// <summary>Compares the card's contents with a request.</summary>
    /// <param name="onCard">The card's contents.</param>
    /// <param name="requested">The certificates the request puts on the card.</param>
    /// <param name="toRemove">The certificates the request takes off the card (those not on it are ignored).</param>
    /// <exception cref="ArgumentException">A certificate is both requested and to be removed.</exception>
    public static CardInventory Compare(CardContents onCard, IEnumerable<byte[]> requested, IEnumerable<byte[]> toRemove)
    {
        ArgumentNullException.ThrowIfNull(onCard);
        ArgumentNullException.ThrowIfNull(requested);
        ArgumentNullException.ThrowIfNull(toRemove);
        var wanted = Distinct(requested);
        var unwanted = Distinct(toRemove);
        if (wanted.Keys.Intersect(unwanted.Keys).Any())
        {
            throw new ArgumentException("A certificate is both requested and to be removed.", nameof(toRemove));
        }

        var cardByKey = new Dictionary<string, CardCertificate>(StringComparer.Ordinal);
        foreach (var certificate in onCard.Certificates)
        {
            cardByKey.TryAdd(Key(certificate.Der), certificate);
        }

        return new CardInventory(
            [.. wanted.Where(w => !(cardByKey.TryGetValue(w.Key, out var c) && c.HasPrivateKey)).Select(w => w.Value)],
            [.. wanted.Where(w => cardByKey.TryGetValue(w.Key, out var c) && c.HasPrivateKey).Select(w => w.Value)],
            [.. unwanted.Where(u => cardByKey.ContainsKey(u.Key)).Select(u => u.Value)],
            [.. cardByKey.Where(c => !wanted.ContainsKey(c.Key) && !unwanted.ContainsKey(c.Key)).Select(c => c.Value.Der)]);
    }

    private static string Key(byte[] der) => Convert.ToBase64String(der);

    // Insertion-ordered, first occurrence wins: the lists keep the request's order.
    private static OrderedDictionary<string, byte[]> Distinct(IEnumerable<byte[]> certificates)
    {
        var distinct = new OrderedDictionary<string, byte[]>(StringComparer.Ordinal);
        foreach (var der in certificates)
        {
            ArgumentNullException.ThrowIfNull(der, nameof(certificates));
            distinct.TryAdd(Key(der), der);
        }

        return distinct;
    }
}
