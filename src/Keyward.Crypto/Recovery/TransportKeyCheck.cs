using System.Formats.Asn1;
using System.Globalization;
using System.Numerics;
using System.Security.Cryptography;

namespace Keyward.Crypto.Recovery;

/// <summary>
/// Decides whether a collecting client's one-time transport key (SubjectPublicKeyInfo, DER: RSA, or EC P-256) may
/// receive recovered keys, and says which check it failed when it may not. <see cref="TransportWrap.Wrap"/> refuses
/// what this refuses.
/// </summary>
/// <remarks>
/// <para>The client sends the key, so the key is hostile input: a modulus someone else can factor, or a point off the
/// curve, hands that person every recovered key in the package (docs/security.md#transport-keys). The algorithm
/// decides the rules: id-ecPublicKey keys are checked by <see cref="EcTransportKeyCheck"/> (canonical DER, the named
/// curve P-256 only, an uncompressed point on the curve), rsaEncryption keys by the checks below, in order; any
/// other algorithm is refused.</para>
/// <list type="number">
/// <item>Canonical DER: one SubjectPublicKeyInfo and nothing after it, algorithm rsaEncryption
/// (1.2.840.113549.1.1.1) with NULL parameters, and exactly the bytes a DER encoder writes for its modulus and
/// exponent (no long-form length where the short form fits, no leading zero bytes in an integer).</item>
/// <item>A modulus of 2048 to 8192 bits.</item>
/// <item>An odd modulus without a prime factor below 2^17 (131,072; every prime below 10,000, and 65,537,
/// the usual public exponent).</item>
/// <item>An odd public exponent from 65,537 (FIPS 186-5, §5.4) to 2^32 − 1: OpenSSL refuses to encrypt with an
/// exponent over 64 bits once the modulus passes 3,072 bits, Go and BoringSSL refuse one over 32 bits, and every
/// collecting client and PKCS#11 token uses 65,537.</item>
/// </list>
/// <para>Pure and thread-safe. The table of small primes is built once, on first use.</para>
/// </remarks>
public static class TransportKeyCheck
{
    /// <summary>The smallest modulus accepted, in bits.</summary>
    public const int MinModulusBits = 2048;

    /// <summary>The largest modulus accepted, in bits.</summary>
    public const int MaxModulusBits = 8192;

    /// <summary>The smallest public exponent accepted.</summary>
    public const int MinPublicExponent = 65_537;

    /// <summary>Trial division covers every prime below this bound.</summary>
    public const int SmallPrimeBound = 1 << 17;

    private const int MaxPublicExponentBits = 32;
    private const string RsaEncryption = "1.2.840.113549.1.1.1";

    /// <summary>The product of every prime below <see cref="SmallPrimeBound"/> (about 188,500 bits): one gcd with the modulus does all the trial divisions.</summary>
    private static readonly Lazy<SmallPrimes> Primes = new(SmallPrimes.Build);

    /// <summary>Null when <paramref name="spki"/> is acceptable; otherwise a sentence saying which check it failed.</summary>
    /// <remarks>The sentence names the check and public facts about the key (sizes, a small factor), never more.</remarks>
    public static string? Check(ReadOnlySpan<byte> spki)
    {
        if (IsEc(spki))
        {
            using var ec = ImportEc(spki, out var ecRefusal);
            return ecRefusal;
        }

        using var key = Import(spki, out var refusal);
        return refusal;
    }

    /// <summary>
    /// Whether <paramref name="spki"/> reads as a SubjectPublicKeyInfo whose algorithm is id-ecPublicKey: such a key
    /// is checked by <see cref="EcTransportKeyCheck"/> and wrapped to with ECDH (<see cref="EcdhTransport"/>).
    /// </summary>
    internal static bool IsEc(ReadOnlySpan<byte> spki)
    {
        try
        {
            var info = new AsnReader(spki.ToArray(), AsnEncodingRules.BER).ReadSequence();
            return info.ReadSequence().ReadObjectIdentifier() == EcTransportKeyCheck.EcPublicKey;
        }
        catch (AsnContentException)
        {
            return false;
        }
    }

    /// <summary>The EC P-256 key, imported for key agreement, or null with the reason it is refused.</summary>
    internal static ECDiffieHellman? ImportEc(ReadOnlySpan<byte> spki, out string? refusal)
    {
        refusal = Envelope(spki) ?? EcTransportKeyCheck.Refusal(spki, "The transport key");
        if (refusal is not null)
        {
            return null;
        }

        var key = EcTransportKeyCheck.Import(spki);
        refusal = key is null ? "The transport key is not an EC public key this server's cryptography accepts." : null;
        return key;
    }

    /// <summary>The key, imported for encryption, or null with the reason it is refused.</summary>
    internal static RSA? Import(ReadOnlySpan<byte> spki, out string? refusal)
    {
        refusal = Refusal(spki);
        if (refusal is not null)
        {
            return null;
        }

        var rsa = RSA.Create();
        try
        {
            rsa.ImportSubjectPublicKeyInfo(spki, out var read);
            if (read == spki.Length)
            {
                return rsa;
            }
        }
        catch (CryptographicException)
        {
            // Refused below: the platform's RSA does not take a key the checks above passed.
        }

        rsa.Dispose();
        refusal = "The transport key is not an RSA public key this server's cryptography accepts.";
        return null;
    }

    /// <summary>The checks of every transport key, whatever its algorithm: not empty, one encoded value and nothing after it.</summary>
    private static string? Envelope(ReadOnlySpan<byte> spki)
    {
        if (spki.IsEmpty)
        {
            return "The transport key is empty.";
        }

        try
        {
            // Read as BER, so that a key that is BER but not DER is told so by the checks after this one.
            AsnDecoder.ReadEncodedValue(spki, AsnEncodingRules.BER, out _, out _, out var consumed);
            return consumed == spki.Length ? null : $"The transport key has {spki.Length - consumed} byte(s) after its SubjectPublicKeyInfo.";
        }
        catch (AsnContentException)
        {
            return "The transport key is not a DER-encoded RSA or EC SubjectPublicKeyInfo.";
        }
    }

    private static string? Refusal(ReadOnlySpan<byte> spki)
    {
        if (Envelope(spki) is { } refused)
        {
            return refused;
        }

        BigInteger modulus;
        BigInteger exponent;
        try
        {
            var info = new AsnReader(spki.ToArray(), AsnEncodingRules.BER).ReadSequence();
            var algorithm = info.ReadSequence();
            var oid = algorithm.ReadObjectIdentifier();
            if (oid != RsaEncryption)
            {
                return $"The transport key is neither RSA nor EC: its algorithm is {oid}, not rsaEncryption ({RsaEncryption}) or id-ecPublicKey ({EcTransportKeyCheck.EcPublicKey}).";
            }

            if (!algorithm.HasData || algorithm.PeekTag() != Asn1Tag.Null)
            {
                return "The transport key's rsaEncryption parameters are not NULL.";
            }

            algorithm.ReadNull();
            algorithm.ThrowIfNotEmpty();
            var publicKey = new AsnReader(info.ReadBitString(out var unusedBits), AsnEncodingRules.BER);
            info.ThrowIfNotEmpty();
            if (unusedBits != 0)
            {
                return "The transport key's public key is not a whole number of bytes.";
            }

            var numbers = publicKey.ReadSequence();
            publicKey.ThrowIfNotEmpty();
            modulus = numbers.ReadInteger();
            exponent = numbers.ReadInteger();
            numbers.ThrowIfNotEmpty();
        }
        catch (AsnContentException)
        {
            return "The transport key is not a DER-encoded RSA or EC SubjectPublicKeyInfo.";
        }

        if (!spki.SequenceEqual(Canonical(modulus, exponent)))
        {
            return "The transport key is not canonical DER: a length, an integer or a bit string is encoded other than DER requires.";
        }

        return ModulusRefusal(modulus) ?? ExponentRefusal(exponent);
    }

    private static string? ModulusRefusal(BigInteger modulus)
    {
        if (modulus.Sign <= 0)
        {
            return "The transport key's modulus is not a positive number.";
        }

        var bits = modulus.GetBitLength();
        if (bits is < MinModulusBits or > MaxModulusBits)
        {
            return $"The transport key has a {bits}-bit modulus; {MinModulusBits} to {MaxModulusBits} bits are accepted.";
        }

        if (modulus.IsEven)
        {
            return "The transport key has an even modulus.";
        }

        return Primes.Value.SmallestFactorOf(modulus) is { } factor
            ? $"The transport key's modulus has the small prime factor {factor}: anyone can factor it."
            : null;
    }

    private static string? ExponentRefusal(BigInteger exponent)
    {
        if (exponent.IsEven)
        {
            return $"The transport key's public exponent {Describe(exponent)} is even.";
        }

        if (exponent < MinPublicExponent)
        {
            return $"The transport key's public exponent {Describe(exponent)} is below {MinPublicExponent}.";
        }

        return exponent.GetBitLength() > MaxPublicExponentBits
            ? $"The transport key's public exponent has {exponent.GetBitLength()} bits; at most {MaxPublicExponentBits} are accepted."
            : null;
    }

    /// <summary>The DER a conforming encoder writes for this RSA public key: what a canonical input must equal.</summary>
    private static byte[] Canonical(BigInteger modulus, BigInteger exponent)
    {
        var numbers = new AsnWriter(AsnEncodingRules.DER);
        using (numbers.PushSequence())
        {
            numbers.WriteInteger(modulus);
            numbers.WriteInteger(exponent);
        }

        var writer = new AsnWriter(AsnEncodingRules.DER);
        using (writer.PushSequence())
        {
            using (writer.PushSequence())
            {
                writer.WriteObjectIdentifier(RsaEncryption);
                writer.WriteNull();
            }

            writer.WriteBitString(numbers.Encode());
        }

        return writer.Encode();
    }

    private static string Describe(BigInteger value) => value.GetBitLength() <= 64 ? value.ToString(CultureInfo.InvariantCulture) : $"of {value.GetBitLength()} bits";

    /// <summary>Every prime below <see cref="SmallPrimeBound"/>, and their product.</summary>
    private sealed class SmallPrimes
    {
        private readonly int[] _primes;
        private readonly BigInteger _product;

        private SmallPrimes(int[] primes, BigInteger product)
        {
            _primes = primes;
            _product = product;
        }

        public static SmallPrimes Build()
        {
            // Sieve of Eratosthenes, then the product as a balanced tree so no multiplication is lopsided.
            var composite = new bool[SmallPrimeBound];
            var primes = new List<int>();
            for (var i = 2; i < SmallPrimeBound; i++)
            {
                if (composite[i])
                {
                    continue;
                }

                primes.Add(i);
                for (var multiple = (long)i * i; multiple < SmallPrimeBound; multiple += i)
                {
                    composite[multiple] = true;
                }
            }

            var level = primes.Select(p => new BigInteger(p)).ToList();
            while (level.Count > 1)
            {
                var next = new List<BigInteger>((level.Count + 1) / 2);
                for (var i = 0; i < level.Count; i += 2)
                {
                    next.Add(i + 1 < level.Count ? level[i] * level[i + 1] : level[i]);
                }

                level = next;
            }

            return new SmallPrimes([.. primes], level[0]);
        }

        /// <summary>The smallest prime below the bound that divides <paramref name="modulus"/>, or null.</summary>
        public int? SmallestFactorOf(BigInteger modulus)
        {
            // gcd(n, P mod n) = gcd(n, P): a common factor exists exactly when a small prime divides n.
            var common = BigInteger.GreatestCommonDivisor(modulus, _product % modulus);
            if (common.IsOne)
            {
                return null;
            }

            foreach (var prime in _primes)
            {
                if ((common % prime).IsZero)
                {
                    return prime;
                }
            }

            return null;
        }
    }
}
