using Keyward.Common;
using Keyward.Devices;
using Keyward.Profiles;
using Keyward.Scopes;
using Keyward.Server.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace Keyward.Server.Tests.Recovery;

/// <summary>
/// Situations the demo organisation lacks, made directly through the server's store with the domain's own
/// methods: other credential profiles, the system option, extra or lost cards, a disabled or moved person.
/// </summary>
internal static class DemoChanges
{
    public static async Task ChangeAsync(DemoServer server, Func<IKeywardStore, Task> change)
    {
        await using var scope = server.App.Services.CreateAsyncScope();
        var store = scope.ServiceProvider.GetRequiredService<IKeywardStore>();
        await change(store);
        await store.SaveChangesAsync(CancellationToken.None);
    }

    /// <summary>
    /// A key recovery profile like the demo's soft-certificate one (File Store, one approval, the demo's role
    /// lists), changed by <paramref name="change"/>, which gets the role ids by role name.
    /// </summary>
    /// <returns>The new profile's id.</returns>
    public static async Task<string> AddProfileAsync(DemoServer server, string name, Func<CredentialProfileSettings, IReadOnlyDictionary<string, string>, CredentialProfileSettings>? change = null)
    {
        var id = Ids.New();
        await ChangeAsync(server, async store =>
        {
            var roles = (await store.ToListAsync(store.Roles, CancellationToken.None)).ToDictionary(r => r.Name, r => r.Id);
            string[] requesters = [roles["Administrator"], roles["Recovery Operator"], roles["Cardholder"]];
            var settings = new CredentialProfileSettings
            {
                Name = name,
                CardEncoding = CardEncoding.SoftwareCertificates,
                KeyRecoveryOnly = true,
                ValidateIssuance = true,
                ApprovalsRequired = 1,
                SoftCertificateLocation = SoftCertificateLocation.FileStore,
                CanRequest = requesters,
                CanValidate = [roles["Administrator"], roles["Recovery Validator"]],
                CanCollect = requesters,
                CanReceive = [.. roles.Values],
            };
            var profile = CredentialProfile.Create(id, change is null ? settings : change(settings, roles));
            Assert.True(profile.IsSuccess, profile.Error?.Detail);
            store.Add(profile.Value);
        });
        return id;
    }

    public static Task AllowSelfRequestsAsync(DemoServer server, bool allow) =>
        ChangeAsync(server, async store =>
        {
            var settings = await store.FirstOrDefaultAsync(store.Settings, CancellationToken.None);
            settings!.AllowSelfRequests = allow;
        });

    /// <summary>Gives the person a smart card (the demo's smart-card profile) carrying <paramref name="certificateIds"/>.</summary>
    /// <returns>The card's device id.</returns>
    public static Task<string> AddCardAsync(DemoServer server, string logonName, string serialNumber, DeviceStatus status = DeviceStatus.Active, params string[] certificateIds) =>
        AddDeviceAsync(server, logonName, DeviceType.SmartCard, serialNumber, status, certificateIds);

    /// <summary>Gives the person a device of <paramref name="type"/> (the demo's smart-card profile) carrying <paramref name="certificateIds"/>.</summary>
    /// <returns>The device id.</returns>
    public static async Task<string> AddDeviceAsync(DemoServer server, string logonName, DeviceType type, string serialNumber, DeviceStatus status, params string[] certificateIds)
    {
        var id = Ids.New();
        await ChangeAsync(server, async store =>
        {
            var owner = await store.FirstOrDefaultAsync(store.People.Where(p => p.LogonName == logonName), CancellationToken.None);
            var profile = await store.FirstOrDefaultAsync(store.CredentialProfiles.Where(p => p.Name == "Key Recovery - Smart Card"), CancellationToken.None);
            var card = new Device(id, type, serialNumber, owner!.Id, profile!.Id, server.Clock.GetUtcNow().UtcDateTime);
            if (status != DeviceStatus.Active)
            {
                card.ChangeStatus(status);
            }

            store.Add(card);
            foreach (var certificate in await store.ToListAsync(store.Certificates.Where(c => certificateIds.Contains(c.Id)), CancellationToken.None))
            {
                certificate.PlaceOn(id);
            }
        });
        return id;
    }

    /// <summary>Gives the person one more role, made for the test, granting <paramref name="operations"/> with <paramref name="scope"/>.</summary>
    public static Task GrantAsync(DemoServer server, string logonName, string roleName, Scope scope, params Operation[] operations) =>
        ChangeAsync(server, async store =>
        {
            var person = await store.FirstOrDefaultAsync(store.People.Where(p => p.LogonName == logonName), CancellationToken.None);
            var role = new Role(Ids.New(), roleName, "Made by a test.", operations);
            store.Add(role);
            person!.Assign(role, scope);
        });

    public static Task DisableAsync(DemoServer server, string logonName) =>
        ChangeAsync(server, async store =>
        {
            var person = await store.FirstOrDefaultAsync(store.People.Where(p => p.LogonName == logonName), CancellationToken.None);
            person!.Update(person.Name, person.Email, person.GroupId, enabled: false);
        });

    /// <summary>Moves the person to another group (e.g. <c>Acme/Engineering</c>).</summary>
    public static Task MoveAsync(DemoServer server, string logonName, string groupPath) =>
        ChangeAsync(server, async store =>
        {
            var person = await store.FirstOrDefaultAsync(store.People.Where(p => p.LogonName == logonName), CancellationToken.None);
            var group = await store.FirstOrDefaultAsync(store.Groups.Where(g => g.Path == groupPath), CancellationToken.None);
            person!.Update(person.Name, person.Email, group!.Id, person.Enabled);
        });
}
