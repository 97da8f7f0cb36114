using System.Formats.Asn1;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Keyward.Crypto.Protection;
using Keyward.Tokens.Pkcs11;
using Net.Pkcs11Interop.Common;
using Net.Pkcs11Interop.HighLevelAPI;

namespace Keyward.Tokens.Protection;

/// <summary>
/// An ECDSA P-384 CA key pair on the token. The private half is sensitive, non-extractable and may only sign; the
/// public half is read once from <c>CKA_EC_POINT</c>.
/// </summary>
/// <remarks>
/// Both halves carry the label <c>{prefix}-ca-{label}</c> and a random 16-byte <c>CKA_ID</c> that pairs them. If two
/// processes created the same CA key at once, every process picks the pair with the lowest <c>CKA_ID</c>, so they
/// all sign with the same key.
/// </remarks>
internal sealed class Pkcs11CaKey : ICaSigningKey
{
    /// <summary>DER of the named curve secp384r1 (OID 1.3.132.0.34), the <c>CKA_EC_PARAMS</c> of a P-384 key.</summary>
    internal static readonly byte[] P384Parameters = [0x06, 0x05, 0x2B, 0x81, 0x04, 0x00, 0x22];

    private const int P384FieldSize = 48;

    private readonly SessionPool _sessions;
    private readonly IObjectHandle _privateKey;
    private readonly string _label;

    private Pkcs11CaKey(SessionPool sessions, IObjectHandle privateKey, string label, PublicKey publicKey)
    {
        _sessions = sessions;
        _privateKey = privateKey;
        _label = label;
        PublicKey = publicKey;
        SignatureGenerator = new Pkcs11EcdsaSignatureGenerator(this);
    }

    public X509SignatureGenerator SignatureGenerator { get; }

    public PublicKey PublicKey { get; }

    public HashAlgorithmName HashAlgorithm => HashAlgorithmName.SHA384;

    /// <summary>The key pair labelled <paramref name="label"/> on the token, or null when there is none.</summary>
    public static Pkcs11CaKey? Find(SessionPool sessions, ISession session, string label)
    {
        using var privateSearch = new Template().Add(CKA.CKA_CLASS, CKO.CKO_PRIVATE_KEY).Add(CKA.CKA_KEY_TYPE, CKK.CKK_EC).Add(CKA.CKA_LABEL, label);
        using var publicSearch = new Template().Add(CKA.CKA_CLASS, CKO.CKO_PUBLIC_KEY).Add(CKA.CKA_KEY_TYPE, CKK.CKK_EC).Add(CKA.CKA_LABEL, label);
        var publicKeys = session.FindAllObjects(publicSearch.Attributes)
            .Select(handle => (Handle: handle, Id: IdOf(session, handle)))
            .Where(k => k.Id is not null)
            .ToList();
        var pair = session.FindAllObjects(privateSearch.Attributes)
            .Select(handle => (Private: handle, Id: IdOf(session, handle)))
            .Where(k => k.Id is not null)
            .Select(p => (p.Private, p.Id, Public: publicKeys.FirstOrDefault(k => k.Id == p.Id).Handle))
            .Where(p => p.Public is not null)
            .OrderBy(p => p.Id, StringComparer.Ordinal)
            .FirstOrDefault();
        return pair.Private is null ? null : FromHandles(sessions, session, label, pair.Private, pair.Public!);
    }

    /// <summary>Generates a new key pair labelled <paramref name="label"/> on the token.</summary>
    public static Pkcs11CaKey Generate(SessionPool sessions, ISession session, string label)
    {
        var id = RandomNumberGenerator.GetBytes(16);
        using var publicTemplate = new Template()
            .Add(CKA.CKA_CLASS, CKO.CKO_PUBLIC_KEY)
            .Add(CKA.CKA_KEY_TYPE, CKK.CKK_EC)
            .Add(CKA.CKA_TOKEN, true)
            .Add(CKA.CKA_PRIVATE, false)
            .Add(CKA.CKA_VERIFY, true)
            .Add(CKA.CKA_ENCRYPT, false)
            .Add(CKA.CKA_WRAP, false)
            .Add(CKA.CKA_DERIVE, false)
            .Add(CKA.CKA_EC_PARAMS, P384Parameters)
            .Add(CKA.CKA_LABEL, label)
            .Add(CKA.CKA_ID, id);
        using var privateTemplate = new Template()
            .Add(CKA.CKA_CLASS, CKO.CKO_PRIVATE_KEY)
            .Add(CKA.CKA_KEY_TYPE, CKK.CKK_EC)
            .Add(CKA.CKA_TOKEN, true)
            .Add(CKA.CKA_PRIVATE, true)
            .Add(CKA.CKA_SENSITIVE, true)
            .Add(CKA.CKA_EXTRACTABLE, false)
            .Add(CKA.CKA_MODIFIABLE, false)
            .Add(CKA.CKA_SIGN, true)
            .Add(CKA.CKA_DECRYPT, false)
            .Add(CKA.CKA_UNWRAP, false)
            .Add(CKA.CKA_DERIVE, false)
            .Add(CKA.CKA_LABEL, label)
            .Add(CKA.CKA_ID, id);
        session.GenerateKeyPair(
            Pkcs11Module.Factories.MechanismFactory.Create(CKM.CKM_EC_KEY_PAIR_GEN),
            publicTemplate.Attributes,
            privateTemplate.Attributes,
            out var publicHandle,
            out var privateHandle);
        return FromHandles(sessions, session, label, privateHandle, publicHandle);
    }

    /// <summary>Signs a SHA-384 digest on the token; returns the signature as DER <c>Ecdsa-Sig-Value</c> (RFC 3279).</summary>
    public byte[] SignDigest(byte[] digest)
    {
        byte[] raw;
        try
        {
            raw = _sessions.Run(session => session.Sign(Pkcs11Module.Factories.MechanismFactory.Create(CKM.CKM_ECDSA), _privateKey, digest));
        }
        catch (Pkcs11Exception ex) when (ex.RV is CKR.CKR_KEY_HANDLE_INVALID or CKR.CKR_OBJECT_HANDLE_INVALID)
        {
            throw new KeyArchiveException(KeyArchiveFailure.ProtectorRefused, $"The CA key '{_label}' is no longer on the token.", ex);
        }

        return EcdsaSignatureEncoding.ToDer(raw, P384FieldSize);
    }

    /// <summary>The pair's <c>CKA_ID</c> as hex, or null when the object vanished since the search.</summary>
    private static string? IdOf(ISession session, IObjectHandle handle) =>
        ObjectAttributes.ReadBytesIfPresent(session, handle, CKA.CKA_ID) is { } id ? Convert.ToHexString(id) : null;

    private static Pkcs11CaKey FromHandles(SessionPool sessions, ISession session, string label, IObjectHandle privateKey, IObjectHandle publicKey)
    {
        var parameters = ObjectAttributes.ReadBytes(session, publicKey, CKA.CKA_EC_PARAMS);
        if (!parameters.AsSpan().SequenceEqual(P384Parameters))
        {
            throw new KeyArchiveException(KeyArchiveFailure.ProtectorRefused, $"The CA key '{label}' on the token is not an ECDSA P-384 key.");
        }

        return new Pkcs11CaKey(sessions, privateKey, label, ToPublicKey(ObjectAttributes.ReadBytes(session, publicKey, CKA.CKA_EC_POINT), label));
    }

    /// <summary>
    /// The public key from <c>CKA_EC_POINT</c>: PKCS#11 says a DER OCTET STRING holding the uncompressed point
    /// (<c>04 || X || Y</c>); some tokens give the bare point, which is accepted too.
    /// </summary>
    private static PublicKey ToPublicKey(byte[] ecPoint, string label)
    {
        byte[] point;
        if (ecPoint.Length == 1 + (2 * P384FieldSize) && ecPoint[0] == 0x04)
        {
            point = ecPoint;
        }
        else
        {
            try
            {
                point = AsnDecoder.ReadOctetString(ecPoint, AsnEncodingRules.DER, out var consumed);
                if (consumed != ecPoint.Length)
                {
                    throw new AsnContentException("Trailing bytes after the EC point.");
                }
            }
            catch (AsnContentException ex)
            {
                throw new KeyArchiveException(KeyArchiveFailure.ProtectorRefused, $"The CA key '{label}' has an unreadable EC point.", ex);
            }
        }

        if (point.Length != 1 + (2 * P384FieldSize) || point[0] != 0x04)
        {
            throw new KeyArchiveException(KeyArchiveFailure.ProtectorRefused, $"The CA key '{label}' has no uncompressed P-384 point.");
        }

        var parameters = new ECParameters
        {
            Curve = ECCurve.NamedCurves.nistP384,
            Q = new ECPoint { X = point[1..(1 + P384FieldSize)], Y = point[(1 + P384FieldSize)..] },
        };
        using var ecdsa = ECDsa.Create(parameters);
        return new PublicKey(ecdsa);
    }

    /// <summary>
    /// Signs certificates and CRLs as ecdsa-with-SHA384: .NET encodes the to-be-signed bytes and hashes them here;
    /// the token signs the digest (<c>CKM_ECDSA</c>) and its raw <c>r || s</c> is re-encoded as DER.
    /// </summary>
    private sealed class Pkcs11EcdsaSignatureGenerator(Pkcs11CaKey key) : X509SignatureGenerator
    {
        /// <summary>AlgorithmIdentifier ::= SEQUENCE { ecdsa-with-SHA384 (1.2.840.10045.4.3.3) }, no parameters (RFC 5758).</summary>
        private static readonly byte[] EcdsaWithSha384 = EncodeAlgorithmIdentifier("1.2.840.10045.4.3.3");

        public override byte[] GetSignatureAlgorithmIdentifier(HashAlgorithmName hashAlgorithm)
        {
            RequireSha384(hashAlgorithm);
            return EcdsaWithSha384.ToArray();
        }

        public override byte[] SignData(byte[] data, HashAlgorithmName hashAlgorithm)
        {
            ArgumentNullException.ThrowIfNull(data);
            RequireSha384(hashAlgorithm);
            return key.SignDigest(SHA384.HashData(data));
        }

        protected override PublicKey BuildPublicKey() => key.PublicKey;

        private static void RequireSha384(HashAlgorithmName hashAlgorithm)
        {
            if (hashAlgorithm != HashAlgorithmName.SHA384)
            {
                throw new ArgumentOutOfRangeException(nameof(hashAlgorithm), hashAlgorithm, "The CA key is P-384 and signs with SHA-384 only.");
            }
        }

        private static byte[] EncodeAlgorithmIdentifier(string oid)
        {
            var writer = new AsnWriter(AsnEncodingRules.DER);
            using (writer.PushSequence())
            {
                writer.WriteObjectIdentifier(oid);
            }

            return writer.Encode();
        }
    }
}
