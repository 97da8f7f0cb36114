namespace Keyward.Common;

/// <summary>How an expected failure maps onto the caller's experience; adapters translate it (HTTP status, exit code).</summary>
public enum ErrorKind
{
    /// <summary>The input is malformed or breaks a rule of the product.</summary>
    Validation = 0,

    /// <summary>The record does not exist, or the caller must not learn that it does.</summary>
    NotFound = 1,

    /// <summary>The caller is known but not allowed to do this.</summary>
    Forbidden = 2,

    /// <summary>The record changed state under the caller (a race or a stale view).</summary>
    Conflict = 3,

    /// <summary>The caller is not authenticated.</summary>
    Unauthorized = 4,

    /// <summary>The input is larger than the receiver accepts.</summary>
    TooLarge = 5,

    /// <summary>The input comes in a format the receiver does not read.</summary>
    UnsupportedFormat = 6,

    /// <summary>The operation does not exist on this resource (e.g. an HTTP method a route does not take).</summary>
    NotSupported = 7,

    /// <summary>An unexpected failure inside Keyward (a bug); nothing was changed.</summary>
    Internal = 8,

    /// <summary>The caller has been refused too often lately and must wait before trying again.</summary>
    TooManyRequests = 9,

    /// <summary>Something Keyward depends on (the database, its disk) is away for now; the same call may succeed shortly.</summary>
    Unavailable = 10,

    /// <summary>A server Keyward calls on the caller's behalf (the organisation's directory) refused or failed; nothing was changed.</summary>
    Upstream = 11,
}

/// <summary>
/// An expected failure, returned as a value. <see cref="Code"/> is stable and documented in
/// <c>docs/errors.md</c>; <see cref="Detail"/> is a readable sentence for a person and may change.
/// </summary>
public sealed record Error(string Code, ErrorKind Kind, string Title, string Detail)
{
    /// <summary>The same error with a more specific detail sentence.</summary>
    public Error WithDetail(string detail) => this with { Detail = detail };
}
