namespace Keyward.Cards.Tests.Support;

/// <summary>
/// Listing tokens while another test rewrites its own token in the same SoftHSM folder can fail: SoftHSM reads every
/// token's files when it lists slots and rewrites a token's files in place, so a half-written file answers
/// <c>CKR_GENERAL_ERROR</c>. That is the shared test folder, not the card layer; listing again is safe. On a loaded
/// machine (two cores shared with other builds) a rewrite can take a while, so the listing is tried for up to about
/// ten seconds.
/// </summary>
public static class SharedFolder
{
    public static T Retry<T>(Func<T> listing)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return listing();
            }
            catch (CardException ex) when (attempt < 18 && ex.ReturnCode == "CKR_GENERAL_ERROR" && ex.Message.StartsWith("Listing the tokens", StringComparison.Ordinal))
            {
                Thread.Sleep(60 * attempt);
            }
        }
    }

    public static Card Open(CardModule module, string? serialOrLabel) => Retry(() => module.Open(serialOrLabel));

    public static IReadOnlyList<TokenDescription> Tokens(CardModule module) => Retry(module.Tokens);
}
