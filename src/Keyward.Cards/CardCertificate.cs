using System.Security.Cryptography;

namespace Keyward.Cards;

/// <summary>An X.509 certificate on a card.</summary>
/// <param name="Id">Its <c>CKA_ID</c> as lowercase hex: the id its private key shares.</param>
/// <param name="Label">Its <c>CKA_LABEL</c>.</param>
/// <param name="Der">The certificate, DER.</param>
/// <param name="HasPrivateKey">Whether a private key with the same <c>CKA_ID</c> is on the card (visible only when logged in).</param>
public sealed record CardCertificate(string Id, string Label, byte[] Der, bool HasPrivateKey)
{
    /// <summary>SHA-256 of <see cref="Der"/>, lowercase hex: how Keyward's request answers name a certificate (<c>thumbprint</c>).</summary>
    public string Thumbprint => ThumbprintOf(Der);

    /// <summary>SHA-256 of a certificate's DER, lowercase hex.</summary>
    public static string ThumbprintOf(ReadOnlySpan<byte> der) => Convert.ToHexStringLower(SHA256.HashData(der));
}
