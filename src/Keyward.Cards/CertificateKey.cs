using System.Formats.Asn1;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Keyward.Cards;

/// <summary>
/// The public key of a certificate, read from its SubjectPublicKeyInfo (no key object is made): what a key on the
/// card must match, and the key's conventional <c>CKA_ID</c>.
/// </summary>
internal sealed class CertificateKey
{
    private const string RsaOid = "1.2.840.113549.1.1.1";
    private const string EcOid = "1.2.840.10045.2.1";

    private CertificateKey(CardKeyType type, byte[]? modulus, byte[]? exponent, byte[]? ecPoint, byte[]? ecParameters)
    {
        KeyType = type;
        Modulus = modulus;
        Exponent = exponent;
        EcPoint = ecPoint;
        EcParameters = ecParameters;
    }

    public CardKeyType KeyType { get; }

    /// <summary>RSA: the modulus, big-endian without leading zeros.</summary>
    public byte[]? Modulus { get; }

    /// <summary>RSA: the public exponent, big-endian without leading zeros.</summary>
    public byte[]? Exponent { get; }

    /// <summary>EC: the point as in the certificate (uncompressed: 04 || X || Y).</summary>
    public byte[]? EcPoint { get; }

    /// <summary>EC: the curve's DER parameters (a named-curve OID), the value of <c>CKA_EC_PARAMS</c>.</summary>
    public byte[]? EcParameters { get; }

    /// <summary>
    /// The conventional <c>CKA_ID</c> of this key on a generic token: SHA-1 of the RSA modulus or of the EC point, in
    /// lowercase hex. Deterministic, so a retry finds what an interrupted write left.
    /// </summary>
    [System.Diagnostics.CodeAnalysis.SuppressMessage("Security", "CA5350:Do Not Use Weak Cryptographic Algorithms", Justification = "An identifier, as OpenSC and most card tools derive it; nothing relies on SHA-1 for security here.")]
    public string ConventionalId => Convert.ToHexStringLower(SHA1.HashData(KeyType == CardKeyType.Rsa ? Modulus! : EcPoint!));

    /// <summary>An RSA key known by its modulus alone (a key on a card), for matching.</summary>
    public static CertificateKey ForRsaModulus(ReadOnlySpan<byte> modulus) => new(CardKeyType.Rsa, Unsigned(modulus), null, null, null);

    /// <summary>An EC key known by its point alone (a key on a card), for matching.</summary>
    public static CertificateKey ForEcPoint(byte[] point) => new(CardKeyType.Ec, null, null, point, null);

    /// <exception cref="CardException"><see cref="CardProblem.UnsupportedMechanism"/>: neither RSA nor EC.</exception>
    public static CertificateKey Of(X509Certificate2 certificate)
    {
        var oid = certificate.PublicKey.Oid.Value;
        var raw = certificate.PublicKey.EncodedKeyValue.RawData;
        if (oid == RsaOid)
        {
            // RSAPublicKey ::= SEQUENCE { modulus INTEGER, publicExponent INTEGER } (RFC 8017 A.1.1)
            var reader = new AsnReader(raw, AsnEncodingRules.DER).ReadSequence();
            var modulus = Unsigned(reader.ReadIntegerBytes().Span);
            var exponent = Unsigned(reader.ReadIntegerBytes().Span);
            return new CertificateKey(CardKeyType.Rsa, modulus, exponent, null, null);
        }

        if (oid == EcOid)
        {
            return new CertificateKey(CardKeyType.Ec, null, null, raw, certificate.PublicKey.EncodedParameters?.RawData ?? []);
        }

        throw new CardException(CardProblem.UnsupportedMechanism, $"The certificate '{certificate.Subject}' has a {certificate.PublicKey.Oid.FriendlyName ?? oid} key; Keyward writes RSA and EC keys only.");
    }

    /// <summary>Whether an RSA modulus read from a card is this key's.</summary>
    public bool HasModulus(ReadOnlySpan<byte> modulus) => Modulus is not null && Unsigned(modulus).AsSpan().SequenceEqual(Modulus);

    /// <summary>Strips the leading zero bytes of a big-endian unsigned integer.</summary>
    public static byte[] Unsigned(ReadOnlySpan<byte> value)
    {
        var start = 0;
        while (start < value.Length - 1 && value[start] == 0)
        {
            start++;
        }

        return value[start..].ToArray();
    }
}
