namespace Keyward.Scopes;

/// <summary>
/// The permissions that roles grant (docs/scopes.md#operations). Numbers are stored in the database: never renumber.
/// </summary>
public enum Operation
{
    /// <summary>See a person's record within scope.</summary>
    ViewPerson = 1,

    /// <summary>See certificates within scope.</summary>
    ViewCertificate = 2,

    /// <summary>See devices within scope.</summary>
    ViewDevice = 3,

    /// <summary>See one request within scope.</summary>
    ViewRequest = 4,

    /// <summary>List and search requests within scope.</summary>
    SearchRequests = 5,

    /// <summary>Request recovery to a new smart card or to soft certificates.</summary>
    RecoverCertificatesToNewDevice = 10,

    /// <summary>Request recovery onto an issued device (device update request).</summary>
    RecoverCertificates = 11,

    /// <summary>Approve or reject requests awaiting validation.</summary>
    ValidateRequest = 12,

    /// <summary>Cancel an outstanding request.</summary>
    CancelRequest = 13,

    /// <summary>Collect a smart-card request for someone else.</summary>
    CollectCard = 20,

    /// <summary>Collect a soft-certificate request for someone else.</summary>
    CollectSoftCertificate = 21,

    /// <summary>Collect a device update for someone else.</summary>
    CollectUpdates = 22,

    /// <summary>Collect one's own smart-card request.</summary>
    CollectMyCard = 30,

    /// <summary>Collect one's own soft-certificate request.</summary>
    CollectMySoftCertificate = 31,

    /// <summary>Collect one's own device update.</summary>
    CollectMyUpdates = 32,

    /// <summary>Request recovery of one's own certificates (needs the system option Allow self requests).</summary>
    RequestMyRecovery = 33,

    /// <summary>Issue certificates, with key archival where the policy says so; import existing keys.</summary>
    IssueCertificate = 40,

    /// <summary>Create, import, change and disable people.</summary>
    ManagePeople = 50,

    /// <summary>Define roles and assign them with scopes.</summary>
    ManageRoles = 51,

    /// <summary>Define credential profiles and certificate policies.</summary>
    ManageProfiles = 52,

    /// <summary>Change system settings.</summary>
    ManageSettings = 53,

    /// <summary>Register API clients for people in scope and rotate their secrets.</summary>
    ManageClients = 54,

    /// <summary>Read and verify the audit trail.</summary>
    ViewAudit = 60,
}

/// <summary>Facts about operations that the authorization engine relies on.</summary>
public static class Operations
{
    /// <summary>Every operation, in declaration order.</summary>
    public static IReadOnlyList<Operation> All { get; } = Enum.GetValues<Operation>();

    /// <summary>
    /// "My" operations always target the caller and need no scope: an assignment that grants them is
    /// enough, and their target must be the caller.
    /// </summary>
    public static bool IsSelfService(this Operation operation) => operation is
        Operation.CollectMyCard or Operation.CollectMySoftCertificate or Operation.CollectMyUpdates or Operation.RequestMyRecovery;

    /// <summary>Read-only operations: they may target a disabled person (an administrator must see who is disabled).</summary>
    public static bool IsReadOnly(this Operation operation) => operation is
        Operation.ViewPerson or Operation.ViewCertificate or Operation.ViewDevice or Operation.ViewRequest
        or Operation.SearchRequests or Operation.ViewAudit;
}
