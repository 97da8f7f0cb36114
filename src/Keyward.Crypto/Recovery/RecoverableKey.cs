namespace Keyward.Crypto.Recovery;

/// <summary>
/// One archived key to recover: the certificate it belongs to (its id and DER encoding) and its archive
/// envelope, which opens only for that certificate.
/// </summary>
/// <param name="CertificateId">The certificate's id, as the envelope was sealed for.</param>
/// <param name="CertificateDer">The certificate, DER-encoded; its SHA-256 is part of the envelope's binding.</param>
/// <param name="Envelope">The archive envelope (<see cref="KeyArchive.ArchiveEnvelope"/>).</param>
public sealed record RecoverableKey(string CertificateId, byte[] CertificateDer, byte[] Envelope);
