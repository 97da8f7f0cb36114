namespace Keyward.Crypto.Recovery;

/// <summary>A password the server drew (<see cref="PfxPackager.GeneratePassword"/>) and the entropy of that draw.</summary>
/// <param name="Value">The password. Never log it; <see cref="ToString"/> leaves it out.</param>
/// <param name="EntropyBits">
/// log2 of the number of passwords the draw chose among: the alphabet and the length actually used, less the
/// draws thrown away for missing a required character class.
/// </param>
public sealed record GeneratedPassword(string Value, double EntropyBits)
{
    /// <summary>The entropy from which no key derivation adds meaningfully to a password's strength.</summary>
    public const double FullEntropyBits = 128;

    /// <summary>
    /// At least <see cref="FullEntropyBits"/>: the only case in which a PFX may take the low iteration count
    /// (<see cref="PfxPackager.IterationsFor"/>). False when the policy's maximum length kept the password shorter.
    /// </summary>
    public bool HasFullEntropy => EntropyBits >= FullEntropyBits;

    /// <summary>Describes the password without showing it.</summary>
    public override string ToString() => $"GeneratedPassword {{ Length = {Value.Length}, EntropyBits = {EntropyBits:F1} }}";
}
