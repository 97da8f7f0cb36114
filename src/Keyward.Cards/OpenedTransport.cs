using System.Security.Cryptography;
using Keyward.Crypto.Recovery;
using Net.Pkcs11Interop.HighLevelAPI;

namespace Keyward.Cards;

/// <summary>
/// A transport key with the server's AES key opened: what <see cref="Card.Write(OpenedTransport, IReadOnlyList{KeyToWrite}, IProgress{WrittenKey}?)"/>
/// unwraps each recovered key with. Dispose it when the keys are written.
/// </summary>
/// <remarks>
/// On the token the AES key is a session object (sensitive, not extractable, unwrap only), destroyed on dispose. In
/// software only the RSA-encrypted AES key is kept; Keyward.Crypto decrypts it for each key and zeroes it straight
/// after, and this copy of the encrypted key is zeroed on dispose. Not thread-safe.
/// </remarks>
public sealed class OpenedTransport : IDisposable
{
    private readonly byte[]? _wrappedAesKey;
    private bool _disposed;

    private OpenedTransport(CardTransportKey transportKey, IObjectHandle? aesKey, TransportKeyPair? software, byte[]? wrappedAesKey)
    {
        TransportKey = transportKey;
        AesKey = aesKey;
        Software = software;
        _wrappedAesKey = wrappedAesKey;
    }

    /// <summary>Whether the AES key is on the token, and so each recovered key is unwrapped inside it.</summary>
    public bool OnToken => AesKey is not null;

    internal CardTransportKey TransportKey { get; }

    internal IObjectHandle? AesKey { get; }

    internal TransportKeyPair? Software { get; }

    internal byte[] WrappedAesKey
    {
        get
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            return _wrappedAesKey!;
        }
    }

    internal bool IsDisposed => _disposed;

    /// <summary>Destroys the AES key on the token, or zeroes the kept copy of its encryption.</summary>
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        if (AesKey is not null)
        {
            TransportKey.Card.DestroyQuietly(AesKey);
        }

        if (_wrappedAesKey is not null)
        {
            CryptographicOperations.ZeroMemory(_wrappedAesKey);
        }
    }

    internal static OpenedTransport InToken(CardTransportKey transportKey, IObjectHandle aesKey) => new(transportKey, aesKey, null, null);

    internal static OpenedTransport InSoftware(CardTransportKey transportKey, TransportKeyPair pair, byte[] wrappedAesKey) =>
        new(transportKey, null, pair, (byte[])wrappedAesKey.Clone());
}
