using Keyward.Common;

namespace Keyward.Server.Problems;

/// <summary>Errors of the HTTP layer itself (not of a use case).</summary>
public static class ProtocolErrors
{
    public static readonly Error MalformedBody = new("request.malformed_body", ErrorKind.Validation, "Malformed request body", "The request body is not valid JSON of the expected shape.");

    public static readonly Error BodyTooLarge = new("request.body_too_large", ErrorKind.TooLarge, "Request body too large", "The request body is larger than this endpoint accepts.");

    public static readonly Error UnsupportedMediaType = new("request.unsupported_media_type", ErrorKind.UnsupportedFormat, "Unsupported media type", "This endpoint does not accept that content type.");

    public static readonly Error RouteNotFound = new("request.not_found", ErrorKind.NotFound, "Not found", "There is nothing at this address.");

    public static readonly Error MethodNotAllowed = new("request.method_not_allowed", ErrorKind.NotSupported, "Method not allowed", "This address does not accept that HTTP method.");

    public static readonly Error Conflict = new("request.conflict", ErrorKind.Conflict, "Conflict", "The record was changed by someone else; read it again and retry.");

    public static readonly Error DatabaseUnavailable = new("server.database_unavailable", ErrorKind.Unavailable, "Database unavailable", "The database cannot be reached right now. Retry after the seconds in Retry-After; if the connection broke while a change was being saved, it may have been saved, so read the record before repeating the step.");

    public static readonly Error StorageUnavailable = new("server.storage_unavailable", ErrorKind.Unavailable, "Storage unavailable", "The database cannot write right now (its disk is full or failing); nothing was changed. Retry later; the operator has been told in the server log.");

    public static readonly Error Internal = new("server.internal_error", ErrorKind.Internal, "Internal error", "Keyward hit an unexpected error; nothing was changed. The server log has a trace id.");
}
