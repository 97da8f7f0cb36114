namespace Keyward.Certificates;

/// <summary>Status of a certificate. Stored by number: never renumber.</summary>
public enum CertificateStatus
{
    /// <summary>Issued and within its validity.</summary>
    Issued = 1,

    /// <summary>Revoked by the CA. An archived encryption key stays recoverable.</summary>
    Revoked = 2,

    /// <summary>Past its notAfter. An archived encryption key stays recoverable.</summary>
    Expired = 3,

    /// <summary>On hold; may return to Issued.</summary>
    Suspended = 4,
}

/// <summary>RFC 5280 CRL reason codes Keyward records. Numbers are the RFC's: never renumber.</summary>
public enum RevocationReason
{
    /// <summary>No reason given.</summary>
    Unspecified = 0,

    /// <summary>The private key is known or suspected to be compromised.</summary>
    KeyCompromise = 1,

    /// <summary>The holder's details changed (e.g. name, e-mail).</summary>
    AffiliationChanged = 3,

    /// <summary>A newer certificate replaces this one.</summary>
    Superseded = 4,

    /// <summary>The certificate is no longer needed (e.g. the holder left).</summary>
    CessationOfOperation = 5,
}

/// <summary>
/// An X.509 certificate held by a person. Expired and revoked encryption certificates remain recoverable:
/// that is the point of key recovery.
/// </summary>
public sealed class Certificate
{
    private Certificate()
    {
        Id = SerialNumber = Issuer = Subject = OwnerId = PolicyId = Thumbprint = string.Empty;
        RawData = [];
    }

    public Certificate(string id, string ownerId, string policyId, string serialNumber, string issuer, string subject, string thumbprint, DateTime notBefore, DateTime notAfter, byte[] rawData)
    {
        Id = id;
        OwnerId = ownerId;
        PolicyId = policyId;
        SerialNumber = serialNumber;
        Issuer = issuer;
        Subject = subject;
        Thumbprint = thumbprint;
        NotBefore = notBefore;
        NotAfter = notAfter;
        RawData = rawData;
        Status = CertificateStatus.Issued;
    }

    public string Id { get; private set; }

    /// <summary>Hexadecimal, as the CA wrote it.</summary>
    public string SerialNumber { get; private set; }

    public string Issuer { get; private set; }

    public string Subject { get; private set; }

    /// <summary>SHA-256 of the DER encoding, hexadecimal.</summary>
    public string Thumbprint { get; private set; }

    public string OwnerId { get; private set; }

    public string PolicyId { get; private set; }

    public CertificateStatus Status { get; private set; }

    /// <summary>UTC.</summary>
    public DateTime NotBefore { get; private set; }

    /// <summary>UTC.</summary>
    public DateTime NotAfter { get; private set; }

    /// <summary>The device the certificate lives on, if any.</summary>
    public string? DeviceId { get; private set; }

    /// <summary>The archive entry that holds the private key, when the key is archived.</summary>
    public string? ArchivedKeyId { get; private set; }

    /// <summary>Imported from another CA rather than issued by Keyward's.</summary>
    public bool IsExternal { get; private set; }

    /// <summary>The DER encoding (public data).</summary>
    public byte[] RawData { get; private set; }

    /// <summary>UTC; set when <see cref="Status"/> is Revoked.</summary>
    public DateTime? RevokedAt { get; private set; }

    public RevocationReason? RevocationReason { get; private set; }

    public bool Archived => ArchivedKeyId is not null;

    /// <summary>The status a person should see at <paramref name="now"/>: an issued certificate past its notAfter is Expired.</summary>
    public CertificateStatus StatusAt(DateTime now) => StatusAt(Status, NotAfter, now);

    /// <summary>The status a person should see at <paramref name="now"/> of a certificate stored with <paramref name="status"/> that ends at <paramref name="notAfter"/>.</summary>
    public static CertificateStatus StatusAt(CertificateStatus status, DateTime notAfter, DateTime now) =>
        status == CertificateStatus.Issued && now > notAfter ? CertificateStatus.Expired : status;

    public void PlaceOn(string? deviceId) => DeviceId = deviceId;

    public void AttachArchivedKey(string archivedKeyId) => ArchivedKeyId = archivedKeyId;

    public void MarkExternal() => IsExternal = true;

    /// <summary>Revokes the certificate; an archived key stays recoverable.</summary>
    public Common.Result Revoke(RevocationReason reason, DateTime at)
    {
        if (Status == CertificateStatus.Revoked)
        {
            return CertificateErrors.AlreadyRevoked;
        }

        Status = CertificateStatus.Revoked;
        RevocationReason = reason;
        RevokedAt = at;
        return Common.Result.Ok();
    }

    public void Expire() => Status = CertificateStatus.Expired;
}
