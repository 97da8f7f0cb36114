namespace Keyward.Cards;

/// <summary>One recovered key to write onto a card, as the server sent it.</summary>
/// <param name="WrappedPkcs8">The PKCS#8 private key, wrapped under the transport's AES key with AES key wrap with padding (RFC 5649).</param>
/// <param name="CertificateDer">Its certificate, DER.</param>
/// <param name="Label">The <c>CKA_LABEL</c> for the key and the certificate (what card tools and the OS show).</param>
public sealed record KeyToWrite(byte[] WrappedPkcs8, byte[] CertificateDer, string Label);
