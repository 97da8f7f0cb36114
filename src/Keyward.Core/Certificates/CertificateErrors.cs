using Keyward.Common;

namespace Keyward.Certificates;

public static class CertificateErrors
{
    public static readonly Error InvalidPolicy = new("certificates.invalid_policy", ErrorKind.Validation, "Invalid certificate policy", "The certificate policy's settings are not valid.");

    public static readonly Error SigningKeyArchival = new("certificates.signing_key_archival", ErrorKind.Validation, "Signing keys are never archived", "Key archival is allowed only for encryption keys; a signing key must stay with its holder alone.");
}
