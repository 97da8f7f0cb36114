using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text;

namespace Keyward.Server.Tests.Certificates;

/// <summary>
/// Finds any copy of known RSA private keys in raw bytes (a database file, a dump), in every encoding a
/// careless write could leave there.
/// </summary>
/// <remarks>
/// <para>
/// Only the secret part of a key is looked for: in RSAPrivateKey (PKCS#1) order that is everything from the
/// private exponent d on (d, p, q, dp, dq, qinv); the modulus and public exponent before it are in the
/// certificate and belong in the database. PKCS#8 wraps the PKCS#1 structure unchanged, so both DER forms carry
/// these very bytes.
/// </para>
/// <para>
/// The scanner slides a <see cref="Window"/>-byte window over the data and looks each one up among the
/// needles, so it finds a copy at any offset and even a fragment of one. The needles, per key:
/// every <see cref="Window"/>-byte run of the DER secret part and of the raw d and p (big-endian, as
/// <see cref="RSAParameters"/> gives them); every 32-character run of its base64 at each of the three
/// byte alignments, starting on a 4-character boundary (so any base64 text holding the key — PEM bodies
/// wrapped at 64 characters or unwrapped — contains one: a full PEM line starts with such a run); and every
/// 32-character run of its hexadecimal in lower and upper case starting on a byte (pg_dump writes bytea as
/// <c>\x</c> and lower-case hex). A chance match of 32 bytes of key material is out of the question.
/// </para>
/// </remarks>
internal sealed class PrivateKeyScanner
{
    public const int Window = 32;

    private readonly Dictionary<Needle, string> _needles = [];

    /// <param name="keys">The keys, each with a name for the report and its PKCS#8 encoding.</param>
    public PrivateKeyScanner(IEnumerable<OpenedKey> keys)
    {
        ArgumentNullException.ThrowIfNull(keys);
        foreach (var (name, pkcs8, _) in keys)
        {
            using var rsa = RSA.Create();
            rsa.ImportPkcs8PrivateKey(pkcs8, out _);
            var pkcs1 = rsa.ExportRSAPrivateKey();
            var parameters = rsa.ExportParameters(includePrivateParameters: true);
            AddBytes(name, "PKCS#8 DER", SecretPart(pkcs8, parameters.D!));
            AddBytes(name, "PKCS#1 DER", SecretPart(pkcs1, parameters.D!));
            AddBytes(name, "private exponent d", parameters.D!);
            AddBytes(name, "prime p", parameters.P!);
            var secret = SecretPart(pkcs1, parameters.D!);
            AddBase64(name, secret);
            AddHex(name, secret);
        }
    }

    public int NeedleCount => _needles.Count;

    /// <summary>What was found where; empty when the data holds none of the keys.</summary>
    public IReadOnlyList<string> Find(ReadOnlySpan<byte> data)
    {
        var found = new List<string>();
        for (var offset = 0; offset + Window <= data.Length; offset++)
        {
            if (_needles.TryGetValue(Needle.At(data[offset..]), out var what))
            {
                found.Add($"{what} at byte {offset}");
                offset += Window - 1;
            }
        }

        return found;
    }

    /// <summary>
    /// A key in each encoding the scanner must recognise, as a careless write would store it: binary forms as
    /// bytes, text forms as strings. For the positive controls.
    /// </summary>
    public static IReadOnlyList<(string Form, object Value)> SampleEncodings(byte[] pkcs8)
    {
        using var rsa = RSA.Create();
        rsa.ImportPkcs8PrivateKey(pkcs8, out _);
        var pkcs1 = rsa.ExportRSAPrivateKey();
        var parameters = rsa.ExportParameters(includePrivateParameters: true);
        return
        [
            ("PKCS#8 DER", pkcs8),
            ("PKCS#1 DER", pkcs1),
            ("PKCS#8 PEM", PemEncoding.WriteString("PRIVATE KEY", pkcs8)),
            ("PKCS#1 PEM", PemEncoding.WriteString("RSA PRIVATE KEY", pkcs1)),
            ("PKCS#8 base64, unwrapped", Convert.ToBase64String(pkcs8)),
            ("PKCS#1 base64, unwrapped", Convert.ToBase64String(pkcs1)),
            ("PKCS#8 hex", Convert.ToHexStringLower(pkcs8)),
            ("private exponent d", parameters.D!),
            ("prime p", parameters.P!),
        ];
    }

    /// <summary>The bytes of a DER private key from its private exponent on.</summary>
    private static byte[] SecretPart(byte[] der, byte[] d)
    {
        // RSAParameters pads d to the modulus length; DER writes it without leading zeros.
        var start = der.AsSpan().IndexOf(d.AsSpan().TrimStart((byte)0));
        if (start <= 0)
        {
            throw new InvalidOperationException("The private exponent is not where an RSAPrivateKey keeps it.");
        }

        return der[start..];
    }

    private void AddBytes(string name, string form, byte[] bytes)
    {
        for (var offset = 0; offset + Window <= bytes.Length; offset++)
        {
            _needles.TryAdd(Needle.At(bytes.AsSpan(offset)), $"{name}: {form}");
        }
    }

    private void AddBase64(string name, byte[] secret)
    {
        for (var alignment = 0; alignment < 3; alignment++)
        {
            var whole = (secret.Length - alignment) / 3 * 3;
            var text = Encoding.ASCII.GetBytes(Convert.ToBase64String(secret, alignment, whole));
            for (var offset = 0; offset + Window <= text.Length; offset += 4)
            {
                _needles.TryAdd(Needle.At(text.AsSpan(offset)), $"{name}: base64 (PEM body)");
            }
        }
    }

    private void AddHex(string name, byte[] secret)
    {
        foreach (var text in new[] { Convert.ToHexStringLower(secret), Convert.ToHexString(secret) })
        {
            var ascii = Encoding.ASCII.GetBytes(text);
            for (var offset = 0; offset + Window <= ascii.Length; offset += 2)
            {
                _needles.TryAdd(Needle.At(ascii.AsSpan(offset)), $"{name}: hex");
            }
        }
    }

    /// <summary>32 bytes compared and hashed by value.</summary>
    private readonly record struct Needle(ulong A, ulong B, ulong C, ulong D)
    {
        public static Needle At(ReadOnlySpan<byte> data)
        {
            var words = MemoryMarshal.Cast<byte, ulong>(data[..Window]);
            return new Needle(words[0], words[1], words[2], words[3]);
        }
    }
}
