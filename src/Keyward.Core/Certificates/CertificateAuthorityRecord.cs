namespace Keyward.Certificates;

/// <summary>
/// A CA certificate of the embedded CA, stored so that every server process of a deployment uses the same
/// one. Public data only; the CA key stays in the key protector under <see cref="KeyLabel"/>.
/// </summary>
public sealed class CertificateAuthorityRecord
{
    private CertificateAuthorityRecord()
    {
        Id = KeyLabel = Subject = string.Empty;
        RawData = [];
    }

    public CertificateAuthorityRecord(string id, string keyLabel, string subject, byte[] rawData, DateTime notAfter, DateTime createdAt)
    {
        Id = id;
        KeyLabel = keyLabel;
        Subject = subject;
        RawData = rawData;
        NotAfter = notAfter;
        CreatedAt = createdAt;
    }

    public string Id { get; private set; }

    /// <summary>The label of the CA key in the protector. Unique.</summary>
    public string KeyLabel { get; private set; }

    public string Subject { get; private set; }

    /// <summary>The DER certificate.</summary>
    public byte[] RawData { get; private set; }

    /// <summary>UTC.</summary>
    public DateTime NotAfter { get; private set; }

    /// <summary>UTC.</summary>
    public DateTime CreatedAt { get; private set; }
}
