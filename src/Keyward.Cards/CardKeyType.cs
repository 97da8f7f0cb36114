namespace Keyward.Cards;

/// <summary>The type of a private key on a card.</summary>
public enum CardKeyType
{
    /// <summary>Neither RSA nor elliptic-curve; Keyward writes no such key.</summary>
    Other = 0,

    /// <summary><c>CKK_RSA</c>.</summary>
    Rsa = 1,

    /// <summary><c>CKK_EC</c>.</summary>
    Ec = 2,
}
