namespace Keyward.Cards;

/// <summary>The user PIN's state as the token's flags report it, so a person can be warned before a wrong try locks the card.</summary>
public enum UserPinState
{
    /// <summary>No warning flag is set.</summary>
    Ok = 0,

    /// <summary><c>CKF_USER_PIN_COUNT_LOW</c>: a wrong PIN was entered since the last good one.</summary>
    CountLow = 1,

    /// <summary><c>CKF_USER_PIN_FINAL_TRY</c>: one more wrong PIN locks it.</summary>
    FinalTry = 2,

    /// <summary><c>CKF_USER_PIN_LOCKED</c>: locked; it must be unblocked first.</summary>
    Locked = 3,
}
