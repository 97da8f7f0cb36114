using Keyward.Crypto.Recovery;

namespace Keyward.Cards;

/// <summary>Where, and of which kind, <see cref="Card.CreateTransportKey"/> makes the one-time transport key pair (docs/cards.md#transport-key).</summary>
public enum TransportKeyMode
{
    /// <summary>
    /// On the token as an EC P-256 key when it can (<see cref="TokenEc"/>), else as an RSA-2048 key when it can
    /// (<see cref="TokenRsa"/>), else in software.
    /// </summary>
    Auto = 0,

    /// <summary>On the token, EC P-256 when it can, else RSA-2048; or fail with <see cref="CardProblem.UnsupportedMechanism"/>.</summary>
    Token = 1,

    /// <summary>In this process's memory (Keyward.Crypto's <see cref="TransportKeyPair"/>, RSA-3072).</summary>
    Software = 2,

    /// <summary>On the token as an EC P-256 key (ECDH, then AES key wrap), or fail with <see cref="CardProblem.UnsupportedMechanism"/>.</summary>
    TokenEc = 3,

    /// <summary>On the token as an RSA-2048 key (RSA-OAEP), or fail with <see cref="CardProblem.UnsupportedMechanism"/>.</summary>
    TokenRsa = 4,
}
