namespace Keyward.Cards;

/// <summary>Where one key goes on a card, and what of it is there already.</summary>
/// <param name="Id">The <c>CKA_ID</c> (lowercase hex) the key and its certificate are written under.</param>
/// <param name="CertificatePresent">The card already holds this very certificate (same DER) under <paramref name="Id"/>.</param>
/// <param name="KeyPresent">The card already holds the certificate's private key under <paramref name="Id"/>.</param>
public sealed record KeyPlacement(string Id, bool CertificatePresent, bool KeyPresent);
