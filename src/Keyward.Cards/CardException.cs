namespace Keyward.Cards;

/// <summary>
/// The one exception of the card layer. Its message is one line that says what to do; it never holds a PIN or key
/// material, only labels, serials, CKA_IDs and <c>CKR_…</c> names.
/// </summary>
/// <remarks>
/// Failures that depend on the card in the reader (a wrong PIN, a full card, a missing mechanism) are expected
/// here, so they are one exception type with a <see cref="Problem"/> the caller switches on. Misuse (a null argument,
/// a disposed object) throws the usual <see cref="ArgumentException"/> or <see cref="ObjectDisposedException"/>.
/// </remarks>
public sealed class CardException : Exception
{
    public CardException()
    {
    }

    public CardException(string message)
        : base(message)
    {
    }

    public CardException(string message, Exception inner)
        : base(message, inner)
    {
    }

    public CardException(CardProblem problem, string message, Exception? inner = null)
        : base(message, inner)
    {
        Problem = problem;
    }

    /// <summary>What went wrong.</summary>
    public CardProblem Problem { get; }

    /// <summary>The PKCS#11 return code name (<c>CKR_…</c>) behind the failure, or null when the card layer refused by itself.</summary>
    public string? ReturnCode => (InnerException as Net.Pkcs11Interop.Common.Pkcs11Exception)?.RV.ToString();
}
