using System.Security.Cryptography;
using System.Text;

namespace Keyward.Crypto.Secrets;

/// <summary>Compares secrets without leaking, through timing, how much of them matched.</summary>
public static class SecretComparer
{
    /// <summary>Constant-time equality of two UTF-8 strings (time depends only on their lengths).</summary>
    public static bool AreEqual(string? a, string? b)
    {
        if (a is null || b is null)
        {
            return false;
        }

        return CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(a), Encoding.UTF8.GetBytes(b));
    }
}
