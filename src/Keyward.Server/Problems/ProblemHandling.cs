using System.Text.Json;
using Keyward.Common;
using Keyward.Storage;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Mvc;

namespace Keyward.Server.Problems;

/// <summary>
/// Turns whatever the framework answers on its own — an unknown route, a bad token, a body that does not
/// parse, an unexpected exception — into problem details with a stable code. Never a stack trace.
/// </summary>
internal static partial class ProblemHandling
{
    public static IServiceCollection AddKeywardProblemDetails(this IServiceCollection services) =>
        services.AddProblemDetails(o => o.CustomizeProblemDetails = context =>
        {
            var problem = context.ProblemDetails;
            if (problem.Extensions.ContainsKey("code"))
            {
                return;
            }

            var error = problem.Status switch
            {
                StatusCodes.Status401Unauthorized => global::Keyward.ApiClients.SignInErrors.InvalidToken,
                StatusCodes.Status404NotFound => ProtocolErrors.RouteNotFound,
                StatusCodes.Status405MethodNotAllowed => ProtocolErrors.MethodNotAllowed,
                StatusCodes.Status413PayloadTooLarge => ProtocolErrors.BodyTooLarge,
                StatusCodes.Status415UnsupportedMediaType => ProtocolErrors.UnsupportedMediaType,
                StatusCodes.Status400BadRequest => ProtocolErrors.MalformedBody,
                >= 500 => ProtocolErrors.Internal,
                _ => null,
            };
            if (error is not null)
            {
                problem.Type = Problems.TypeFor(error.Code);
                problem.Title = error.Title;
                problem.Detail ??= error.Detail;
                problem.Extensions["code"] = error.Code;
            }
        });

    /// <summary>How many seconds a caller should wait before retrying a call answered 503.</summary>
    public const int RetryAfterSeconds = 2;

    /// <summary>
    /// The options of the exception handler: <see cref="HandleExceptionAsync"/> answers and logs every exception
    /// itself, so the middleware's own log entry (a full stack trace at error level, even for a malformed body) is off.
    /// </summary>
    public static ExceptionHandlerOptions ExceptionHandlerOptions() => new()
    {
        ExceptionHandler = HandleExceptionAsync,
        SuppressDiagnosticsCallback = _ => true,
    };

    /// <summary>
    /// Maps exceptions that reach the top: bad input to 400/413/415 with one log line, a database that is away to
    /// 503 with <c>Retry-After</c> and one warning line, a lost race to 409, anything else to a 500 logged with its
    /// stack trace. Only the last is Keyward's fault; only it deserves a trace.
    /// </summary>
    public static async Task HandleExceptionAsync(HttpContext context)
    {
        var exception = context.Features.Get<IExceptionHandlerFeature>()?.Error;
        var error = exception switch
        {
            BadHttpRequestException { StatusCode: StatusCodes.Status413PayloadTooLarge } => ProtocolErrors.BodyTooLarge,
            BadHttpRequestException { InnerException: JsonException json } => ProtocolErrors.MalformedBody.WithDetail(Describe(json)),
            BadHttpRequestException { StatusCode: StatusCodes.Status415UnsupportedMediaType } => ProtocolErrors.UnsupportedMediaType.WithDetail("Send the body as application/json."),
            BadHttpRequestException bad when bad.Message.Contains("body", StringComparison.OrdinalIgnoreCase) => ProtocolErrors.MalformedBody,
            BadHttpRequestException => InputErrors.InvalidParameter,
            ConcurrencyConflictException => ProtocolErrors.Conflict,
            _ => StorageFaults.Classify(exception) switch
            {
                StorageFault.DatabaseUnavailable => ProtocolErrors.DatabaseUnavailable,
                StorageFault.StorageUnavailable => ProtocolErrors.StorageUnavailable,
                _ => ProtocolErrors.Internal,
            },
        };
        var status = Problems.StatusFor(error.Kind);
        var logger = context.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger("Keyward.Server.Problems");
        var request = context.Request;
        switch (error.Kind)
        {
            case ErrorKind.Internal:
                LogUnhandled(logger, context.TraceIdentifier, exception);
                break;
            case ErrorKind.Unavailable:
                // The operator needs to know, once per call, but the cause is outside Keyward: no stack trace.
                if (logger.IsEnabled(LogLevel.Warning))
                {
                    LogUnavailable(logger, request.Method, OneLine(request.Path.Value), error.Code, exception?.GetType().Name, OneLine(exception?.GetBaseException().Message), context.TraceIdentifier);
                }

                context.Response.Headers.RetryAfter = RetryAfterSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
                break;
            default:
                if (logger.IsEnabled(LogLevel.Information))
                {
                    var path = OneLine(request.Path.Value);
                    var detail = OneLine(error.Detail);
                    LogRefused(logger, request.Method, path, status, error.Code, detail, context.TraceIdentifier);
                }

                break;
        }

        var problem = Problems.Details(error.Code, status, error.Title, error.Detail);
        problem.Extensions["traceId"] = context.TraceIdentifier;
        context.Response.StatusCode = status;
        await context.RequestServices.GetRequiredService<IProblemDetailsService>()
            .WriteAsync(new ProblemDetailsContext { HttpContext = context, ProblemDetails = problem }).ConfigureAwait(false);
    }

    private static string Describe(JsonException json) =>
        json.Message.StartsWith(TextInput.NulInJson, StringComparison.Ordinal)
            ? $"The request body is not valid: the string at '{json.Path}' holds a NUL character."
            : string.IsNullOrEmpty(json.Path) || json.Path == "$"
                ? "The request body is not valid JSON."
                : $"The request body is not valid: the value at '{json.Path}' has the wrong type or shape.";

    /// <summary>Text as one log line: a caller's input must not be able to start a line of its own.</summary>
    private static string OneLine(string? text) =>
        text is null ? string.Empty : string.Create(Math.Min(text.Length, 300), text, static (span, t) =>
        {
            for (var i = 0; i < span.Length; i++)
            {
                span[i] = char.IsControl(t[i]) ? ' ' : t[i];
            }
        });

    [LoggerMessage(EventId = 1000, Level = LogLevel.Error, Message = "Unhandled error in request {TraceId}")]
    private static partial void LogUnhandled(ILogger logger, string traceId, Exception? exception);

    [LoggerMessage(EventId = 1001, Level = LogLevel.Information, Message = "Refused {Method} {Path}: {Status} {Code}: {Detail} (request {TraceId})")]
    private static partial void LogRefused(ILogger logger, string method, string path, int status, string code, string detail, string traceId);

    [LoggerMessage(EventId = 1002, Level = LogLevel.Warning, Message = "{Method} {Path} answered 503 {Code}: {ExceptionType}: {Reason} (request {TraceId})")]
    private static partial void LogUnavailable(ILogger logger, string method, string path, string code, string? exceptionType, string reason, string traceId);
}
