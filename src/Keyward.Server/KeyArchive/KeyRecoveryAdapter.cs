using System.Security.Cryptography;
using Keyward.Certificates;
using Keyward.Common;
using Keyward.Crypto.Protection;
using Keyward.Crypto.Recovery;
using Keyward.Profiles;
using Keyward.Recovery;
using GeneratedPassword = Keyward.Recovery.GeneratedPassword;

namespace Keyward.Server.KeyArchive;

/// <summary>
/// The core's <see cref="IKeyRecovery"/> over the key-material project: envelopes go in, protected packages
/// come out, and the key-material project's refusals become the core's errors.
/// </summary>
internal sealed class KeyRecoveryAdapter(IKeyProtector protector, ICertificateAuthority authority) : IKeyRecovery
{
    public IReadOnlyList<byte[]> Chain => [authority.CaCertificate];

    public Result<byte[]> BuildPfx(IReadOnlyList<KeyToRecover> keys, string password, PfxProtection protection, bool passwordHasFullEntropy)
    {
        ArgumentNullException.ThrowIfNull(keys);
        try
        {
            return PfxPackager.Build(
                protector,
                Recoverable(keys),
                Chain,
                password,
                protection == PfxProtection.TripleDesSha1 ? PfxEncryption.TripleDesSha1 : PfxEncryption.Aes256Sha256,
                PfxPackager.IterationsFor(passwordHasFullEntropy, keys.Count));
        }
        catch (Exception ex) when (ex is KeyRecoveryException or KeyArchiveException or CryptographicException)
        {
            return RequestErrors.KeyUnavailable.WithDetail($"An archived key could not be released ({ex.GetType().Name}); the request is collectable again and the failure is on record. Tell your Keyward administrator.");
        }
    }

    public Result<TransportPackage> WrapForTransport(IReadOnlyList<KeyToRecover> keys, byte[] transportPublicKey, TransportHash hash, TransportKdf kdf)
    {
        ArgumentNullException.ThrowIfNull(keys);
        try
        {
            var oaep = hash == TransportHash.Sha1 ? TransportOaep.Sha1 : TransportOaep.Sha256;
            var ecdhKdf = kdf == TransportKdf.None ? TransportEcdhKdf.None : TransportEcdhKdf.X963Sha256;
            var package = TransportWrap.Wrap(protector, Recoverable(keys), transportPublicKey, oaep, ecdhKdf);
            return new TransportPackage(
                package.Algorithm!,
                package.WrappedTransportKey,
                package.Keys.Select(k => new WrappedKeyView(k.CertificateId, k.WrappedPkcs8)).ToList(),
                package.EphemeralPublicKey);
        }
        catch (KeyRecoveryException ex) when (ex.Failure == RecoveryFailure.TransportKeyInvalid)
        {
            // The client's key (refused, or RSA-OAEP encryption to it failed), not the archive: a 400 for the client.
            return RequestErrors.TransportKeyInvalid.WithDetail(ex.Message);
        }
        catch (Exception ex) when (ex is KeyRecoveryException or KeyArchiveException or CryptographicException)
        {
            return RequestErrors.KeyUnavailable.WithDetail($"An archived key could not be released ({ex.GetType().Name}); the request is collectable again and the failure is on record. Tell your Keyward administrator.");
        }
    }

    public Error? CheckTransportKey(byte[] transportPublicKey) =>
        TransportKeyCheck.Check(transportPublicKey) is { } refusal ? RequestErrors.TransportKeyInvalid.WithDetail(refusal) : null;

    public GeneratedPassword GeneratePassword(SecretPolicy policy)
    {
        ArgumentNullException.ThrowIfNull(policy);
        var drawn = PfxPackager.GeneratePassword(policy.MinLength, policy.MaxLength, policy.RequireUpper, policy.RequireLower, policy.RequireDigit, policy.RequireSymbol, policy.DigitsOnly);
        return new GeneratedPassword(drawn.Value, drawn.HasFullEntropy);
    }

    private static List<RecoverableKey> Recoverable(IReadOnlyList<KeyToRecover> keys) =>
        keys.Select(k => new RecoverableKey(k.CertificateId, k.CertificateDer, k.Envelope)).ToList();
}
