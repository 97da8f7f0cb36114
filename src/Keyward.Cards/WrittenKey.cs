namespace Keyward.Cards;

/// <summary>One recovered key to write onto a card, as the server sent it.</summary>
/// <param name="WrappedPkcs8">The PKCS#8 private key, wrapped under the transport's AES key with AES key wrap with padding (RFC 5649).</param>
/// <param name="CertificateDer">Its certificate, DER.</param>
/// <param name="Label">The <c>CKA_LABEL</c> for the key and the certificate (what card tools and the OS show).</param>
public sealed record KeyToWrite(byte[] WrappedPkcs8, byte[] CertificateDer, string Label);

/// <summary>What writing one key did.</summary>
public enum WriteOutcome
{
    /// <summary>The key and the certificate were written.</summary>
    Written = 1,

    /// <summary>The certificate and its key were on the card already; nothing was written.</summary>
    AlreadyPresent = 2,

    /// <summary>The key was on the card without the certificate (an interrupted earlier write); only the certificate was written.</summary>
    CertificateAdded = 3,

    /// <summary>The certificate was on the card without its key; only the key was written.</summary>
    KeyAdded = 4,
}

/// <summary>One key on the card after <see cref="Card.Write(OpenedTransport, IReadOnlyList{KeyToWrite}, IProgress{WrittenKey}?)"/>.</summary>
/// <param name="Id">The <c>CKA_ID</c> (lowercase hex) the key and certificate share.</param>
/// <param name="Label">The label written (an object already present keeps its own).</param>
/// <param name="CertificateDer">The certificate, DER.</param>
/// <param name="Outcome">What was written.</param>
public sealed record WrittenKey(string Id, string Label, byte[] CertificateDer, WriteOutcome Outcome);
