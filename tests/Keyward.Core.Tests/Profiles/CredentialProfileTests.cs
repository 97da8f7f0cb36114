using Keyward.Profiles;

namespace Keyward.Tests.Profiles;

public class CredentialProfileTests
{
    private static CredentialProfileSettings Soft => new() { Name = "Key Recovery - Soft Certificate", CardEncoding = CardEncoding.SoftwareCertificates };

    private static CredentialProfileSettings Card => new() { Name = "Key Recovery - Smart Card", CardEncoding = CardEncoding.SmartCard };

    [Fact]
    public void Create_KeyRecoveryOnlyWithoutValidateIssuance_ForcesValidateIssuance()
    {
        var profile = CredentialProfile.Create("p1", Soft with { KeyRecoveryOnly = true, ValidateIssuance = false }).Value;

        Assert.True(profile.KeyRecoveryOnly);
        Assert.True(profile.ValidateIssuance);
    }

    [Fact]
    public void Create_NeitherKeyRecoveryOnlyNorValidateIssuance_LeavesValidationOff()
    {
        var profile = CredentialProfile.Create("p1", Soft).Value;

        Assert.False(profile.ValidateIssuance);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-1)]
    [InlineData(CredentialProfile.MaxApprovals + 1)]
    public void Create_ApprovalsRequiredOutOfRange_Invalid(int approvals)
    {
        var result = CredentialProfile.Create("p1", Soft with { ApprovalsRequired = approvals });

        Assert.Equal("profiles.invalid", result.Error?.Code);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(CredentialProfile.MaxApprovals)]
    public void Create_ApprovalsRequiredInRange_Kept(int approvals)
    {
        Assert.Equal(approvals, CredentialProfile.Create("p1", Soft with { ApprovalsRequired = approvals }).Value.ApprovalsRequired);
    }

    [Theory]
    [InlineData(SoftCertificateLocation.FileStore)]
    [InlineData(SoftCertificateLocation.SystemStore)]
    public void Create_SmartCardWithSoftCertificateLocation_Invalid(SoftCertificateLocation location)
    {
        var result = CredentialProfile.Create("p1", Card with { SoftCertificateLocation = location });

        Assert.Equal("profiles.invalid", result.Error?.Code);
    }

    [Fact]
    public void Create_SmartCardWithoutLocation_HasNoLocation()
    {
        Assert.Null(CredentialProfile.Create("p1", Card).Value.SoftCertificateLocation);
    }

    [Fact]
    public void Create_SoftProfileWithoutLocation_DefaultsToFileStore()
    {
        Assert.Equal(SoftCertificateLocation.FileStore, CredentialProfile.Create("p1", Soft).Value.SoftCertificateLocation);
    }

    [Fact]
    public void Create_SoftProfileWithSystemStore_KeepsSystemStore()
    {
        var profile = CredentialProfile.Create("p1", Soft with { SoftCertificateLocation = SoftCertificateLocation.SystemStore }).Value;

        Assert.Equal(SoftCertificateLocation.SystemStore, profile.SoftCertificateLocation);
    }

    [Theory]
    [InlineData(-1, false)]
    [InlineData(0, true)]
    [InlineData(30, true)]
    [InlineData(3650, true)]
    [InlineData(3651, false)]
    public void Create_RequestExpiryDays_AcceptedWithinZeroTo3650(int days, bool accepted)
    {
        var result = CredentialProfile.Create("p1", Soft with { RequestExpiryDays = days });

        Assert.Equal(accepted, result.IsSuccess);
        Assert.Equal(accepted ? null : "profiles.invalid", result.Error?.Code);
    }

    [Theory]
    [InlineData("")]
    [InlineData("   ")]
    public void Create_BlankName_Invalid(string name)
    {
        Assert.Equal("profiles.invalid", CredentialProfile.Create("p1", Soft with { Name = name }).Error?.Code);
    }

    [Fact]
    public void Create_UnknownCardEncoding_Invalid()
    {
        Assert.Equal("profiles.invalid", CredentialProfile.Create("p1", Soft with { CardEncoding = (CardEncoding)99 }).Error?.Code);
    }

    [Fact]
    public void Create_UnknownPfxProtection_Invalid()
    {
        Assert.Equal("profiles.invalid", CredentialProfile.Create("p1", Soft with { PfxProtection = (PfxProtection)99 }).Error?.Code);
    }

    [Fact]
    public void Create_InconsistentPinPolicy_Invalid()
    {
        var pin = SecretPolicy.DefaultPin with { RequireUpper = true };

        Assert.Equal("profiles.invalid", CredentialProfile.Create("p1", Soft with { PinPolicy = pin }).Error?.Code);
    }

    [Fact]
    public void Create_DuplicateRoleIdsInLists_StoredOnce()
    {
        var profile = CredentialProfile.Create("p1", Soft with { CanRequest = ["a", "a", "b"], CanReceive = ["c", "c"] }).Value;

        Assert.Equal(["a", "b"], profile.CanRequest);
        Assert.Equal(["c"], profile.CanReceive);
    }

    [Fact]
    public void Update_InvalidSettings_ChangesNothing()
    {
        var profile = CredentialProfile.Create("p1", Soft with { ApprovalsRequired = 2, CanRequest = ["a"] }).Value;

        var result = profile.Update(Soft with { Name = "Renamed", ApprovalsRequired = 0, CanRequest = ["b"] });

        Assert.Equal("profiles.invalid", result.Error?.Code);
        Assert.Equal(("Key Recovery - Soft Certificate", 2), (profile.Name, profile.ApprovalsRequired));
        Assert.Equal(["a"], profile.CanRequest);
    }
}
