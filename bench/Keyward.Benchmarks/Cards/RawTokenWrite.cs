using System.Formats.Asn1;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Net.Pkcs11Interop.Common;
using Net.Pkcs11Interop.HighLevelAPI;

namespace Keyward.Benchmarks.Cards;

/// <summary>
/// The yardstick of a card collection: the PKCS#11 work of putting the same keys and certificates on a fresh token and
/// nothing else — load and initialise the module, find the token by label, open a read-write session, log in, and
/// per key one <c>C_CreateObject</c> of the private key (the attribute template Keyward's card layer uses: token,
/// private, sensitive, not extractable, sign/decrypt/unwrap, <c>CKA_ID</c>, label, subject, and the RSA CRT
/// components) and one of its X.509 certificate object, then close and finalise.
/// </summary>
/// <remarks>
/// The keys' components, ids, labels and DER fields are prepared before the clock starts: the yardstick is the token's
/// work only. The keys are the very keys Keyward recovers (taken from a File Store collection of the same
/// certificates), written under the same ids (the conventional SHA-1 of the modulus Keyward's card layer gives a new key on
/// a generic token) and labels.
/// </remarks>
internal sealed class RawTokenWrite
{
    private readonly Pkcs11InteropFactories _factories = new();
    private readonly byte[] _wrappingKey = RandomNumberGenerator.GetBytes(32);
    private readonly List<PreparedKey> _keys;

    public RawTokenWrite(IEnumerable<X509Certificate2> withPrivateKeys)
    {
        _keys = [.. withPrivateKeys.Select(Prepare)];
    }

    public int Count => _keys.Count;

    /// <summary>Writes every key and certificate onto the token labelled <paramref name="tokenLabel"/>; the caller times it.</summary>
    public void WriteAll(string tokenLabel)
    {
        using var library = _factories.Pkcs11LibraryFactory.LoadPkcs11Library(_factories, SoftHsm.Module, AppType.MultiThreaded);
        var slot = library.GetSlotList(SlotsType.WithTokenPresent).Single(s => s.GetTokenInfo().Label == tokenLabel);
        using var session = slot.OpenSession(SessionType.ReadWrite);
        session.Login(CKU.CKU_USER, SoftHsm.UserPin);
        foreach (var key in _keys)
        {
            session.CreateObject(key.PrivateKey);
            session.CreateObject(key.Certificate);
        }
    }

    /// <summary>
    /// The same keys put on the token the way a wrapped key arrives: each private key's PKCS#8, wrapped in advance
    /// (RFC 5649) under an AES key the token is handed as a session object, is unwrapped with <c>C_UnwrapKey</c>
    /// (<c>CKM_AES_KEY_WRAP_PAD</c>) into a token object with the template of <see cref="WriteAll"/> less the key's
    /// components; the certificates are created as there. What the token itself charges for unwrapping, with no
    /// server, protocol or checks; the caller times it.
    /// </summary>
    public void UnwrapAll(string tokenLabel)
    {
        using var library = _factories.Pkcs11LibraryFactory.LoadPkcs11Library(_factories, SoftHsm.Module, AppType.MultiThreaded);
        var slot = library.GetSlotList(SlotsType.WithTokenPresent).Single(s => s.GetTokenInfo().Label == tokenLabel);
        using var session = slot.OpenSession(SessionType.ReadWrite);
        session.Login(CKU.CKU_USER, SoftHsm.UserPin);
        var a = _factories.ObjectAttributeFactory;
        var kek = session.CreateObject(
        [
            a.Create(CKA.CKA_CLASS, CKO.CKO_SECRET_KEY),
            a.Create(CKA.CKA_KEY_TYPE, CKK.CKK_AES),
            a.Create(CKA.CKA_TOKEN, false),
            a.Create(CKA.CKA_UNWRAP, true),
            a.Create(CKA.CKA_VALUE, _wrappingKey),
        ]);
        using var mechanism = _factories.MechanismFactory.Create(CKM.CKM_AES_KEY_WRAP_PAD);
        foreach (var key in _keys)
        {
            session.UnwrapKey(mechanism, kek, key.WrappedPkcs8, key.UnwrapTemplate);
            session.CreateObject(key.Certificate);
        }
    }

    [System.Diagnostics.CodeAnalysis.SuppressMessage("Security", "CA5350:Do Not Use Weak Cryptographic Algorithms", Justification = "An object identifier, as Keyward's card layer derives it; nothing relies on SHA-1 for security here.")]
    private PreparedKey Prepare(X509Certificate2 certificate)
    {
        using var rsa = certificate.GetRSAPrivateKey() ?? throw new InvalidOperationException($"{certificate.Subject}: no RSA private key in the collected PFX.");
        var p = rsa.ExportParameters(includePrivateParameters: true);
        var id = SHA1.HashData(p.Modulus!);
        var name = certificate.GetNameInfo(X509NameType.SimpleName, forIssuer: false);
        var label = $"{(string.IsNullOrEmpty(name) ? "Recovered" : name)} encryption {certificate.NotBefore.ToUniversalTime():yyyy-MM-dd}";
        var a = _factories.ObjectAttributeFactory;
        // The template of the key without its components: what C_UnwrapKey is given; C_CreateObject adds them.
        List<IObjectAttribute> unwrapTemplate =
        [
            a.Create(CKA.CKA_CLASS, CKO.CKO_PRIVATE_KEY),
            a.Create(CKA.CKA_KEY_TYPE, CKK.CKK_RSA),
            a.Create(CKA.CKA_TOKEN, true),
            a.Create(CKA.CKA_PRIVATE, true),
            a.Create(CKA.CKA_SENSITIVE, true),
            a.Create(CKA.CKA_EXTRACTABLE, false),
            a.Create(CKA.CKA_ID, id),
            a.Create(CKA.CKA_LABEL, label),
            a.Create(CKA.CKA_SUBJECT, certificate.SubjectName.RawData),
            a.Create(CKA.CKA_SIGN, true),
            a.Create(CKA.CKA_DECRYPT, true),
            a.Create(CKA.CKA_UNWRAP, true),
        ];
        var pkcs8 = rsa.ExportPkcs8PrivateKey();
        byte[] wrapped;
        using (var aes = Aes.Create())
        {
            aes.Key = _wrappingKey;
            wrapped = aes.EncryptKeyWrapPadded(pkcs8);
        }

        CryptographicOperations.ZeroMemory(pkcs8);
        List<IObjectAttribute> privateKey =
        [
            .. unwrapTemplate,
            a.Create(CKA.CKA_MODULUS, p.Modulus!),
            a.Create(CKA.CKA_PUBLIC_EXPONENT, p.Exponent!),
            a.Create(CKA.CKA_PRIVATE_EXPONENT, p.D!),
            a.Create(CKA.CKA_PRIME_1, p.P!),
            a.Create(CKA.CKA_PRIME_2, p.Q!),
            a.Create(CKA.CKA_EXPONENT_1, p.DP!),
            a.Create(CKA.CKA_EXPONENT_2, p.DQ!),
            a.Create(CKA.CKA_COEFFICIENT, p.InverseQ!),
        ];
        var serial = new AsnWriter(AsnEncodingRules.DER);
        serial.WriteInteger(certificate.SerialNumberBytes.Span);
        List<IObjectAttribute> certificateObject =
        [
            a.Create(CKA.CKA_CLASS, CKO.CKO_CERTIFICATE),
            a.Create(CKA.CKA_CERTIFICATE_TYPE, (ulong)CKC.CKC_X_509),
            a.Create(CKA.CKA_TOKEN, true),
            a.Create(CKA.CKA_PRIVATE, false),
            a.Create(CKA.CKA_ID, id),
            a.Create(CKA.CKA_LABEL, label),
            a.Create(CKA.CKA_SUBJECT, certificate.SubjectName.RawData),
            a.Create(CKA.CKA_ISSUER, certificate.IssuerName.RawData),
            a.Create(CKA.CKA_SERIAL_NUMBER, serial.Encode()),
            a.Create(CKA.CKA_VALUE, certificate.RawData),
        ];
        CryptographicOperations.ZeroMemory(p.D);
        CryptographicOperations.ZeroMemory(p.P);
        CryptographicOperations.ZeroMemory(p.Q);
        CryptographicOperations.ZeroMemory(p.DP);
        CryptographicOperations.ZeroMemory(p.DQ);
        CryptographicOperations.ZeroMemory(p.InverseQ);
        return new PreparedKey(privateKey, certificateObject, wrapped, unwrapTemplate);
    }

    private sealed record PreparedKey(List<IObjectAttribute> PrivateKey, List<IObjectAttribute> Certificate, byte[] WrappedPkcs8, List<IObjectAttribute> UnwrapTemplate);
}
