using Net.Pkcs11Interop.Common;

namespace Keyward.Cards;

/// <summary>
/// The one place where PKCS#11 return codes become <see cref="CardProblem"/>s. Every token call of this project
/// goes through <see cref="Run{T}"/> (or <see cref="Map"/> when it handles some codes itself first).
/// </summary>
internal static class Pkcs11Errors
{
    /// <summary>Runs <paramref name="call"/>; a <see cref="Pkcs11Exception"/> becomes a <see cref="CardException"/>.</summary>
    /// <param name="call">The token call.</param>
    /// <param name="action">What was being done, for the message ("writing the key of 'Alice'").</param>
    /// <param name="token">The token, for the "few tries left" part of a wrong-PIN message; null outside a card.</param>
    public static T Run<T>(Func<T> call, string action, Func<TokenDescription?>? token = null)
    {
        try
        {
            return call();
        }
        catch (Pkcs11Exception ex)
        {
            throw Map(ex, action, token?.Invoke());
        }
    }

    public static void Run(Action call, string action, Func<TokenDescription?>? token = null) =>
        Run<bool>(() =>
        {
            call();
            return true;
        }, action, token);

    public static CardException Map(Pkcs11Exception ex, string action, TokenDescription? token = null)
    {
        var name = ex.RV.ToString();
        var (problem, advice) = ex.RV switch
        {
            CKR.CKR_PIN_INCORRECT => (CardProblem.WrongPin, "the PIN is wrong" + TriesLeft(token)),
            CKR.CKR_PIN_LOCKED => (CardProblem.PinLocked, "the PIN is locked; unblock the card (PUK or SO PIN) first"),
            CKR.CKR_PIN_EXPIRED => (CardProblem.PinLocked, "the PIN has expired; change it with the card's own tool first"),
            CKR.CKR_PIN_LEN_RANGE or CKR.CKR_PIN_INVALID => (CardProblem.PinRefused, "the token refuses this PIN (length or characters)"),
            CKR.CKR_USER_PIN_NOT_INITIALIZED => (CardProblem.NotInitialized, "the token has no user PIN; initialise it with the SO PIN"),
            CKR.CKR_TOKEN_NOT_RECOGNIZED => (CardProblem.NotInitialized, "the token is not recognised; initialise it with the SO PIN"),
            CKR.CKR_TOKEN_NOT_PRESENT or CKR.CKR_DEVICE_REMOVED or CKR.CKR_SESSION_CLOSED or CKR.CKR_SESSION_HANDLE_INVALID
                => (CardProblem.NoToken, "the token was removed; insert it and start again"),
            CKR.CKR_DEVICE_MEMORY => (CardProblem.TokenFull, "the token is full; remove objects from it or use another token"),
            CKR.CKR_TOKEN_WRITE_PROTECTED or CKR.CKR_SESSION_READ_ONLY => (CardProblem.ReadOnly, "the token is write-protected"),
            CKR.CKR_MECHANISM_INVALID or CKR.CKR_MECHANISM_PARAM_INVALID or CKR.CKR_FUNCTION_NOT_SUPPORTED
                or CKR.CKR_KEY_SIZE_RANGE or CKR.CKR_KEY_TYPE_INCONSISTENT or CKR.CKR_KEY_FUNCTION_NOT_PERMITTED
                => (CardProblem.UnsupportedMechanism, "the token does not support what this needs"),
            CKR.CKR_WRAPPED_KEY_INVALID or CKR.CKR_WRAPPED_KEY_LEN_RANGE or CKR.CKR_ENCRYPTED_DATA_INVALID or CKR.CKR_ENCRYPTED_DATA_LEN_RANGE
                => (CardProblem.PackageUnreadable, "the wrapped key does not open with this transport key (wrapped for another one, or altered)"),
            _ => (CardProblem.Failed, "the token failed"),
        };
        return new CardException(problem, $"{Capitalise(action)}: {advice} ({name}).", ex);
    }

    /// <summary>The token's own warning, from its flags; SoftHSM only ever sets "count low".</summary>
    public static string TriesLeft(TokenDescription? token) => token?.UserPin switch
    {
        UserPinState.FinalTry => "; the token says one try is left",
        UserPinState.CountLow => "; the token says few tries are left",
        UserPinState.Locked => "; the token says it is now locked",
        _ => string.Empty,
    };

    private static string Capitalise(string text) => text.Length == 0 ? text : char.ToUpperInvariant(text[0]) + text[1..];
}
