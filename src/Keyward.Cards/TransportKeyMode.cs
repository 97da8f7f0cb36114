using Keyward.Crypto.Recovery;

namespace Keyward.Cards;

/// <summary>Where <see cref="Card.CreateTransportKey"/> makes the one-time transport key pair.</summary>
public enum TransportKeyMode
{
    /// <summary>On the token when it can unwrap RSA-OAEP and AES key wrap with padding itself, else in software.</summary>
    Auto = 0,

    /// <summary>On the token, or fail with <see cref="CardProblem.UnsupportedMechanism"/>.</summary>
    Token = 1,

    /// <summary>In this process's memory (Keyward.Crypto's <see cref="TransportKeyPair"/>, RSA-3072).</summary>
    Software = 2,
}
