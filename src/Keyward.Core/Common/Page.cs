namespace Keyward.Common;

/// <summary>Paging parameters as clients send them, clamped to sane bounds.</summary>
/// <remarks>
/// Any <c>int</c> is accepted for either value: a page below 1 is page 1, a size below 1 is the default and one above
/// <see cref="MaxSize"/> is <see cref="MaxSize"/>. The offset is computed in 64 bits and capped at
/// <see cref="MaxSkip"/>, so a page far past the end (up to <c>page=2147483647</c>) is simply empty.
/// </remarks>
public readonly record struct PageRequest
{
    public const int DefaultSize = 50;
    public const int MaxSize = 500;

    /// <summary>The largest offset a query is given; a list never holds that many rows, so a page there is empty.</summary>
    public const int MaxSkip = int.MaxValue;

    public PageRequest(int? page, int? pageSize)
    {
        Page = page is null or < 1 ? 1 : page.Value;
        Size = pageSize is null or < 1 ? DefaultSize : Math.Min(pageSize.Value, MaxSize);
    }

    public int Page { get; }

    public int Size { get; }

    /// <summary>How many rows come before this page: <c>(Page - 1) × Size</c>, at most <see cref="MaxSkip"/>.</summary>
    public int Skip => (int)Math.Min(((long)Page - 1) * Size, MaxSkip);
}

/// <summary>One page of a list: the shape every list of the Core API answers.</summary>
/// <remarks>
/// Lists that can grow with the organisation (people, requests, audit entries) count their matches only up to
/// <see cref="Paging.CountLimit"/>: past it, <see cref="Total"/> is the limit and <see cref="TotalCapped"/> is true
/// ("more than 1,000"), so a page never pays for counting a million rows.
/// </remarks>
public sealed record Page<T>(IReadOnlyList<T> Results, int PageNumber, int PageSize, int Total, bool TotalCapped = false);

/// <summary>How the large lists count.</summary>
public static class Paging
{
    /// <summary>The most matches a large list counts; <see cref="Page{T}.TotalCapped"/> says when there were more.</summary>
    public const int CountLimit = 1_000;

    /// <summary>Counts at most <see cref="CountLimit"/> + 1 rows of a query, in the database: the total and whether it was capped.</summary>
    public static async Task<(int Total, bool Capped)> CountCappedAsync<T>(this IKeywardStore store, IQueryable<T> query, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(store);
        var counted = await store.CountAtMostAsync(query, CountLimit + 1, cancellationToken).ConfigureAwait(false);
        return counted > CountLimit ? (CountLimit, true) : (counted, false);
    }

    /// <summary>
    /// The total of a list whose <paramref name="page"/> was read first, with <paramref name="rowsOnPage"/> rows: a page
    /// that came back short is the list's last, so its total is the rows before it plus its own, and only a full page (or
    /// an empty one past the start) is counted in the database (<see cref="CountCappedAsync{T}"/>). Capped as that is.
    /// </summary>
    public static async Task<(int Total, bool Capped)> TotalAsync<T>(this IKeywardStore store, IQueryable<T> query, PageRequest page, int rowsOnPage, CancellationToken cancellationToken)
    {
        if (rowsOnPage < page.Size && (rowsOnPage > 0 || page.Skip == 0))
        {
            var total = (long)page.Skip + rowsOnPage;
            return total > CountLimit ? (CountLimit, true) : ((int)total, false);
        }

        return await store.CountCappedAsync(query, cancellationToken).ConfigureAwait(false);
    }
}
