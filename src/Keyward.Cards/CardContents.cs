namespace Keyward.Cards;

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

    /// <summary>The certificate whose DER has this SHA-256 thumbprint (hex, any case), or null.</summary>
    public CardCertificate? CertificateWithThumbprint(string thumbprint) =>
        Certificates.FirstOrDefault(c => string.Equals(c.Thumbprint, thumbprint, StringComparison.OrdinalIgnoreCase));
}
