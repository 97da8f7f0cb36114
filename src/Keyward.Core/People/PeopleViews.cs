using Keyward.Certificates;
using Keyward.Devices;
using Keyward.Scopes;

namespace Keyward.People;

/// <summary>A person as the Core API shows them.</summary>
public sealed record PersonView(string Id, string LogonName, string Name, string Email, string Group, bool Enabled);

/// <summary>A role the caller holds, with its scope.</summary>
public sealed record RoleView(string Id, string Name, Scope Scope, IReadOnlyList<string> AdministrativeGroups, IReadOnlyList<Operation> Operations);

/// <summary>The caller as <c>GET /api/me</c> shows them.</summary>
public sealed record MeView(string Id, string LogonName, string Name, string Email, string Group, bool Enabled, IReadOnlyList<RoleView> Roles);

/// <summary>A certificate as the Core API shows it; <see cref="Archived"/> says whether its key can be recovered.</summary>
public sealed record CertificateView(
    string Id,
    string SerialNumber,
    string Subject,
    string Issuer,
    CertificateStatus Status,
    DateTime NotBefore,
    DateTime NotAfter,
    string Policy,
    KeyUsage KeyUsage,
    bool Archived,
    string? DeviceId,
    string OwnerId);

/// <summary>A device as the Core API shows it.</summary>
public sealed record DeviceView(string Id, string SerialNumber, DeviceType Type, DeviceStatus Status, string OwnerId, string CredentialProfileId, DateTime IssuedAt);

/// <summary>Filters of the people list; all optional, combined with AND.</summary>
public sealed record PeopleFilter(string? LogonName, string? Query, string? Group);
