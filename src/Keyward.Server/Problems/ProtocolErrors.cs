using Keyward.Common;

namespace Keyward.Server.Problems;

/// <summary>Errors of the HTTP layer itself (not of a use case).</summary>
public static class ProtocolErrors
{
    public static readonly Error MalformedBody = new("request.malformed_body", ErrorKind.Validation, "Malformed request body", "The request body is not valid JSON of the expected shape.");

    public static readonly Error InvalidParameter = new("request.invalid_parameter", ErrorKind.Validation, "Invalid parameter", "A route or query parameter has the wrong format.");

    public static readonly Error BodyTooLarge = new("request.body_too_large", ErrorKind.Validation, "Request body too large", "The request body is larger than this endpoint accepts.");

    public static readonly Error UnsupportedMediaType = new("request.unsupported_media_type", ErrorKind.Validation, "Unsupported media type", "This endpoint does not accept that content type.");

    public static readonly Error RouteNotFound = new("request.not_found", ErrorKind.NotFound, "Not found", "There is nothing at this address.");

    public static readonly Error ConcurrencyConflict = new("request.conflict", ErrorKind.Conflict, "Conflict", "The record was changed by someone else; read it again and retry.");

    public static readonly Error MethodNotAllowed = new("request.method_not_allowed", ErrorKind.Validation, "Method not allowed", "This address does not accept that HTTP method.");

    public static readonly Error Internal = new("server.internal_error", ErrorKind.Validation, "Internal error", "Keyward hit an unexpected error; nothing was changed. The server log has a trace id.");
}
