using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using Keyward.Common;
using Microsoft.Net.Http.Headers;

namespace Keyward.Server.Problems;

/// <summary>
/// What Keyward takes as text from a request: text in a charset it can read, and without NUL (U+0000). NUL has no
/// meaning in any name, id, reason or password, and PostgreSQL cannot store or even compare it (a query with it
/// fails), so it is refused where the request enters, the same on either database: in the query string, the route,
/// a form (<c>/connect/token</c>) and every string of a JSON body.
/// </summary>
internal static class TextInput
{
    /// <summary>The message of the JSON error a string with NUL raises.</summary>
    public const string NulInJson = "A string holds a NUL character.";

    /// <summary>Whether <paramref name="text"/> holds a NUL character.</summary>
    public static bool HasNul(string? text) => text is not null && text.Contains('\0', StringComparison.Ordinal);
}

/// <summary>Endpoint metadata: the endpoint reads a form (<c>/connect/token</c>), whose fields are checked for NUL too.</summary>
internal sealed class ReadsForm;

/// <summary>
/// Refuses a request whose body is declared in a charset .NET cannot decode (415), one whose query string, route
/// values or form fields hold NUL (400), and a form that cannot be read (400), before an endpoint reads them. Runs
/// after routing.
/// </summary>
internal sealed class TextInputMiddleware(RequestDelegate next)
{
    public async Task InvokeAsync(HttpContext context)
    {
        var request = context.Request;
        if (request.ContentType is { } contentType && MediaTypeHeaderValue.TryParse(contentType, out var media) && media.Charset is { Length: > 0 } charset && !IsKnown(charset.Value!))
        {
            await Problems.From(ProtocolErrors.UnsupportedMediaType.WithDetail($"The charset '{charset.Value}' is not one Keyward reads; send UTF-8.")).ExecuteAsync(context).ConfigureAwait(false);
            return;
        }

        var where = request.Query.FirstOrDefault(q => TextInput.HasNul(q.Key) || q.Value.Any(TextInput.HasNul)).Key
                    ?? request.RouteValues.FirstOrDefault(r => TextInput.HasNul(r.Value as string)).Key;
        if (where is null && request.HasFormContentType && context.GetEndpoint()?.Metadata.GetMetadata<ReadsForm>() is not null)
        {
            try
            {
                var form = await request.ReadFormAsync(context.RequestAborted).ConfigureAwait(false);
                where = form.FirstOrDefault(f => TextInput.HasNul(f.Key) || f.Value.Any(TextInput.HasNul)).Key;
            }
            catch (InvalidDataException ex)
            {
                // ASP.NET Core's form reader refuses NUL and other invalid characters itself, by throwing.
                await Problems.From(ProtocolErrors.MalformedBody.WithDetail($"The form cannot be read: {ex.Message}")).ExecuteAsync(context).ConfigureAwait(false);
                return;
            }
        }

        if (where is not null)
        {
            await Problems.From(InputErrors.InvalidParameter.WithDetail($"The parameter '{where.Replace("\0", "\\0", StringComparison.Ordinal)}' holds a NUL character.")).ExecuteAsync(context).ConfigureAwait(false);
            return;
        }

        await next(context).ConfigureAwait(false);
    }

    private static bool IsKnown(string charset)
    {
        try
        {
            Encoding.GetEncoding(charset.Trim('"'));
            return true;
        }
        catch (ArgumentException)
        {
            return false;
        }
    }
}

/// <summary>Reads JSON strings as usual, and refuses one holding NUL: the request is answered 400 naming its path.</summary>
internal sealed class NulRefusingStringConverter : JsonConverter<string>
{
    public override bool HandleNull => false;

    public override string? Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        var text = reader.GetString();
        return TextInput.HasNul(text) ? throw new JsonException(TextInput.NulInJson) : text;
    }

    public override void Write(Utf8JsonWriter writer, string value, JsonSerializerOptions options)
    {
        ArgumentNullException.ThrowIfNull(writer);
        writer.WriteStringValue(value);
    }
}
