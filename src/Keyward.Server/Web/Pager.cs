using Microsoft.AspNetCore.Http.Extensions;

namespace Keyward.Server.Web;

/// <summary>Previous / next links of a paged list, keeping the list's other query parameters.</summary>
public sealed record Pager(int PageNumber, int PageSize, int Total, IQueryCollection Query)
{
    /// <summary>The query parameter of the page number (<c>page</c> is Razor Pages' own route value).</summary>
    public const string Parameter = "p";

    public int Pages => Math.Max(1, (int)Math.Ceiling(Total / (double)PageSize));

    public string LinkTo(int page)
    {
        var query = new QueryBuilder(Query.Where(q => !q.Key.Equals(Parameter, StringComparison.OrdinalIgnoreCase)).SelectMany(q => q.Value.Select(v => new KeyValuePair<string, string>(q.Key, v ?? string.Empty))))
        {
            { Parameter, page.ToString(System.Globalization.CultureInfo.InvariantCulture) },
        };
        return query.ToString();
    }
}
