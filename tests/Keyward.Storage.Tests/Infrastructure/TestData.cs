using Keyward.Certificates;
using Keyward.Common;
using Keyward.Devices;
using Keyward.People;
using Keyward.Profiles;
using Keyward.Recovery;
using Keyward.Scopes;

namespace Keyward.Storage.Tests.Infrastructure;

/// <summary>Valid records for storage tests; every call makes new ids, so tests never share rows.</summary>
public static class TestData
{
    /// <summary>
    /// A fixed instant with a fractional second, truncated to microseconds: PostgreSQL keeps microseconds,
    /// so this is the finest instant both providers give back unchanged.
    /// </summary>
    public static readonly DateTime Instant = new DateTime(2026, 3, 14, 9, 26, 53, DateTimeKind.Utc).AddTicks(5_358_970);

    public static Group Group(string name, Group? parent = null) => new(Ids.New(), name, parent);

    public static Person Person(string logonName, Group group, string? name = null, bool enabled = true) =>
        new(Ids.New(), logonName, name ?? logonName, $"{logonName}@acme.example", group.Id, enabled);

    public static Role Role(string name, params Operation[] operations) => new(Ids.New(), name, $"The {name} role.", operations);

    public static CredentialProfile Profile(string name, params Role[] validators) =>
        CredentialProfile.Create(Ids.New(), new CredentialProfileSettings
        {
            Name = name,
            CardEncoding = CardEncoding.SmartCard,
            KeyRecoveryOnly = true,
            ApprovalsRequired = 1,
            CanValidate = validators.Select(r => r.Id).ToList(),
        }).Value;

    public static CertificatePolicy Policy(string name) =>
        CertificatePolicy.Create(Ids.New(), name, KeyAlgorithm.Rsa2048, KeyUsage.Encryption, 365, archiveKeys: true).Value;

    public static Device SmartCard(Person owner, CredentialProfile profile) =>
        new(Ids.New(), DeviceType.SmartCard, "SC-" + Ids.New()[..12], owner.Id, profile.Id, Instant);

    public static RecoveryRequest Request(Basics basics, int approvalsRequired, params string[] certificateIds)
    {
        ArgumentNullException.ThrowIfNull(basics);
        return RecoveryRequest.Open(
            Ids.New(), RequestKind.SoftCertificate, basics.Target.Id, basics.Target.GroupId, null, basics.Profile.Id, certificateIds,
            basics.Requester.Id, approvalsRequired, 2, Instant, TimeSpan.FromDays(7), Channel.Web);
    }
}

/// <summary>What most storage tests need: the people around a request and the settings that govern it.</summary>
public sealed record Basics(
    Group Group, Role Role, Person Target, Person Requester, Person Approver, Person SecondApprover,
    CredentialProfile Profile, CertificatePolicy Policy)
{
    public static Basics Create()
    {
        var group = TestData.Group("Acme");
        var role = TestData.Role("Validator", Operation.ViewRequest, Operation.ValidateRequest);
        return new Basics(
            group,
            role,
            TestData.Person("target", group),
            TestData.Person("requester", group),
            TestData.Person("approver", group),
            TestData.Person("second.approver", group),
            TestData.Profile("Recovery", role),
            TestData.Policy("Encryption"));
    }
}
