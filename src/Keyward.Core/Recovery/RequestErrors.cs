using Keyward.Common;

namespace Keyward.Recovery;

/// <summary>
/// Every refusal of the key recovery workflow (docs/recovery.md), one stable code per rule so that a client can tell
/// the rules apart. Each code is documented in <c>docs/errors.md</c>.
/// </summary>
public static class RequestErrors
{
    // Finding the request.
    public static readonly Error NotFound = new("recovery.not_found", ErrorKind.NotFound, "Request not found", "No recovery request with that id is visible to you.");

    public static readonly Error DeviceNotFound = new("recovery.device_not_found", ErrorKind.NotFound, "Device not found", "No device with that id is visible to you.");

    public static readonly Error CollectionNotFound = new("recovery.collection_not_found", ErrorKind.NotFound, "Collection not found", "The request has no collection in progress with that id, or another person holds it.");

    // Requesting, validating and collecting: operation, scope and the profile's role lists.
    public static readonly Error Forbidden = new("recovery.forbidden", ErrorKind.Forbidden, "Not allowed", "None of your roles grants this step on this person.");

    public static readonly Error CannotRequest = new("recovery.cannot_request", ErrorKind.Forbidden, "Not on the profile's Can request list", "None of your roles that may request recovery for this person is on the credential profile's Can request list.");

    public static readonly Error CannotReceive = new("recovery.cannot_receive", ErrorKind.Forbidden, "Not on the profile's Can receive list", "The person holds no role on the credential profile's Can receive list.");

    public static readonly Error CannotValidate = new("recovery.cannot_validate", ErrorKind.Forbidden, "Not on the profile's Can validate list", "None of your roles that may validate this request is on the credential profile's Can validate list.");

    public static readonly Error CannotCollect = new("recovery.cannot_collect", ErrorKind.Forbidden, "Not on the profile's Can collect list", "None of your roles that may collect this request is on the credential profile's Can collect list.");

    public static readonly Error TargetDisabled = new("recovery.target_disabled", ErrorKind.Forbidden, "The person is disabled", "A disabled person receives nothing.");

    // Requesting: self-service (docs/recovery.md#requesting, check 2).
    public static readonly Error OwnDevice = new("recovery.own_device", ErrorKind.Forbidden, "Your own device", "An operator cannot request an update of a device of their own; use self-service.");

    public static readonly Error SelfRequestsDisabled = new("recovery.self_requests_disabled", ErrorKind.Forbidden, "Self requests are off", "Self-service recovery requests need the system option Allow self requests.");

    // Requesting: the certificates (docs/recovery.md#requesting, check 6).
    public static readonly Error NoCertificates = new("recovery.no_certificates", ErrorKind.Validation, "No certificates", "Name at least one certificate to recover.");

    public static readonly Error TooManyCertificates = new("recovery.too_many_certificates", ErrorKind.Validation, "Too many certificates", "A request recovers at most 50 certificates.");

    public static readonly Error DuplicateCertificate = new("recovery.duplicate_certificate", ErrorKind.Validation, "Duplicate certificate", "The same certificate is named twice.");

    // A certificate that does not exist and one that belongs to someone else get this one answer: the request must
    // not tell which certificate ids exist.
    public static readonly Error UnknownCertificate = new("recovery.unknown_certificate", ErrorKind.Validation, "Unknown certificate", "A certificate in the request is not one of the certificates of the person whose keys are recovered.");

    public static readonly Error NotArchived = new("recovery.not_archived", ErrorKind.Validation, "Key not archived", "A certificate in the request has no archived key: only archived encryption keys can be recovered.");

    public static readonly Error AlreadyRequested = new("recovery.already_requested", ErrorKind.Conflict, "Already requested", "An outstanding request already recovers one of these certificates for this person; collect or cancel it first.");

    // The profile and the device.
    public static readonly Error ProfileNotFound = new("recovery.profile_not_found", ErrorKind.Validation, "Credential profile not found", "No credential profile with that id exists.");

    public static readonly Error ProfileNotForRecovery = new("recovery.profile_not_for_recovery", ErrorKind.Validation, "Not a key recovery profile", "Recovery requests use a credential profile marked Key recovery only, so that approval can never be bypassed.");

    public static readonly Error ProfileMismatch = new("recovery.profile_mismatch", ErrorKind.Validation, "Wrong kind of profile", "The credential profile's card encoding does not fit this kind of request.");

    public static readonly Error DeviceNotUpdatable = new("recovery.device_not_updatable", ErrorKind.Conflict, "Device cannot be updated", "Only an active smart card can receive a device update.");

    // Validating (docs/recovery.md#validating).
    public static readonly Error RequesterCannotValidate = new("recovery.requester_cannot_validate", ErrorKind.Forbidden, "Dual control: you requested it", "The person who requested a recovery cannot validate it; another validator must.");

    public static readonly Error RecipientCannotValidate = new("recovery.recipient_cannot_validate", ErrorKind.Forbidden, "Dual control: you receive it", "The person whose keys are recovered cannot validate the request; another validator must.");

    public static readonly Error NotesTooLong = new("recovery.notes_too_long", ErrorKind.Validation, "Notes too long", "Notes and reasons are at most 2000 characters.");

    public static readonly Error AlreadyApproved = new("recovery.already_approved", ErrorKind.Conflict, "Already approved", "You have already approved this request; another approver is needed.");

    public static readonly Error WrongState = new("recovery.wrong_state", ErrorKind.Conflict, "Request is not in the right state", "The request's status does not allow this step.");

    // Collecting (docs/recovery.md#collecting).
    public static readonly Error NotCollectable = new("recovery.not_collectable", ErrorKind.Conflict, "Request cannot be collected", "Only a request awaiting issue can be collected.");

    public static readonly Error WrongCollectionMethod = new("recovery.wrong_collection_method", ErrorKind.Validation, "Collected another way", "This request is collected another way.");

    public static readonly Error SystemStoreOwnerOnly = new("recovery.system_store_owner_only", ErrorKind.Forbidden, "Only the owner collects to a system store", "A System Store request is collected by its owner on their own machine: collected by an operator, the keys would land in the operator's store.");

    public static readonly Error PasswordPolicy = new("recovery.password_policy", ErrorKind.Validation, "Password does not meet the policy", "The PFX password does not meet the credential profile's password policy.");

    public static readonly Error ReleaseLimit = new("recovery.release_limit", ErrorKind.Conflict, "Release limit reached", "The keys of this request were released as often as one approval allows; it needs a new approval.");

    public static readonly Error TransportKeyInvalid = new("recovery.transport_key_invalid", ErrorKind.Validation, "Transport key not usable", "Send the collecting client's one-time RSA public key: a DER SubjectPublicKeyInfo (base64) of 2048 to 8192 bits with a public exponent of at least 65537.");

    public static readonly Error DeviceMismatch = new("recovery.device_mismatch", ErrorKind.Validation, "Wrong device", "The token presented is not the device this request updates.");

    public static readonly Error RemovalNotAllowed = new("recovery.removal_not_allowed", ErrorKind.Validation, "Removal not allowed", "A collection reports removing only certificates the request removes from the card.");

    public static readonly Error SerialNumberRequired = new("recovery.serial_number_required", ErrorKind.Validation, "Serial number required", "Report the serial number of the token the keys were written to.");

    public static readonly Error CollectionFailed = new("recovery.collection_failed", ErrorKind.Internal, "Collection failed", "The collection failed inside Keyward and no answer carrying keys was sent; the failure is on record and the request can be collected again.");

    public static readonly Error KeyUnavailable = new("recovery.key_unavailable", ErrorKind.Internal, "Archived key unavailable", "An archived key could not be opened; the request is collectable again and the failure is on record. Tell your Keyward administrator.");
}
