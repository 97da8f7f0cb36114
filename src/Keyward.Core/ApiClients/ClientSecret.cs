using System.Security.Cryptography;

namespace Keyward.ApiClients;

/// <summary>New API client secrets: 256 random bits, base64url. Shown once; only their hash is kept.</summary>
public static class ClientSecret
{
    public static string New() => Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
