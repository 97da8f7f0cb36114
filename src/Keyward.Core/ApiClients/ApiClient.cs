namespace Keyward.ApiClients;

/// <summary>
/// Binds an OAuth 2.0 client (client credentials) to the person it acts as. The secret itself is held,
/// hashed, by the token server's application store; this record carries only the binding.
/// </summary>
public sealed class ApiClient
{
    private ApiClient()
    {
        ClientId = PersonId = DisplayName = string.Empty;
    }

    public ApiClient(string clientId, string personId, string displayName, DateTime createdAt)
    {
        ClientId = clientId;
        PersonId = personId;
        DisplayName = displayName;
        CreatedAt = createdAt;
    }

    public string ClientId { get; private set; }

    public string PersonId { get; private set; }

    public string DisplayName { get; private set; }

    /// <summary>UTC.</summary>
    public DateTime CreatedAt { get; private set; }
}
