using Keyward.Common;
using Keyward.Recovery;
using Keyward.Server.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using MimeKit;

namespace Keyward.Server.Tests.Recovery;

/// <summary>docs/notifications.md#request-expiry on a running server: the expiry service cancels an uncollected request once its expiry passes.</summary>
public sealed class RequestExpiryServiceTests
{
    [Fact]
    public async Task ExpiryService_RequestPastItsExpiry_CancelledAuditedAndCarolGetsAnEml()
    {
        await using var server = await DemoServer.StartAsync();
        var requestId = await OpenRequestForCarolAsync(server, TimeSpan.FromDays(7));

        server.Clock.Advance(TimeSpan.FromDays(8));

        var request = await Eventually.ValueAsync("the request is cancelled", async () =>
        {
            await using var scope = server.App.Services.CreateAsyncScope();
            var store = scope.ServiceProvider.GetRequiredService<IKeywardStore>();
            var stored = await store.FirstOrDefaultAsync(store.Requests.Where(r => r.Id == requestId), CancellationToken.None);
            return stored?.Status == RequestStatus.Cancelled ? stored : null;
        });
        // Ordered by sequence: a loaded request's history comes back in no particular order.
        var last = request.History.MaxBy(h => h.Sequence)!;
        Assert.Equal(("Expired", (string?)null, Channel.System), (last.Action, last.ActorId, last.Channel));

        await using (var scope = server.App.Services.CreateAsyncScope())
        {
            var store = scope.ServiceProvider.GetRequiredService<IKeywardStore>();
            var audit = await store.FirstOrDefaultAsync(store.AuditEvents.Where(e => e.Action == "recovery.expire" && e.TargetId == requestId), CancellationToken.None);
            Assert.NotNull(audit);
            Assert.Equal((null, "keyward", Channel.System, request.TargetId), (audit.ActorId, audit.ActorName, audit.Channel, audit.SubjectId));
        }

        var pickup = Path.Combine(server.DataDirectory, "mail");
        var message = await Eventually.ValueAsync("an .eml for carol is in the pickup folder", async () =>
        {
            foreach (var file in Directory.Exists(pickup) ? Directory.GetFiles(pickup, "*.eml") : [])
            {
                var parsed = await MimeMessage.LoadAsync(file);
                if (parsed.To.Mailboxes.Any(m => m.Address == "carol@acme.example") && parsed.TextBody?.Contains(requestId, StringComparison.Ordinal) == true)
                {
                    return parsed;
                }
            }

            return null;
        });
        Assert.Contains("cancelled", message.Subject, StringComparison.Ordinal);
        Assert.Contains("was cancelled: not collected before it expired", message.TextBody!, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ExpiryService_BeforeTheExpiry_LeavesTheRequestOutstanding()
    {
        await using var server = await DemoServer.StartAsync();
        var requestId = await OpenRequestForCarolAsync(server, TimeSpan.FromDays(7));

        server.Clock.Advance(TimeSpan.FromDays(6));
        var service = server.App.Services.GetServices<Microsoft.Extensions.Hosting.IHostedService>().OfType<Keyward.Server.Recovery.RequestExpiryService>().Single();
        Assert.Equal(0, await service.RunOnceAsync(CancellationToken.None));

        await using var scope = server.App.Services.CreateAsyncScope();
        var store = scope.ServiceProvider.GetRequiredService<IKeywardStore>();
        var stored = await store.FirstOrDefaultAsync(store.Requests.Where(r => r.Id == requestId), CancellationToken.None);
        Assert.Equal(RequestStatus.AwaitingValidation, stored!.Status);
    }

    /// <summary>A soft-certificate request for two of carol's archived certificates, opened by olivia, straight into the store.</summary>
    private static async Task<string> OpenRequestForCarolAsync(DemoServer server, TimeSpan expiresAfter)
    {
        await using var scope = server.App.Services.CreateAsyncScope();
        var store = scope.ServiceProvider.GetRequiredService<IKeywardStore>();
        var carol = await store.FirstOrDefaultAsync(store.People.Where(p => p.LogonName == "carol"), CancellationToken.None);
        var olivia = await store.FirstOrDefaultAsync(store.People.Where(p => p.LogonName == "olivia"), CancellationToken.None);
        var profile = await store.FirstOrDefaultAsync(store.CredentialProfiles.Where(p => p.Name == "Key Recovery - Soft Certificate"), CancellationToken.None);
        var archived = await store.ToListAsync(store.Certificates.Where(c => c.OwnerId == carol!.Id && c.ArchivedKeyId != null).OrderBy(c => c.NotBefore).Select(c => c.Id).Take(2), CancellationToken.None);
        Assert.Equal(2, archived.Count);
        var request = RecoveryRequest.Open(
            Ids.New(), RequestKind.SoftCertificate, carol!.Id, carol.GroupId, null, profile!.Id, archived, olivia!.Id, profile.ApprovalsRequired, profile.MaxReleases,
            server.Clock.GetUtcNow().UtcDateTime, expiresAfter, Channel.Api);
        store.Add(request);
        await store.SaveChangesAsync(CancellationToken.None);
        return request.Id;
    }
}
