namespace Keyward.Tokens.Protection;

/// <summary>Where the HSM is and how to log in to it. A class, not a record, so the PIN never shows in a <c>ToString</c>.</summary>
public sealed class Pkcs11KeyProtectorOptions
{
    /// <summary>The default <see cref="KeyLabelPrefix"/>.</summary>
    public const string DefaultKeyLabelPrefix = "keyward";

    /// <summary>The vendor's PKCS#11 library, e.g. <c>/usr/lib/softhsm/libsofthsm2.so</c>.</summary>
    public required string ModulePath { get; init; }

    /// <summary>The token's label (<c>CKA_LABEL</c> of its token info). Slot ids are not stable, labels are.</summary>
    public required string TokenLabel { get; init; }

    /// <summary>The user PIN. Never logged and never put in an exception message.</summary>
    public required string UserPin { get; init; }

    /// <summary>
    /// The start of every object label Keyward creates on the token (<c>{prefix}-storage-{id}</c>,
    /// <c>{prefix}-active-storage-key</c>, <c>{prefix}-ca-{label}</c>), so that several deployments can share one
    /// token. Letters, digits, '.', '_' and '-' only.
    /// </summary>
    public string KeyLabelPrefix { get; init; } = DefaultKeyLabelPrefix;

    /// <summary>The clock that paces re-reading the active-key marker (at most once a second).</summary>
    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;

    public override string ToString() => $"PKCS#11 token '{TokenLabel}' through {ModulePath}, key labels '{KeyLabelPrefix}-*'";
}
