using Keyward.Common;
using Keyward.Profiles;
using Keyward.Recovery;

namespace Keyward.Storage.Tests.Infrastructure;

/// <summary>A key archive for workflows that release no keys (lists, the queue): any release is a test failure.</summary>
internal sealed class NoKeys : IKeyRecovery
{
    public IReadOnlyList<byte[]> Chain => [];

    public Result<byte[]> BuildPfx(IReadOnlyList<KeyToRecover> keys, string password, PfxProtection protection, bool passwordHasFullEntropy) =>
        throw new InvalidOperationException("A list releases no keys.");

    public Result<TransportPackage> WrapForTransport(IReadOnlyList<KeyToRecover> keys, byte[] transportPublicKey, TransportHash hash, TransportKdf kdf) =>
        throw new InvalidOperationException("A list releases no keys.");

    public Error? CheckTransportKey(byte[] transportPublicKey) => throw new InvalidOperationException("A list releases no keys.");

    public GeneratedPassword GeneratePassword(SecretPolicy policy) => throw new InvalidOperationException("A list releases no keys.");
}
