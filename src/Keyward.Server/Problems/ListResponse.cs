using Keyward.Common;

namespace Keyward.Server.Problems;

/// <summary>
/// The shape of every list of the Core API: <c>{"results", "page", "pageSize", "total", "totalCapped"}</c>. The large
/// lists (people, requests, audit entries) count at most <see cref="Paging.CountLimit"/> matches: past that,
/// <c>total</c> is the limit and <c>totalCapped</c> is true.
/// </summary>
public sealed record ListResponse<T>(IReadOnlyList<T> Results, int Page, int PageSize, int Total, bool TotalCapped)
{
    public static ListResponse<T> From(Page<T> page)
    {
        ArgumentNullException.ThrowIfNull(page);
        return new(page.Results, page.PageNumber, page.PageSize, page.Total, page.TotalCapped);
    }
}

public static class ListResults
{
    public static IResult Ok<T>(Result<Page<T>> result) =>
        result.IsSuccess ? TypedResults.Ok(ListResponse<T>.From(result.Value)) : Problems.From(result.Error);
}
