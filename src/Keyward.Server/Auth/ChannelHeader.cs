using Keyward.Recovery;

namespace Keyward.Server.Auth;

/// <summary>
/// The <c>Keyward-Channel</c> header, through which a client says which adapter it is: <c>cli</c> (the keyward
/// command), <c>web</c> (the Operator Client); anything else, or nothing, is <see cref="Channel.Api"/>. It is the
/// client's word: Keyward records it in request history and the audit trail as the channel the client claims, and
/// decides nothing by it.
/// </summary>
internal static class ChannelHeader
{
    public const string Name = "Keyward-Channel";

    public static Channel Read(HttpRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var named = request.Headers[Name].ToString();
        return named.Equals("cli", StringComparison.OrdinalIgnoreCase) ? Channel.Cli
            : named.Equals("web", StringComparison.OrdinalIgnoreCase) ? Channel.Web
            : Channel.Api;
    }
}
