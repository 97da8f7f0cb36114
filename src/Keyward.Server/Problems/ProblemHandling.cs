using System.Text.Json;
using Keyward.Common;
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
                StatusCodes.Status401Unauthorized => ApiClients.SignInErrors.InvalidToken,
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

    /// <summary>Maps exceptions that reach the top: bad request bodies to 400/413, anything else to a logged 500.</summary>
    public static async Task HandleExceptionAsync(HttpContext context)
    {
        var exception = context.Features.Get<IExceptionHandlerFeature>()?.Error;
        var (error, status) = exception switch
        {
            BadHttpRequestException { StatusCode: StatusCodes.Status413PayloadTooLarge } => (ProtocolErrors.BodyTooLarge, 413),
            BadHttpRequestException { InnerException: JsonException json } => (ProtocolErrors.MalformedBody.WithDetail(Describe(json)), 400),
            BadHttpRequestException { StatusCode: StatusCodes.Status415UnsupportedMediaType } => (ProtocolErrors.UnsupportedMediaType.WithDetail("Send the body as application/json."), 415),
            BadHttpRequestException bad when bad.Message.Contains("body", StringComparison.OrdinalIgnoreCase) => (ProtocolErrors.MalformedBody, 400),
            BadHttpRequestException => (ProtocolErrors.InvalidParameter, 400),
            ConcurrencyConflictException => (ProtocolErrors.ConcurrencyConflict, 409),
            _ => (ProtocolErrors.Internal, 500),
        };

        if (status == 500)
        {
            var logger = context.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger("Keyward.Server");
            LogUnhandled(logger, context.TraceIdentifier, exception);
        }

        var problem = Problems.Details(error.Code, status, error.Title, error.Detail);
        problem.Extensions["traceId"] = context.TraceIdentifier;
        context.Response.StatusCode = status;
        await context.RequestServices.GetRequiredService<IProblemDetailsService>()
            .WriteAsync(new ProblemDetailsContext { HttpContext = context, ProblemDetails = problem }).ConfigureAwait(false);
    }

    private static string Describe(JsonException json) =>
        string.IsNullOrEmpty(json.Path) || json.Path == "$"
            ? "The request body is not valid JSON."
            : $"The request body is not valid: the value at '{json.Path}' has the wrong type or shape.";

    [LoggerMessage(EventId = 1000, Level = LogLevel.Error, Message = "Unhandled error in request {TraceId}")]
    private static partial void LogUnhandled(ILogger logger, string traceId, Exception? exception);
}
