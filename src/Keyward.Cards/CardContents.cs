namespace Keyward.Cards;

/// <summary>The type of a private key on a card.</summary>
public enum CardKeyType
{
    /// <summary>Neither RSA nor elliptic-curve; Keyward writes no such key.</summary>
    Other = 0,

    /// <summary><c>CKK_RSA</c>.</summary>
    Rsa = 1,

    /// <summary><c>CKK_EC</c>.</summary>
    Ec = 2,
}

/// <summary>An X.509 certificate on a card.</summary>
/// <param name="Id">Its <c>CKA_ID</c> as lowercase hex: the id its private key shares.</param>
/// <param name="Label">Its <c>CKA_LABEL</c>.</param>
/// <param name="Der">The certificate, DER.</param>
/// <param name="HasPrivateKey">Whether a private key with the same <c>CKA_ID</c> is on the card (visible only when logged in).</param>
public sealed record CardCertificate(string Id, string Label, byte[] Der, bool HasPrivateKey);

/// <summary>A private key on a card that no certificate shares a <c>CKA_ID</c> with.</summary>
/// <param name="Id">Its <c>CKA_ID</c> as lowercase hex.</param>
/// <param name="Label">Its <c>CKA_LABEL</c>.</param>
/// <param name="KeyType">Its key type.</param>
/// <param name="Modulus">RSA: <c>CKA_MODULUS</c> (big-endian, no leading zero); otherwise null.</param>
/// <param name="EcPoint">EC: the uncompressed point of the public key object with the same id, when there is one; otherwise null.</param>
public sealed record CardKey(string Id, string Label, CardKeyType KeyType, byte[]? Modulus, byte[]? EcPoint);

/// <summary>
/// What is on a card: its certificates, and the private keys that have no certificate (left by an interrupted
/// write, or put there by other software). Read after logging in, since private keys are hidden before.
/// </summary>
public sealed record CardContents(IReadOnlyList<CardCertificate> Certificates, IReadOnlyList<CardKey> KeysWithoutCertificate)
{
    /// <summary>Every <c>CKA_ID</c> in use by a certificate or a private key.</summary>
    public IReadOnlySet<string> OccupiedIds =>
        Certificates.Select(c => c.Id).Concat(KeysWithoutCertificate.Select(k => k.Id)).ToHashSet(StringComparer.Ordinal);

    /// <summary>The certificate with exactly this DER, or null.</summary>
    public CardCertificate? CertificateWithDer(ReadOnlySpan<byte> der)
    {
        foreach (var certificate in Certificates)
        {
            if (der.SequenceEqual(certificate.Der))
            {
                return certificate;
            }
        }

        return null;
    }
}
