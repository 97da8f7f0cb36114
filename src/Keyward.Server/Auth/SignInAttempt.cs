using System.Net;
using System.Net.Sockets;
using System.Text;
using Keyward.ApiClients;

namespace Keyward.Server.Auth;

/// <summary>
/// A token request as the sign-in limits and the audit see it: the client id it names (the <c>client_id</c> form
/// field, else the user of its Basic credentials; at most <see cref="MaxClientIdLength"/> characters, or
/// <see cref="NoClientId"/>) and where it came from. Read once per token request by <see cref="SignInAttemptMiddleware"/>,
/// before the rate limiter, and kept as a request feature.
/// </summary>
internal sealed record SignInAttempt(string ClientId, SignInOrigin Origin)
{
    /// <summary>Longer client ids are cut: they only serve as limit partitions and audit text.</summary>
    public const int MaxClientIdLength = 100;

    public const string NoClientId = "(none)";

    /// <summary>The attempt read for this request; for a request the middleware did not read, one from its headers alone.</summary>
    public static SignInAttempt Of(HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        return context.Features.Get<SignInAttempt>() ?? From(context, null);
    }

    /// <summary>Reads the form (when the request has one; OpenIddict later reads the same parsed form).</summary>
    public static async Task<SignInAttempt> ReadAsync(HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        string? clientId = null;
        if (context.Request.HasFormContentType)
        {
            try
            {
                var form = await context.Request.ReadFormAsync(context.RequestAborted).ConfigureAwait(false);
                clientId = form["client_id"].ToString();
            }
            catch (InvalidDataException)
            {
                // A form that does not parse names no client; OpenIddict answers it as it always has.
            }
        }

        return From(context, clientId);
    }

    /// <summary>
    /// The address a limit counts: IPv4 (also when mapped into IPv6) as is, IPv6 by its /64 network — one host
    /// usually holds a whole /64 and could otherwise take a fresh address per attempt.
    /// </summary>
    public static string AddressOf(IPAddress? address)
    {
        if (address is null)
        {
            return "unknown";
        }

        if (address.IsIPv4MappedToIPv6)
        {
            address = address.MapToIPv4();
        }

        if (address.AddressFamily != AddressFamily.InterNetworkV6 || IPAddress.IsLoopback(address))
        {
            return address.ToString();
        }

        var bytes = address.GetAddressBytes();
        Array.Clear(bytes, 8, 8);
        return new IPAddress(bytes) + "/64";
    }

    private static SignInAttempt From(HttpContext context, string? formClientId)
    {
        var clientId = string.IsNullOrEmpty(formClientId) ? BasicUser(context.Request) : formClientId;
        clientId = string.IsNullOrEmpty(clientId) ? NoClientId : clientId[..Math.Min(clientId.Length, MaxClientIdLength)];
        return new SignInAttempt(clientId, new SignInOrigin(AddressOf(context.Connection.RemoteIpAddress), ChannelHeader.Read(context.Request)));
    }

    /// <summary>The client id of <c>Authorization: Basic</c> credentials (RFC 6749 §2.3.1: form-encoded, then base64).</summary>
    private static string? BasicUser(HttpRequest request)
    {
        var header = request.Headers.Authorization.ToString();
        const string Scheme = "Basic ";
        if (!header.StartsWith(Scheme, StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }

        var encoded = header[Scheme.Length..].Trim();
        var buffer = new byte[encoded.Length];
        if (!Convert.TryFromBase64String(encoded, buffer, out var written))
        {
            return null;
        }

        var credentials = Encoding.UTF8.GetString(buffer, 0, written);
        var colon = credentials.IndexOf(':', StringComparison.Ordinal);
        return Uri.UnescapeDataString((colon < 0 ? credentials : credentials[..colon]).Replace('+', ' '));
    }
}
