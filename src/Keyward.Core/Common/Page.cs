namespace Keyward.Common;

/// <summary>Paging parameters as clients send them, clamped to sane bounds.</summary>
public readonly record struct PageRequest
{
    public const int DefaultSize = 50;
    public const int MaxSize = 500;

    public PageRequest(int? page, int? pageSize)
    {
        Page = page is null or < 1 ? 1 : page.Value;
        Size = pageSize is null or < 1 ? DefaultSize : Math.Min(pageSize.Value, MaxSize);
    }

    public int Page { get; }

    public int Size { get; }

    public int Skip => (Page - 1) * Size;
}

/// <summary>One page of a list: the shape every list of the Core API answers.</summary>
public sealed record Page<T>(IReadOnlyList<T> Results, int PageNumber, int PageSize, int Total);
