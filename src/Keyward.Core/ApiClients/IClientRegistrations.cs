namespace Keyward.ApiClients;

/// <summary>
/// The token server's register of OAuth clients, which holds each client's secret hashed (never the secret). Each
/// call is saved at once, apart from the caller's unit of work: use cases register first and undo on failure.
/// </summary>
public interface IClientRegistrations
{
    Task<bool> ExistsAsync(string clientId, CancellationToken cancellationToken);

    /// <summary>Registers a confidential client for the client-credentials grant with this secret.</summary>
    Task CreateAsync(string clientId, string secret, string displayName, CancellationToken cancellationToken);

    /// <summary>Replaces the client's secret; the old one stops working at once.</summary>
    Task SetSecretAsync(string clientId, string secret, CancellationToken cancellationToken);

    /// <summary>Removes the registration, if there is one.</summary>
    Task DeleteAsync(string clientId, CancellationToken cancellationToken);
}
