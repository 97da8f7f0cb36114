using Keyward.Common;

namespace Keyward.ApiClients;

/// <summary>A refused token request, as <see cref="SignInFailureTally"/> counts it.</summary>
/// <param name="ClientId">The client id as presented (at most 100 characters), or <c>(none)</c>.</param>
/// <param name="PersonId">The person the client acts as, when the client is known and bound.</param>
/// <param name="Error">Why it was refused; failures are counted per source and code.</param>
/// <param name="Origin">The remote address and the channel the client claims.</param>
/// <param name="ByAddress">
/// Count it against the remote address rather than the client id: the client id is unknown (it names no one,
/// and whoever sends it can vary it freely), or the request was refused for its address.
/// </param>
public sealed record SignInFailure(string ClientId, string? PersonId, Error Error, SignInOrigin Origin, bool ByAddress)
{
    /// <summary>The address or the client id that the failure is counted against.</summary>
    public string Source => ByAddress ? Origin.Address : ClientId;
}
