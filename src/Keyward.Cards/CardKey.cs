namespace Keyward.Cards;

/// <summary>A private key on a card that no certificate shares a <c>CKA_ID</c> with.</summary>
/// <param name="Id">Its <c>CKA_ID</c> as lowercase hex.</param>
/// <param name="Label">Its <c>CKA_LABEL</c>.</param>
/// <param name="KeyType">Its key type.</param>
/// <param name="Modulus">RSA: <c>CKA_MODULUS</c> (big-endian, no leading zero); otherwise null.</param>
/// <param name="EcPoint">EC: the uncompressed point of the public key object with the same id, when there is one; otherwise null.</param>
public sealed record CardKey(string Id, string Label, CardKeyType KeyType, byte[]? Modulus, byte[]? EcPoint);
