using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Keyward.Crypto.Recovery;
using Keyward.Tokens.Pkcs11;
using Net.Pkcs11Interop.Common;
using Net.Pkcs11Interop.HighLevelAPI;

namespace Keyward.Cards;

/// <summary>
/// The software path of writing a key: for cards that cannot unwrap into themselves (PIV cards, most smart cards),
/// the key is unwrapped in this process by Keyward.Crypto's <see cref="TransportKeyPair"/> and imported with
/// <c>C_CreateObject</c>.
/// </summary>
/// <remarks>
/// The one type outside Keyward.Crypto that reads private-key components (<c>ExportParameters(true)</c>): a card
/// import needs them one by one as PKCS#11 attributes, and Keyward.Crypto has no API that hands them out. The
/// architecture tests allow this type that one call and nothing else. Every array of components is zeroed in a
/// <c>finally</c>; Pkcs11Interop copies attribute values into unmanaged memory it frees without zeroing, so a memory
/// dump taken during the import can still show the key (docs/cards.md, "Transport key").
/// </remarks>
internal static class SoftwareKeyImport
{
    /// <summary>Unwraps the key and creates it on the token with <paramref name="attributes"/> plus its components.</summary>
    public static IObjectHandle Create(ISession session, OpenedTransport transport, KeyToWrite key, Template attributes)
    {
        X509Certificate2 withKey;
        try
        {
            withKey = transport.Software!.Unwrap(
                new WrappedPackage(transport.WrappedAesKey, [new WrappedKey(key.Label, key.WrappedPkcs8)]), key.Label, key.CertificateDer);
        }
        catch (KeyRecoveryException ex)
        {
            throw ex.Failure switch
            {
                RecoveryFailure.KeyMismatch => new CardException(CardProblem.KeyMismatch, $"The key sent for '{key.Label}' is not its certificate's; nothing was written.", ex),
                RecoveryFailure.EnvelopeUnreadable => new CardException(CardProblem.PackageUnreadable, $"The wrapped key of '{key.Label}' does not open with this transport key (wrapped for another one, or altered).", ex),
                _ => new CardException(CardProblem.Failed, $"The key of '{key.Label}' could not be unwrapped: {ex.Message}", ex),
            };
        }

        using (withKey)
        {
            if (withKey.GetRSAPrivateKey() is { } rsa)
            {
                using (rsa)
                {
                    return CreateRsa(session, rsa, key, attributes);
                }
            }

            using var ec = withKey.GetECDsaPrivateKey()
                           ?? throw new CardException(CardProblem.UnsupportedMechanism, $"The key of '{key.Label}' is neither RSA nor EC.");
            return CreateEc(session, ec, key, attributes);
        }
    }

    private static IObjectHandle CreateRsa(ISession session, RSA rsa, KeyToWrite key, Template attributes)
    {
        var parameters = rsa.ExportParameters(includePrivateParameters: true);
        try
        {
            attributes
                .Add(CKA.CKA_MODULUS, parameters.Modulus!)
                .Add(CKA.CKA_PUBLIC_EXPONENT, parameters.Exponent!)
                .Add(CKA.CKA_PRIVATE_EXPONENT, parameters.D!)
                .Add(CKA.CKA_PRIME_1, parameters.P!)
                .Add(CKA.CKA_PRIME_2, parameters.Q!)
                .Add(CKA.CKA_EXPONENT_1, parameters.DP!)
                .Add(CKA.CKA_EXPONENT_2, parameters.DQ!)
                .Add(CKA.CKA_COEFFICIENT, parameters.InverseQ!);
            return Pkcs11Errors.Run(() => session.CreateObject(attributes.Attributes), $"writing the key of '{key.Label}'");
        }
        finally
        {
            Zero(parameters.D, parameters.P, parameters.Q, parameters.DP, parameters.DQ, parameters.InverseQ);
        }
    }

    private static IObjectHandle CreateEc(ISession session, ECDsa ec, KeyToWrite key, Template attributes)
    {
        var parameters = ec.ExportParameters(includePrivateParameters: true);
        try
        {
            if (!parameters.Curve.IsNamed || parameters.Curve.Oid.Value is null)
            {
                throw new CardException(CardProblem.UnsupportedMechanism, $"The key of '{key.Label}' is on an unnamed curve; cards take named curves only.");
            }

            var curve = new System.Formats.Asn1.AsnWriter(System.Formats.Asn1.AsnEncodingRules.DER);
            curve.WriteObjectIdentifier(parameters.Curve.Oid.Value);
            attributes
                .Add(CKA.CKA_EC_PARAMS, curve.Encode())
                .Add(CKA.CKA_VALUE, parameters.D!);
            return Pkcs11Errors.Run(() => session.CreateObject(attributes.Attributes), $"writing the key of '{key.Label}'");
        }
        finally
        {
            Zero(parameters.D);
        }
    }

    private static void Zero(params byte[]?[] buffers)
    {
        foreach (var buffer in buffers)
        {
            CryptographicOperations.ZeroMemory(buffer);
        }
    }
}
