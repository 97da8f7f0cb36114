using OpenIddict.Abstractions;
using OpenIddict.EntityFrameworkCore.Models;

namespace Keyward.Server.Auth;

/// <summary>
/// A client that does not exist, for checking the secret presented with an unknown client id: its secret hash is a
/// copy of a registered client's (so the check costs what checking a real client's secret costs, whatever hashing
/// parameters OpenIddict used), and the answer is thrown away. Made on first use; none while no confidential client
/// is registered, when there is no client id to find out about. Thread-safe; one per process.
/// </summary>
internal sealed class DecoyClient
{
    private OpenIddictEntityFrameworkCoreApplication? _application;

    public async ValueTask VerifyAsync(IOpenIddictApplicationManager applications, string secret, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(applications);
        _application ??= await CreateAsync(applications, cancellationToken).ConfigureAwait(false);
        if (_application is not null)
        {
            _ = await applications.ValidateClientSecretAsync(_application, secret, cancellationToken).ConfigureAwait(false);
        }
    }

    private static async Task<OpenIddictEntityFrameworkCoreApplication?> CreateAsync(IOpenIddictApplicationManager applications, CancellationToken cancellationToken)
    {
        await foreach (var registered in applications.ListAsync(count: 20, offset: null, cancellationToken).ConfigureAwait(false))
        {
            if (registered is OpenIddictEntityFrameworkCoreApplication { ClientSecret.Length: > 0 } client)
            {
                return new OpenIddictEntityFrameworkCoreApplication
                {
                    ClientId = "(no such client)",
                    ClientType = OpenIddictConstants.ClientTypes.Confidential,
                    ClientSecret = client.ClientSecret,
                };
            }
        }

        return null;
    }
}
