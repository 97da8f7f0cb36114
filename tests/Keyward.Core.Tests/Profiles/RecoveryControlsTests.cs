using Keyward.Certificates;
using Keyward.Profiles;
using Keyward.Scopes;

namespace Keyward.Tests.Profiles;

/// <summary>Which profile and policy changes weaken recovery controls, and so wait for other administrators.</summary>
public sealed class RecoveryControlsTests
{
    private static readonly CredentialProfileSettings Before = new()
    {
        Name = "Recovery",
        CardEncoding = CardEncoding.SoftwareCertificates,
        KeyRecoveryOnly = true,
        ValidateIssuance = true,
        ApprovalsRequired = 2,
        CanRequest = ["operator"],
        CanValidate = ["validator"],
        CanCollect = ["operator"],
        CanReceive = ["holder"],
        MaxReleases = 2,
    };

    public static TheoryData<string, string> Weakening => new()
    {
        { "approvals", "approvals required lowered from 2 to 1" },
        { "validate", "validate issuance turned off" },
        { "releases", "releases per approval raised from 2 to 3" },
        { "request", "Can request gains Operator2" },
        { "validators", "Can validate gains Operator2" },
        { "collect", "Can collect gains Operator2" },
        { "receive", "Can receive gains Operator2" },
    };

    [Theory]
    [MemberData(nameof(Weakening))]
    public void Weakenings_EachLoosenedControl_IsNamed(string change, string clause)
    {
        var after = change switch
        {
            "approvals" => Before with { ApprovalsRequired = 1 },
            "validate" => Before with { KeyRecoveryOnly = false, ValidateIssuance = false },
            "releases" => Before with { MaxReleases = 3 },
            "request" => Before with { CanRequest = ["operator", "operator2"] },
            "validators" => Before with { CanValidate = ["validator", "operator2"] },
            "collect" => Before with { CanCollect = ["operator", "operator2"] },
            _ => Before with { CanReceive = ["holder", "operator2"] },
        };

        Assert.Equal([clause], RecoveryControls.Weakenings(Before, after, id => char.ToUpperInvariant(id[0]) + id[1..]));
    }

    [Fact]
    public void Weakenings_StricterOrNeutralChanges_AreNone()
    {
        var after = Before with
        {
            Name = "Renamed",
            ApprovalsRequired = 3,
            MaxReleases = 1,
            CanValidate = [],
            CanCollect = ["operator"],
            RequestExpiryDays = 7,
        };

        Assert.Empty(RecoveryControls.Weakenings(Before, after, id => id));
    }

    [Fact]
    public void Weakenings_PolicyArchivalOffOnly()
    {
        var archived = new CertificatePolicySettings("Encryption", KeyAlgorithm.Rsa2048, KeyUsage.Encryption, 365, true);
        Assert.Equal(["key archival turned off"], RecoveryControls.Weakenings(archived, archived with { ArchiveKeys = false }));
        Assert.Empty(RecoveryControls.Weakenings(archived, archived with { ValidityDays = 30, KeyAlgorithm = KeyAlgorithm.Rsa4096 }));
        Assert.Empty(RecoveryControls.Weakenings(archived with { ArchiveKeys = false }, archived));
    }
}
