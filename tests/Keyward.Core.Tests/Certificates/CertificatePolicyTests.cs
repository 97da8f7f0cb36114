using Keyward.Certificates;

namespace Keyward.Tests.Certificates;

public class CertificatePolicyTests
{
    [Theory]
    [InlineData(KeyUsage.Signing)]
    [InlineData(KeyUsage.Signing | KeyUsage.Encryption)]
    [InlineData(KeyUsage.Signing | KeyUsage.Encryption | KeyUsage.Authentication)]
    [InlineData(KeyUsage.Authentication)]
    public void Create_ArchivingKeyThatSignsOrDoesNotEncrypt_SigningKeyArchival(KeyUsage usage)
    {
        var result = CertificatePolicy.Create("cp1", "Policy", KeyAlgorithm.Rsa2048, usage, 365, archiveKeys: true);

        Assert.Equal("certificates.signing_key_archival", result.Error?.Code);
    }

    [Theory]
    [InlineData(KeyUsage.Encryption)]
    [InlineData(KeyUsage.Encryption | KeyUsage.Authentication)]
    public void Create_ArchivingEncryptionKey_Ok(KeyUsage usage)
    {
        var policy = CertificatePolicy.Create("cp1", " Encryption ", KeyAlgorithm.Rsa3072, usage, 730, archiveKeys: true).Value;

        Assert.True(policy.ArchiveKeys);
        Assert.Equal(("cp1", "Encryption", KeyAlgorithm.Rsa3072, usage, 730), (policy.Id, policy.Name, policy.KeyAlgorithm, policy.KeyUsage, policy.ValidityDays));
    }

    [Theory]
    [InlineData(KeyUsage.Signing)]
    [InlineData(KeyUsage.Signing | KeyUsage.Encryption)]
    public void Create_SigningKeyWithoutArchival_Ok(KeyUsage usage)
    {
        var result = CertificatePolicy.Create("cp1", "Signing", KeyAlgorithm.EcdsaP256, usage, 365, archiveKeys: false);

        Assert.True(result.IsSuccess);
        Assert.False(result.Value.ArchiveKeys);
    }

    [Theory]
    [InlineData(KeyUsage.None)]
    [InlineData((KeyUsage)8)]
    [InlineData(KeyUsage.Encryption | (KeyUsage)16)]
    public void Create_NoneOrUnknownKeyUsage_InvalidPolicy(KeyUsage usage)
    {
        Assert.Equal("certificates.invalid_policy", CertificatePolicy.Create("cp1", "P", KeyAlgorithm.Rsa2048, usage, 365, false).Error?.Code);
    }

    [Theory]
    [InlineData(0, false)]
    [InlineData(1, true)]
    [InlineData(36500, true)]
    [InlineData(36501, false)]
    public void Create_ValidityDays_AcceptedWithinOneTo36500(int days, bool accepted)
    {
        var result = CertificatePolicy.Create("cp1", "P", KeyAlgorithm.Rsa2048, KeyUsage.Encryption, days, false);

        Assert.Equal(accepted ? null : "certificates.invalid_policy", result.Error?.Code);
    }

    [Fact]
    public void Create_UnknownAlgorithm_InvalidPolicy()
    {
        Assert.Equal("certificates.invalid_policy", CertificatePolicy.Create("cp1", "P", (KeyAlgorithm)4, KeyUsage.Encryption, 365, false).Error?.Code);
    }

    [Fact]
    public void Create_BlankName_InvalidPolicy()
    {
        Assert.Equal("certificates.invalid_policy", CertificatePolicy.Create("cp1", " ", KeyAlgorithm.Rsa2048, KeyUsage.Encryption, 365, false).Error?.Code);
    }
}
