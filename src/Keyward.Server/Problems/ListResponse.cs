using Keyward.Common;

namespace Keyward.Server.Problems;

/// <summary>The shape of every list of the Core API: <c>{"results", "page", "pageSize", "total"}</c>.</summary>
public sealed record ListResponse<T>(IReadOnlyList<T> Results, int Page, int PageSize, int Total)
{
    public static ListResponse<T> From(Page<T> page)
    {
        ArgumentNullException.ThrowIfNull(page);
        return new(page.Results, page.PageNumber, page.PageSize, page.Total);
    }
}

public static class ListResults
{
    public static IResult Ok<T>(Result<Page<T>> result) =>
        result.IsSuccess ? TypedResults.Ok(ListResponse<T>.From(result.Value)) : Problems.From(result.Error);
}
