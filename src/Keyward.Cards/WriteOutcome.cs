namespace Keyward.Cards;

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
