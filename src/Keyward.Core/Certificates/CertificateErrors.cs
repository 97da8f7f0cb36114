using Keyward.Common;

namespace Keyward.Certificates;

public static class CertificateErrors
{
    public static readonly Error InvalidPolicy = new("certificates.invalid_policy", ErrorKind.Validation, "Invalid certificate policy", "The certificate policy's settings are not valid.");

    public static readonly Error NotFound = new("certificates.not_found", ErrorKind.NotFound, "Certificate not found", "No certificate with that id is visible to you.");

    public static readonly Error PolicyNotFound = new("certificates.policy_not_found", ErrorKind.Validation, "Certificate policy not found", "No certificate policy with that id or name exists.");

    public static readonly Error CsrRequired = new("certificates.csr_required", ErrorKind.Validation, "Certificate signing request required", "This policy does not archive keys: the holder makes the key and sends a PKCS#10 request, so the key never leaves them.");

    public static readonly Error CsrNotAccepted = new("certificates.csr_not_accepted", ErrorKind.Validation, "Server-generated key", "This policy archives keys, so Keyward makes the key pair itself; do not send a request.");

    public static readonly Error InvalidCsr = new("certificates.invalid_csr", ErrorKind.Validation, "Invalid certificate signing request", "The certificate signing request is malformed, badly signed, or its key does not match the policy.");

    public static readonly Error AlreadyRevoked = new("certificates.already_revoked", ErrorKind.Conflict, "Already revoked", "The certificate is already revoked.");

    public static readonly Error ImportUnreadable = new("certificates.import_unreadable", ErrorKind.Validation, "PFX cannot be opened", "The file cannot be opened with that password, or it is not a PFX (PKCS#12) file.");

    public static readonly Error ImportNoPrivateKey = new("certificates.import_no_private_key", ErrorKind.Validation, "No private key", "No certificate in the file comes with its private key.");

    public static readonly Error ImportKeyMismatch = new("certificates.import_key_mismatch", ErrorKind.Validation, "Key does not match", "The private key in the file does not belong to its certificate.");

    public static readonly Error ImportSigningOnly = new("certificates.import_signing_only", ErrorKind.Validation, "Signing-only certificate", "The certificate's key usage allows signing only; signing keys are never archived.");

    public static readonly Error ImportUnsupportedKey = new("certificates.import_unsupported_key", ErrorKind.Validation, "Unsupported key", "The key is not RSA 2048/3072/4096 or EC P-256/P-384.");

    // Says no more than the refusal itself unless the caller may see the recorded certificate (CertificateService).
    public static readonly Error ImportDuplicate = new("certificates.import_duplicate", ErrorKind.Conflict, "Already in the archive", "This certificate is already recorded in Keyward.");

    public static readonly Error InvalidEmail = new("certificates.invalid_email", ErrorKind.Conflict, "E-mail address not usable", "The person's e-mail address cannot go into a certificate; correct the person's address and issue again.");

    public static readonly Error Forbidden = new("certificates.forbidden", ErrorKind.Forbidden, "Not allowed", "None of your roles allows issuing certificates for this person.");

    public static readonly Error SigningKeyArchival = new("certificates.signing_key_archival", ErrorKind.Validation, "Signing keys are never archived", "Key archival is allowed only for encryption keys; a signing key must stay with its holder alone.");

    public static readonly Error PolicyNameTaken = new("certificates.policy_name_taken", ErrorKind.Conflict, "Name taken", "Another certificate policy has that name.");

    public static readonly Error NoSuchPolicy = new("certificates.no_such_policy", ErrorKind.NotFound, "Certificate policy not found", "No certificate policy with that id exists.");
}
