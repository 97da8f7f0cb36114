using System.Security.Cryptography;
using System.Text.Json;

namespace Keyward.Crypto.Tokens;

/// <summary>
/// The keys with which the server signs and encrypts its OAuth access tokens: an ECDSA P-256 signing key
/// (ES256: made in microseconds, where an RSA-3072 key takes seconds at first start) and an AES-256
/// encryption key. Created on first start in the data folder and reused, so tokens survive a
/// restart and every server process of one deployment accepts the others' tokens.
/// </summary>
/// <remarks>
/// Threat model: the file grants the power to mint tokens, so it is written owner-read/write only (on Unix)
/// and never logged. It guards sessions, not archived keys: a stolen file lets an attacker act as a client
/// until the file is replaced, but reveals no private key of any person.
/// Dispose the ring to clear the key bytes from memory.
/// </remarks>
public sealed class TokenKeyRing : IDisposable
{
    private const int FormatVersion = 1;

    private TokenKeyRing(string keyId, ECDsa signingKey, byte[] encryptionKey)
    {
        KeyId = keyId;
        SigningKey = signingKey;
        EncryptionKey = encryptionKey;
    }

    /// <summary>Identifies this ring's keys in token headers (the <c>kid</c>).</summary>
    public string KeyId { get; }

    public ECDsa SigningKey { get; }

    /// <summary>32 bytes of AES key.</summary>
    public byte[] EncryptionKey { get; }

    /// <summary>Reads the ring at <paramref name="path"/>, creating it (and its folder) when absent.</summary>
    /// <exception cref="InvalidDataException">The file exists but is not a key ring of a known version.</exception>
    public static TokenKeyRing LoadOrCreate(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        if (File.Exists(path))
        {
            return Load(path);
        }

        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        var ecdsa = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var ring = new TokenKeyRing(Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8)), ecdsa, RandomNumberGenerator.GetBytes(32));
        var pkcs8 = ecdsa.ExportPkcs8PrivateKey();
        try
        {
            var stored = new StoredRing(FormatVersion, ring.KeyId, Convert.ToBase64String(pkcs8), Convert.ToBase64String(ring.EncryptionKey));
            var temporary = path + ".tmp";
            using (var stream = CreateOwnerOnly(temporary))
            {
                JsonSerializer.Serialize(stream, stored);
            }

            // Two servers starting at once on a shared folder: the first rename wins and both load its keys.
            try
            {
                File.Move(temporary, path, overwrite: false);
            }
            catch (IOException) when (File.Exists(path))
            {
                File.Delete(temporary);
                ring.Dispose();
                return Load(path);
            }
        }
        finally
        {
            CryptographicOperations.ZeroMemory(pkcs8);
        }

        return ring;
    }

    public void Dispose()
    {
        SigningKey.Dispose();
        CryptographicOperations.ZeroMemory(EncryptionKey);
    }

    private static TokenKeyRing Load(string path)
    {
        StoredRing? stored;
        try
        {
            stored = JsonSerializer.Deserialize<StoredRing>(File.ReadAllBytes(path));
        }
        catch (JsonException ex)
        {
            throw new InvalidDataException($"The token key file '{path}' is not readable JSON.", ex);
        }

        if (stored is null || stored.Version != FormatVersion)
        {
            throw new InvalidDataException($"The token key file '{path}' has an unknown format version.");
        }

        var pkcs8 = Convert.FromBase64String(stored.SigningKey);
        try
        {
            var ecdsa = ECDsa.Create();
            ecdsa.ImportPkcs8PrivateKey(pkcs8, out _);
            return new TokenKeyRing(stored.KeyId, ecdsa, Convert.FromBase64String(stored.EncryptionKey));
        }
        finally
        {
            CryptographicOperations.ZeroMemory(pkcs8);
        }
    }

    private static FileStream CreateOwnerOnly(string path)
    {
        var options = new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write, Share = FileShare.None };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        return new FileStream(path, options);
    }

    private sealed record StoredRing(int Version, string KeyId, string SigningKey, string EncryptionKey);
}
