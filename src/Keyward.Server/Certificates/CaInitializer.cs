using System.Security.Cryptography.X509Certificates;
using Keyward.Certificates;
using Keyward.Common;
using Keyward.Crypto.Authority;
using Keyward.Crypto.Protection;

namespace Keyward.Server.Certificates;

/// <summary>
/// On start-up: finds the CA certificate in the database, or — on first start — makes the CA key inside the
/// key protector and a self-signed CA certificate for it, and stores the certificate for every server process.
/// </summary>
internal static class CaInitializer
{
    public const string CaName = "Keyward Issuing CA";

    public static async Task InitialiseAsync(IServiceProvider services, Uri? crlUrl, CancellationToken cancellationToken)
    {
        var authority = services.GetRequiredService<EmbeddedCertificateAuthority>();
        var protector = services.GetRequiredService<IKeyProtector>();
        var clock = services.GetRequiredService<TimeProvider>();
        for (var attempt = 0; ; attempt++)
        {
            await using var scope = services.CreateAsyncScope();
            var store = scope.ServiceProvider.GetRequiredService<IKeywardStore>();
            var record = await store.FirstOrDefaultAsync(store.CertificateAuthorities.Where(a => a.KeyLabel == CertificateAuthority.KeyLabel), cancellationToken);
            if (record is not null)
            {
                authority.Initialise(X509CertificateLoader.LoadCertificate(record.RawData), crlUrl);
                return;
            }

            var now = clock.GetUtcNow().UtcDateTime;

            // Back-dated a little so certificates issued at once verify on machines whose clocks lag; the demo
            // also back-dates expired certificates, which the CA must have been valid for.
            var notBefore = now.AddYears(-5);
            using var certificate = CertificateAuthority.CreateCaCertificate(protector, CaName, notBefore, TimeSpan.FromDays(365 * 25));
            store.Add(new CertificateAuthorityRecord(Ids.New(), CertificateAuthority.KeyLabel, certificate.Subject, certificate.RawData, certificate.NotAfter.ToUniversalTime(), now));
            try
            {
                await store.SaveChangesAsync(cancellationToken);
            }
            catch (ConcurrencyConflictException) when (attempt == 0)
            {
                // Another server process stored the CA certificate first: use theirs.
            }
        }
    }
}
