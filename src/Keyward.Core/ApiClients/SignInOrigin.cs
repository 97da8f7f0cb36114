using Keyward.Recovery;

namespace Keyward.ApiClients;

/// <summary>Where a token request came from, as far as the request tells.</summary>
/// <param name="Address">
/// The remote address as text (an IPv6 address by its /64 network, which one host usually holds whole), or
/// <c>unknown</c> when the transport gives none.
/// </param>
/// <param name="ClaimedChannel">The channel the client names; its word only, never a security boundary.</param>
public sealed record SignInOrigin(string Address, Channel ClaimedChannel);
