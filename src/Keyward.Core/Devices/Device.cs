namespace Keyward.Devices;

/// <summary>Kind of device. Stored by number: never renumber.</summary>
public enum DeviceType
{
    /// <summary>A smart card or other PKCS#11 token, identified by its serial number.</summary>
    SmartCard = 1,

    /// <summary>A package of soft certificates (a PFX or a system-store installation).</summary>
    SoftCertificatePackage = 2,
}

/// <summary>Status of a device. Stored by number: never renumber.</summary>
public enum DeviceStatus
{
    /// <summary>Issued and in use.</summary>
    Active = 1,

    /// <summary>Temporarily unusable (e.g. PIN locked, on hold).</summary>
    Disabled = 2,

    /// <summary>Reported lost.</summary>
    Lost = 3,

    /// <summary>Reported broken.</summary>
    Damaged = 4,

    /// <summary>Withdrawn for good.</summary>
    Cancelled = 5,
}

/// <summary>A smart card / token or a soft-certificate package held by a person.</summary>
public sealed class Device
{
    private Device()
    {
        Id = SerialNumber = OwnerId = CredentialProfileId = string.Empty;
    }

    public Device(string id, DeviceType type, string serialNumber, string ownerId, string credentialProfileId, DateTime issuedAt)
    {
        Id = id;
        Type = type;
        SerialNumber = serialNumber;
        OwnerId = ownerId;
        CredentialProfileId = credentialProfileId;
        IssuedAt = issuedAt;
        Status = DeviceStatus.Active;
        ConcurrencyStamp = Guid.NewGuid();
    }

    public string Id { get; private set; }

    public DeviceType Type { get; private set; }

    /// <summary>The token's serial number (unique per type), or a generated id for soft packages.</summary>
    public string SerialNumber { get; private set; }

    public DeviceStatus Status { get; private set; }

    public string OwnerId { get; private set; }

    public string CredentialProfileId { get; private set; }

    /// <summary>UTC.</summary>
    public DateTime IssuedAt { get; private set; }

    /// <summary>Changes on every state change; a stale writer gets a conflict.</summary>
    public Guid ConcurrencyStamp { get; private set; }

    public void ChangeStatus(DeviceStatus status)
    {
        Status = status;
        ConcurrencyStamp = Guid.NewGuid();
    }
}
