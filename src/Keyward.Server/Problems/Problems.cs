using Keyward.Common;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;

namespace Keyward.Server.Problems;

/// <summary>
/// The one place where expected failures become HTTP: RFC 9457 problem details whose <c>type</c> links to the
/// error's page (<c>/errors/{code}</c>) and whose <c>code</c> is stable.
/// </summary>
public static class Problems
{
    public static int StatusFor(ErrorKind kind) => kind switch
    {
        ErrorKind.Validation => StatusCodes.Status400BadRequest,
        ErrorKind.NotFound => StatusCodes.Status404NotFound,
        ErrorKind.Forbidden => StatusCodes.Status403Forbidden,
        ErrorKind.Conflict => StatusCodes.Status409Conflict,
        ErrorKind.Unauthorized => StatusCodes.Status401Unauthorized,
        ErrorKind.TooLarge => StatusCodes.Status413PayloadTooLarge,
        ErrorKind.UnsupportedFormat => StatusCodes.Status415UnsupportedMediaType,
        ErrorKind.NotSupported => StatusCodes.Status405MethodNotAllowed,
        ErrorKind.TooManyRequests => StatusCodes.Status429TooManyRequests,
        ErrorKind.Unavailable => StatusCodes.Status503ServiceUnavailable,
        ErrorKind.Upstream => StatusCodes.Status502BadGateway,
        _ => StatusCodes.Status500InternalServerError,
    };

    public static ProblemHttpResult From(Error error)
    {
        ArgumentNullException.ThrowIfNull(error);
        return TypedResults.Problem(Details(error.Code, StatusFor(error.Kind), error.Title, error.Detail));
    }

    public static ProblemDetails Details(string code, int status, string title, string detail)
    {
        var problem = new ProblemDetails
        {
            Type = TypeFor(code),
            Title = title,
            Status = status,
            Detail = detail,
        };
        problem.Extensions["code"] = code;
        return problem;
    }

    public static string TypeFor(string code) => "/errors/" + code;

    /// <summary>Maps a use case's result to 200 with the value, or to its problem.</summary>
    public static IResult Ok<T>(Result<T> result) => result.IsSuccess ? TypedResults.Ok(result.Value) : From(result.Error);
}
