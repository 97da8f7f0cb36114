namespace Keyward.Cards;

/// <summary>One key on the card after <see cref="Card.Write(OpenedTransport, IReadOnlyList{KeyToWrite}, IProgress{WrittenKey}?)"/>.</summary>
/// <param name="Id">The <c>CKA_ID</c> (lowercase hex) the key and certificate share.</param>
/// <param name="Label">The label written (an object already present keeps its own).</param>
/// <param name="CertificateDer">The certificate, DER.</param>
/// <param name="Outcome">What was written.</param>
public sealed record WrittenKey(string Id, string Label, byte[] CertificateDer, WriteOutcome Outcome);
