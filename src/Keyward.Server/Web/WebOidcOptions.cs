namespace Keyward.Server.Web;

/// <summary>
/// Configuration section <c>Keyward:Web:Oidc</c>: sign-in to the Operator Client through an external OpenID Connect
/// provider (docs/web.md#single-sign-on). The provider only vouches for a claim; the person signed in is the one
/// enabled Keyward person that claim names (<see cref="OidcSignIn"/>), and no person is ever created.
/// </summary>
public sealed class WebOidcOptions
{
    /// <summary>The claim matched against logon names.</summary>
    public const string PreferredUsername = "preferred_username";

    /// <summary>The claim matched against e-mail addresses.</summary>
    public const string Email = "email";

    /// <summary>The provider's issuer address (its discovery document is read from there). Empty: single sign-on is off.</summary>
    public string Authority { get; set; } = string.Empty;

    /// <summary>Keyward's client id at the provider.</summary>
    public string ClientId { get; set; } = string.Empty;

    /// <summary>Keyward's client secret at the provider; set it through the environment (<c>Keyward__Web__Oidc__ClientSecret</c>), never in a file.</summary>
    public string? ClientSecret { get; set; }

    /// <summary>Scopes asked for besides <c>openid</c>, separated by spaces.</summary>
    public string Scopes { get; set; } = "profile email";

    /// <summary>The provider's name on the sign-in button ("Sign in with …").</summary>
    public string DisplayName { get; set; } = "single sign-on";

    /// <summary>
    /// The claim that names the person: <see cref="PreferredUsername"/> (matched against logon names) or
    /// <see cref="Email"/> (matched against e-mail addresses; a match must be unique).
    /// </summary>
    public string MatchClaim { get; set; } = PreferredUsername;

    /// <summary>
    /// How the provider returns the code: <c>query</c> (a redirect; the default, works with the session cookie's
    /// SameSite=Strict and over plain HTTP on loopback) or <c>form_post</c> (needs HTTPS: the correlation cookies must
    /// then be SameSite=None).
    /// </summary>
    public string ResponseMode { get; set; } = "query";

    public bool Enabled => !string.IsNullOrWhiteSpace(Authority);

    /// <summary>Refuses settings that cannot work, with the setting to fix.</summary>
    public void Validate()
    {
        if (!Enabled)
        {
            return;
        }

        if (!Uri.TryCreate(Authority, UriKind.Absolute, out _))
        {
            throw new InvalidOperationException("Keyward:Web:Oidc:Authority must be an absolute address.");
        }

        if (string.IsNullOrWhiteSpace(ClientId))
        {
            throw new InvalidOperationException("Keyward:Web:Oidc:ClientId must be set when Keyward:Web:Oidc:Authority is.");
        }

        if (MatchClaim is not (PreferredUsername or Email))
        {
            throw new InvalidOperationException("Keyward:Web:Oidc:MatchClaim must be 'preferred_username' or 'email'.");
        }

        if (ResponseMode is not ("query" or "form_post"))
        {
            throw new InvalidOperationException("Keyward:Web:Oidc:ResponseMode must be 'query' or 'form_post'.");
        }
    }
}
