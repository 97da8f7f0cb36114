using Net.Pkcs11Interop.HighLevelAPI;

namespace Keyward.Cards;

/// <summary>One token present in a slot of a PKCS#11 module: what a person needs to recognise and choose it.</summary>
/// <param name="Serial">The token's serial number, trimmed (PKCS#11 pads it with spaces); may be empty on a blank token.</param>
/// <param name="Label">The token's label, trimmed; empty on a blank (uninitialised) token.</param>
/// <param name="Manufacturer">The token's manufacturer id, trimmed.</param>
/// <param name="Model">The token's model, trimmed.</param>
/// <param name="Initialized"><c>CKF_TOKEN_INITIALIZED</c>: false on a blank token, which <see cref="Card.Initialize"/> sets up.</param>
/// <param name="UserPinInitialized"><c>CKF_USER_PIN_INITIALIZED</c>: false until the SO has set a user PIN.</param>
/// <param name="WriteProtected"><c>CKF_WRITE_PROTECTED</c>: nothing can be written.</param>
/// <param name="UserPin">The user PIN's warning flags.</param>
/// <param name="FreePublicMemory">Free memory for public objects in bytes, or null where the token does not say.</param>
/// <param name="FreePrivateMemory">Free memory for private objects in bytes, or null where the token does not say.</param>
public sealed record TokenDescription(
    string Serial,
    string Label,
    string Manufacturer,
    string Model,
    bool Initialized,
    bool UserPinInitialized,
    bool WriteProtected,
    UserPinState UserPin,
    ulong? FreePublicMemory,
    ulong? FreePrivateMemory)
{
    /// <summary>
    /// Whether the token is a PIV card seen through a PIV PKCS#11 module: Yubico's ykcs11 (manufacturer "Yubico…")
    /// or OpenSC's PIV emulation (manufacturer "piv_II"). Keys are written into its retired key-management slots
    /// (see <see cref="KeySlots"/>).
    /// </summary>
    public bool IsPiv =>
        Manufacturer.StartsWith("Yubico", StringComparison.OrdinalIgnoreCase)
        || Manufacturer.Equals("piv_II", StringComparison.OrdinalIgnoreCase);

    /// <summary>"label (serial S)", or "a blank token (serial S)": how messages name a token.</summary>
    public override string ToString() =>
        (Label.Length == 0 ? "a blank token" : $"'{Label}'") + (Serial.Length == 0 ? string.Empty : $" (serial {Serial})");

    internal static TokenDescription From(ITokenInfo info)
    {
        var flags = info.TokenFlags;
        var pin = flags.UserPinLocked ? UserPinState.Locked
            : flags.UserPinFinalTry ? UserPinState.FinalTry
            : flags.UserPinCountLow ? UserPinState.CountLow
            : UserPinState.Ok;
        return new TokenDescription(
            info.SerialNumber?.Trim() ?? string.Empty,
            info.Label?.Trim() ?? string.Empty,
            info.ManufacturerId?.Trim() ?? string.Empty,
            info.Model?.Trim() ?? string.Empty,
            flags.TokenInitialized,
            flags.UserPinInitialized,
            flags.WriteProtected,
            pin,
            Memory(info.FreePublicMemory),
            Memory(info.FreePrivateMemory));
    }

    // CK_UNAVAILABLE_INFORMATION is ~0 in a CK_ULONG, 32 or 64 bits wide depending on the platform.
    private static ulong? Memory(ulong value) => value is ulong.MaxValue or uint.MaxValue ? null : value;
}
