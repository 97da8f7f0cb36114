using System.Formats.Asn1;
using System.Runtime.InteropServices;
using System.Security.Cryptography;

namespace Keyward.Crypto.Recovery;

/// <summary>
/// Whether an RSA PKCS#8 private key is the private key of a certificate, decided from the bytes alone, without
/// importing the key into a key object.
/// </summary>
/// <remarks>
/// <para>Why: importing an RSA private key on Linux runs OpenSSL's key check, two primality tests of 1024 bits,
/// milliseconds per key — most of what a collection's begin step spent per key after the wrap itself
/// (docs/performance.md, "After cheaper begin and complete"). The transport wrap only needs to know the key is the
/// certificate's; the token that unwraps it decodes it again.</para>
/// <para>The key fits when the PKCS#8 is strict DER (version 0 or 1, rsaEncryption with NULL parameters, a two-prime
/// RSAPrivateKey of version 0, nothing after it), its modulus n and public exponent e equal the certificate's, and its
/// primes p and q are both above 1 with p·q = n. The last check is what binds the private half: a PKCS#8 whose n was
/// copied from the certificate but whose other fields come from another key is refused. Since the certificate's n is
/// the product of two primes, two factors above 1 whose product is n are those primes, so no primality test is
/// needed. The private exponent and the CRT values follow from p, q and e; they are not recomputed (the envelope's
/// AES-GCM tag keeps them as archived, and the key was checked when it was archived).</para>
/// <para>p and q are multiplied in buffers that are zeroed before this returns; nothing else copies key bytes.</para>
/// </remarks>
internal static class RsaKeyFit
{
    private const string RsaOid = "1.2.840.113549.1.1.1";

    /// <summary>The certificate's RSA public key (n, e as unsigned big-endian), or null when it is not RSA or does not parse.</summary>
    public static (byte[] Modulus, byte[] Exponent)? PublicKeyOf(byte[] certificateDer)
    {
        try
        {
            var certificate = new AsnReader(certificateDer, AsnEncodingRules.DER);
            var tbs = certificate.ReadSequence().ReadSequence();
            if (tbs.PeekTag().HasSameClassAndValue(new Asn1Tag(TagClass.ContextSpecific, 0)))
            {
                tbs.ReadEncodedValue(); // version
            }

            for (var skip = 0; skip < 5; skip++)
            {
                tbs.ReadEncodedValue(); // serialNumber, signature, issuer, validity, subject
            }

            var spki = tbs.ReadSequence();
            if (!ReadRsaAlgorithm(spki))
            {
                return null;
            }

            var bits = spki.ReadBitString(out var unused);
            if (unused != 0)
            {
                return null;
            }

            var key = new AsnReader(bits, AsnEncodingRules.DER);
            var rsa = key.ReadSequence();
            var modulus = rsa.ReadIntegerBytes().Span;
            var exponent = rsa.ReadIntegerBytes().Span;
            rsa.ThrowIfNotEmpty();
            key.ThrowIfNotEmpty();
            return Negative(modulus) || Negative(exponent) ? null : (Unsigned(modulus).ToArray(), Unsigned(exponent).ToArray());
        }
        catch (AsnContentException)
        {
            return null;
        }
    }

    /// <summary>Whether <paramref name="pkcs8"/> is the private key of the RSA public key (<paramref name="modulus"/>, <paramref name="exponent"/>).</summary>
    /// <returns>Null when it fits; otherwise why not (naming no key bytes).</returns>
    /// <remarks>The reader's slices point into <paramref name="pkcs8"/>: no field is copied but p and q, into zeroed limbs.</remarks>
    public static string? Refusal(ReadOnlyMemory<byte> pkcs8, byte[] modulus, byte[] exponent)
    {
        try
        {
            return RefusalOf(pkcs8, modulus, exponent);
        }
        catch (AsnContentException)
        {
            return "not a DER PKCS#8 RSA private key";
        }
    }

    private static string? RefusalOf(ReadOnlyMemory<byte> pkcs8, byte[] modulus, byte[] exponent)
    {
        var outer = new AsnReader(pkcs8, AsnEncodingRules.DER);
        var info = outer.ReadSequence();
        outer.ThrowIfNotEmpty();
        if (!info.TryReadInt32(out var version) || version is not (0 or 1))
        {
            return "an unknown PKCS#8 version";
        }

        if (!ReadRsaAlgorithm(info))
        {
            return "not an RSA key";
        }

        if (!info.TryReadPrimitiveOctetString(out var privateKey))
        {
            return "not a DER PKCS#8 RSA private key";
        }

        // Optional [0] attributes and (version 1) [1] public key are allowed, as the runtime's importer allows them; nothing else.
        if (info.HasData && info.PeekTag().HasSameClassAndValue(new Asn1Tag(TagClass.ContextSpecific, 0)))
        {
            info.ReadEncodedValue();
        }

        if (version == 1 && info.HasData && info.PeekTag().HasSameClassAndValue(new Asn1Tag(TagClass.ContextSpecific, 1)))
        {
            info.ReadEncodedValue();
        }

        info.ThrowIfNotEmpty();
        var rsa = new AsnReader(privateKey, AsnEncodingRules.DER);
        var fields = rsa.ReadSequence();
        rsa.ThrowIfNotEmpty();
        if (!fields.TryReadInt32(out var rsaVersion) || rsaVersion != 0)
        {
            return "not a two-prime RSA key";
        }

        var n = fields.ReadIntegerBytes().Span;
        var e = fields.ReadIntegerBytes().Span;
        var d = fields.ReadIntegerBytes().Span;
        var p = fields.ReadIntegerBytes().Span;
        var q = fields.ReadIntegerBytes().Span;
        var dP = fields.ReadIntegerBytes().Span;
        var dQ = fields.ReadIntegerBytes().Span;
        var qInv = fields.ReadIntegerBytes().Span;
        fields.ThrowIfNotEmpty();
        if (Negative(n) || Negative(e) || Negative(d) || Negative(p) || Negative(q) || Negative(dP) || Negative(dQ) || Negative(qInv))
        {
            return "not a DER PKCS#8 RSA private key";
        }

        n = Unsigned(n);
        e = Unsigned(e);
        p = Unsigned(p);
        q = Unsigned(q);
        if (!n.SequenceEqual(modulus) || !e.SequenceEqual(exponent))
        {
            return "not that certificate's private key";
        }

        return AboveOne(p) && AboveOne(q) && ProductIs(p, q, n) ? null : "not that certificate's private key";
    }

    private static bool ReadRsaAlgorithm(AsnReader reader)
    {
        var algorithm = reader.ReadSequence();
        if (algorithm.ReadObjectIdentifier() != RsaOid)
        {
            return false;
        }

        algorithm.ReadNull();
        algorithm.ThrowIfNotEmpty();
        return true;
    }

    /// <summary>The magnitude of a DER INTEGER's content without its leading zero bytes (RSA fields are never negative).</summary>
    private static ReadOnlySpan<byte> Unsigned(ReadOnlySpan<byte> integer)
    {
        var start = 0;
        while (start < integer.Length - 1 && integer[start] == 0)
        {
            start++;
        }

        return integer[start..];
    }

    /// <summary>A DER INTEGER with its top bit set is negative: no RSA field is.</summary>
    private static bool Negative(ReadOnlySpan<byte> integer) => integer[0] >= 0x80;

    private static bool AboveOne(ReadOnlySpan<byte> value) =>
        value.Length > 1 || (value.Length == 1 && value[0] > 1);

    /// <summary>Whether p·q = n, by schoolbook multiplication in 32-bit limbs that are zeroed afterwards.</summary>
    private static bool ProductIs(ReadOnlySpan<byte> p, ReadOnlySpan<byte> q, ReadOnlySpan<byte> n)
    {
        if (p.Length + q.Length < n.Length || p.Length + q.Length > n.Length + 1 || n.Length > 2048)
        {
            return false;
        }

        var pLimbs = new uint[(p.Length + 3) / 4];
        var qLimbs = new uint[(q.Length + 3) / 4];
        var product = new uint[pLimbs.Length + qLimbs.Length];
        var nLimbs = new uint[product.Length];
        try
        {
            ToLimbs(p, pLimbs);
            ToLimbs(q, qLimbs);
            if (!ToLimbs(n, nLimbs))
            {
                return false;
            }

            for (var i = 0; i < pLimbs.Length; i++)
            {
                ulong carry = 0;
                for (var j = 0; j < qLimbs.Length; j++)
                {
                    var t = ((ulong)pLimbs[i] * qLimbs[j]) + product[i + j] + carry;
                    product[i + j] = (uint)t;
                    carry = t >> 32;
                }

                product[i + qLimbs.Length] = (uint)carry;
            }

            return product.AsSpan().SequenceEqual(nLimbs);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(MemoryMarshal.AsBytes(pLimbs.AsSpan()));
            CryptographicOperations.ZeroMemory(MemoryMarshal.AsBytes(qLimbs.AsSpan()));
            CryptographicOperations.ZeroMemory(MemoryMarshal.AsBytes(product.AsSpan()));
        }
    }

    /// <summary>Big-endian bytes into little-endian limbs; false when they do not fit.</summary>
    private static bool ToLimbs(ReadOnlySpan<byte> bigEndian, uint[] limbs)
    {
        if (bigEndian.Length > limbs.Length * 4)
        {
            return false;
        }

        for (var k = 0; k < bigEndian.Length; k++)
        {
            var position = bigEndian.Length - 1 - k;
            limbs[k / 4] |= (uint)bigEndian[position] << (8 * (k % 4));
        }

        return true;
    }
}
