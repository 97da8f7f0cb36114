using Keyward.ApiClients;
using OpenIddict.Abstractions;

namespace Keyward.Server.ApiClients;

/// <summary>
/// <see cref="IClientRegistrations"/> over OpenIddict's application manager, which hashes each secret before it
/// stores it (as it does for every client) and compares secrets only against that hash.
/// </summary>
internal sealed class OpenIddictClientRegistrations : IClientRegistrations
{
    private readonly IOpenIddictApplicationManager _applications;

    public OpenIddictClientRegistrations(IOpenIddictApplicationManager applications) => _applications = applications;

    public async Task<bool> ExistsAsync(string clientId, CancellationToken cancellationToken) =>
        await _applications.FindByClientIdAsync(clientId, cancellationToken).ConfigureAwait(false) is not null;

    public Task CreateAsync(string clientId, string secret, string displayName, CancellationToken cancellationToken) =>
        _applications.CreateAsync(
            new OpenIddictApplicationDescriptor
            {
                ClientId = clientId,
                ClientSecret = secret,
                ClientType = OpenIddictConstants.ClientTypes.Confidential,
                DisplayName = displayName,
                Permissions = { OpenIddictConstants.Permissions.Endpoints.Token, OpenIddictConstants.Permissions.GrantTypes.ClientCredentials },
            },
            cancellationToken).AsTask();

    public async Task SetSecretAsync(string clientId, string secret, CancellationToken cancellationToken)
    {
        var application = await _applications.FindByClientIdAsync(clientId, cancellationToken).ConfigureAwait(false)
                          ?? throw new InvalidOperationException($"No registration for client '{clientId}'.");
        await _applications.UpdateAsync(application, secret, cancellationToken).ConfigureAwait(false);
    }

    public async Task DeleteAsync(string clientId, CancellationToken cancellationToken)
    {
        if (await _applications.FindByClientIdAsync(clientId, cancellationToken).ConfigureAwait(false) is { } application)
        {
            await _applications.DeleteAsync(application, cancellationToken).ConfigureAwait(false);
        }
    }
}
