namespace Keyward.Cards;

/// <summary>What went wrong with a card, in terms a person at the card reader can act on.</summary>
public enum CardProblem
{
    /// <summary>Any other failure; the message names the PKCS#11 return code (<c>CKR_…</c>).</summary>
    Failed = 0,

    /// <summary>The module file is missing, or is not a PKCS#11 library.</summary>
    NoModule = 1,

    /// <summary>No token is present, none matches the name asked for, or the token was removed.</summary>
    NoToken = 2,

    /// <summary>Several tokens are present and none was named, or a label names several.</summary>
    AmbiguousToken = 3,

    /// <summary>The PIN is wrong; the message says when the token reports few tries left.</summary>
    WrongPin = 4,

    /// <summary>The PIN is locked: the card must be unblocked (PUK or SO PIN) before anything else.</summary>
    PinLocked = 5,

    /// <summary>The token, or its user PIN, is not initialised: initialise it with the SO PIN first.</summary>
    NotInitialized = 6,

    /// <summary>The token has no room for another object.</summary>
    TokenFull = 7,

    /// <summary>The token is write-protected.</summary>
    ReadOnly = 8,

    /// <summary>The token lacks a mechanism, key type or key size this needs.</summary>
    UnsupportedMechanism = 9,

    /// <summary>The key on the card does not belong to the certificate it was written for.</summary>
    KeyMismatch = 10,

    /// <summary>A PIV card has too few free retired key-management slots for the keys to write.</summary>
    NotEnoughSlots = 11,

    /// <summary>A wrapped key does not open with this transport key: wrapped for another one, or altered.</summary>
    PackageUnreadable = 12,

    /// <summary>The token refuses a new PIN (too short, too long, or characters it does not take).</summary>
    PinRefused = 13,

    /// <summary>The token is initialised already; initialising it again would erase it, which Keyward never does.</summary>
    AlreadyInitialized = 14,
}
