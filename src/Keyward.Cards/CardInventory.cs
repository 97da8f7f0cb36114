namespace Keyward.Cards;

/// <summary>
/// What a collection will do to a card, certificate by certificate, computed before it starts so the person can be
/// shown it (and afterwards, what it did). Every list names certificates by their SHA-256 thumbprint (lowercase hex,
/// <see cref="CardCertificate.ThumbprintOf"/>), as Keyward's request answers do, so a request can be compared with a
/// card without fetching its certificates; the four lists are disjoint.
/// </summary>
/// <param name="Added">Requested, and not yet on the card with its key: will be written.</param>
/// <param name="AlreadyPresent">Requested, and on the card with its key already: nothing to write.</param>
/// <param name="Removed">To be removed, and on the card.</param>
/// <param name="Kept">On the card, and neither requested nor to be removed: left as they are.</param>
public sealed record CardInventory(
    IReadOnlyList<string> Added,
    IReadOnlyList<string> AlreadyPresent,
    IReadOnlyList<string> Removed,
    IReadOnlyList<string> Kept)
{
    /// <summary>Compares the card's contents with a request whose certificates are known by their SHA-256 thumbprints.</summary>
    /// <param name="onCard">The card's contents.</param>
    /// <param name="requested">The thumbprints of the certificates the request puts on the card (hex, any case).</param>
    /// <param name="toRemove">The thumbprints of the certificates the request takes off the card (those not on it are ignored).</param>
    /// <exception cref="ArgumentException">A certificate is both requested and to be removed.</exception>
    public static CardInventory Compare(CardContents onCard, IEnumerable<string> requested, IEnumerable<string> toRemove)
    {
        ArgumentNullException.ThrowIfNull(onCard);
        ArgumentNullException.ThrowIfNull(requested);
        ArgumentNullException.ThrowIfNull(toRemove);
        var wanted = Distinct(requested, nameof(requested));
        var unwanted = Distinct(toRemove, nameof(toRemove));
        if (wanted.Overlaps(unwanted))
        {
            throw new ArgumentException("A certificate is both requested and to be removed.", nameof(toRemove));
        }

        var cardByThumbprint = new Dictionary<string, CardCertificate>(StringComparer.Ordinal);
        foreach (var certificate in onCard.Certificates)
        {
            cardByThumbprint.TryAdd(certificate.Thumbprint, certificate);
        }

        return new CardInventory(
            [.. wanted.Where(w => !(cardByThumbprint.TryGetValue(w, out var c) && c.HasPrivateKey))],
            [.. wanted.Where(w => cardByThumbprint.TryGetValue(w, out var c) && c.HasPrivateKey)],
            [.. unwanted.Where(cardByThumbprint.ContainsKey)],
            [.. cardByThumbprint.Keys.Where(c => !wanted.Contains(c) && !unwanted.Contains(c))]);
    }

    // Insertion-ordered, first occurrence wins: the lists keep the request's order.
    private static OrderedSet Distinct(IEnumerable<string> thumbprints, string name)
    {
        var distinct = new OrderedSet();
        foreach (var thumbprint in thumbprints)
        {
            ArgumentException.ThrowIfNullOrWhiteSpace(thumbprint, name);
            distinct.Add(thumbprint.ToLowerInvariant());
        }

        return distinct;
    }

    /// <summary>A set that enumerates in insertion order.</summary>
    private sealed class OrderedSet : IEnumerable<string>
    {
        private readonly List<string> _order = [];
        private readonly HashSet<string> _set = new(StringComparer.Ordinal);

        public void Add(string item)
        {
            if (_set.Add(item))
            {
                _order.Add(item);
            }
        }

        public bool Contains(string item) => _set.Contains(item);

        public bool Overlaps(OrderedSet other) => _set.Overlaps(other._set);

        public IEnumerator<string> GetEnumerator() => _order.GetEnumerator();

        System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => GetEnumerator();
    }
}
