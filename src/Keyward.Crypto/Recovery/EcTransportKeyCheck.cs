using System.Formats.Asn1;
using System.Numerics;
using System.Security.Cryptography;

namespace Keyward.Crypto.Recovery;

/// <summary>
/// The rules for an EC transport key (docs/security.md#transport-keys): <see cref="TransportKeyCheck"/> applies them
/// to a SubjectPublicKeyInfo whose algorithm is id-ecPublicKey, and <see cref="EcdhTransport"/> to the server's
/// ephemeral key when a collecting client opens a package. One rule, in one place, for both directions.
/// </summary>
/// <remarks>
/// The checks, in order: canonical DER (exactly what a DER encoder writes for id-ecPublicKey with the named curve
/// prime256v1 and a 65-byte point — no long-form length, no unused bits, nothing after it); the curve is P-256 and
/// named (no explicit parameters, no other curve); the point is uncompressed (<c>04 ‖ X ‖ Y</c>, 65 bytes); both
/// coordinates are below the field prime; the point satisfies y² = x³ − 3x + b (mod p), which also excludes the
/// point at infinity, which has no affine coordinates. P-256 has cofactor 1, so every point on the curve is in the
/// prime-order group: no small-subgroup check is needed. Pure and thread-safe.
/// </remarks>
internal static class EcTransportKeyCheck
{
    /// <summary>id-ecPublicKey (RFC 5480).</summary>
    public const string EcPublicKey = "1.2.840.10045.2.1";

    /// <summary>prime256v1, also called secp256r1 and NIST P-256 (RFC 5480).</summary>
    public const string Prime256V1 = "1.2.840.10045.3.1.7";

    /// <summary>An uncompressed P-256 point: 04, then X and Y of 32 bytes each.</summary>
    public const int PointLength = 65;

    private const int CoordinateLength = 32;

    private static readonly BigInteger P = Parse("ffffffff00000001000000000000000000000000ffffffffffffffffffffffff");
    private static readonly BigInteger B = Parse("5ac635d8aa3a93e7b3ebbd55769886bc651d06b0cc53b0f63bce3c3e27d2604b");

    /// <summary>Null when <paramref name="spki"/> (already read as id-ecPublicKey) passes every check; otherwise the failed check.</summary>
    /// <param name="spki">The whole SubjectPublicKeyInfo.</param>
    /// <param name="what">What the key is, for the sentence: "The transport key", "The server's ephemeral key".</param>
    public static string? Refusal(ReadOnlySpan<byte> spki, string what)
    {
        string? curve = null;
        byte[] point;
        int unusedBits;
        try
        {
            var outer = new AsnReader(spki.ToArray(), AsnEncodingRules.BER);
            var info = outer.ReadSequence();
            if (outer.HasData)
            {
                return $"{what} has byte(s) after its SubjectPublicKeyInfo.";
            }

            var algorithm = info.ReadSequence();
            if (algorithm.ReadObjectIdentifier() != EcPublicKey)
            {
                return $"{what} is not an EC key.";
            }

            if (!algorithm.HasData || algorithm.PeekTag() != Asn1Tag.ObjectIdentifier)
            {
                return $"{what} does not name its curve: only the named curve P-256 ({Prime256V1}) is accepted, not explicit parameters.";
            }

            curve = algorithm.ReadObjectIdentifier();
            algorithm.ThrowIfNotEmpty();
            point = info.ReadBitString(out unusedBits);
            info.ThrowIfNotEmpty();
        }
        catch (AsnContentException)
        {
            return curve is null or Prime256V1
                ? $"{what} is not a DER-encoded EC SubjectPublicKeyInfo."
                : CurveRefusal(curve, what);
        }

        if (curve != Prime256V1)
        {
            return CurveRefusal(curve, what);
        }

        if (unusedBits != 0)
        {
            return $"{what}'s public key is not a whole number of bytes.";
        }

        if (point.Length > 0 && point[0] is 0x02 or 0x03)
        {
            return $"{what} is a compressed point: only an uncompressed P-256 point (04 ‖ X ‖ Y, {PointLength} bytes) is accepted.";
        }

        if (point.Length != PointLength || point[0] != 0x04)
        {
            return $"{what} is not an uncompressed P-256 point: {point.Length} byte(s){(point.Length > 0 ? $" starting {point[0]:x2}" : string.Empty)}, where 04 ‖ X ‖ Y ({PointLength} bytes) is expected.";
        }

        if (!spki.SequenceEqual(Spki(point)))
        {
            return $"{what} is not canonical DER: a length, an identifier or the bit string is encoded other than DER requires.";
        }

        return PointRefusal(point, what);
    }

    /// <summary>The DER SubjectPublicKeyInfo of an uncompressed P-256 point (id-ecPublicKey, namedCurve prime256v1).</summary>
    public static byte[] Spki(ReadOnlySpan<byte> point)
    {
        var writer = new AsnWriter(AsnEncodingRules.DER);
        using (writer.PushSequence())
        {
            using (writer.PushSequence())
            {
                writer.WriteObjectIdentifier(EcPublicKey);
                writer.WriteObjectIdentifier(Prime256V1);
            }

            writer.WriteBitString(point);
        }

        return writer.Encode();
    }

    /// <summary>The point of a SubjectPublicKeyInfo that <see cref="Refusal"/> accepted: its last <see cref="PointLength"/> bytes.</summary>
    public static byte[] PointOf(ReadOnlySpan<byte> acceptedSpki) => acceptedSpki[^PointLength..].ToArray();

    /// <summary>Imports an accepted key for key agreement; null when the platform refuses it after all.</summary>
    public static ECDiffieHellman? Import(ReadOnlySpan<byte> acceptedSpki)
    {
        var key = ECDiffieHellman.Create();
        try
        {
            key.ImportSubjectPublicKeyInfo(acceptedSpki, out var read);
            if (read == acceptedSpki.Length)
            {
                return key;
            }
        }
        catch (CryptographicException)
        {
            // Refused by the caller: the platform's EC does not take a key the checks above passed.
        }

        key.Dispose();
        return null;
    }

    private static string CurveRefusal(string curve, string what) =>
        $"{what} is on the curve {curve}: only the named curve P-256 ({Prime256V1}) is accepted.";

    private static string? PointRefusal(byte[] point, string what)
    {
        var x = new BigInteger(point.AsSpan(1, CoordinateLength), isUnsigned: true, isBigEndian: true);
        var y = new BigInteger(point.AsSpan(1 + CoordinateLength, CoordinateLength), isUnsigned: true, isBigEndian: true);
        if (x >= P || y >= P)
        {
            return $"{what}'s point has a coordinate not below the field prime of P-256.";
        }

        var left = y * y % P;
        var right = ((((x * x % P) * x) - (3 * x) + B) % P + P) % P;
        return left == right ? null : $"{what}'s point is not on the curve P-256.";
    }

    private static BigInteger Parse(string hex) => new(Convert.FromHexString(hex), isUnsigned: true, isBigEndian: true);
}
