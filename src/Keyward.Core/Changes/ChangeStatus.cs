namespace Keyward.Changes;

/// <summary>Where a change request stands (docs/operations.md#administration). Stored by number: never renumber.</summary>
public enum ChangeStatus
{
    /// <summary>Waiting for approvals by administrators other than the requester.</summary>
    Pending = 1,

    /// <summary>Approved by enough administrators and applied, in the same transaction as the last approval.</summary>
    Applied = 2,

    /// <summary>Rejected by an administrator (or withdrawn by its requester); nothing was applied.</summary>
    Rejected = 3,
}

/// <summary>What a change request changes. Stored by number: never renumber.</summary>
public enum ChangeKind
{
    /// <summary>New settings for a credential profile (<c>PUT /api/credentialProfiles/{id}</c>).</summary>
    CredentialProfile = 1,

    /// <summary>New settings for a certificate policy (<c>PUT /api/certificatePolicies/{id}</c>).</summary>
    CertificatePolicy = 2,
}
