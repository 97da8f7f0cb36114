using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Keyward.Common;
using Keyward.Crypto.KeyArchive;
using Keyward.Crypto.Protection;
using Keyward.Server.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace Keyward.Server.Tests.Certificates;

/// <summary>Opens every archived key of a running server, as only someone holding the key store and its passphrase can.</summary>
internal static class ArchivedKeys
{
    /// <summary>
    /// Reads each ArchivedKey row through the store, opens its envelope with the key store in
    /// <paramref name="dataDirectory"/> and the binding to its certificate, and checks the key is that
    /// certificate's.
    /// </summary>
    public static async Task<IReadOnlyList<OpenedKey>> OpenAllAsync(DemoServer server, string dataDirectory)
    {
        await using var scope = server.App.Services.CreateAsyncScope();
        var store = scope.ServiceProvider.GetRequiredService<IKeywardStore>();
        var rows = await store.ToListAsync(store.ArchivedKeys, CancellationToken.None);
        var certificates = (await store.ToListAsync(store.Certificates.Where(c => c.ArchivedKeyId != null), CancellationToken.None)).ToDictionary(c => c.Id);
        Assert.Equal(certificates.Count, rows.Count);

        // OpenOrCreate would make a new, empty key store where none is: make sure this is the server's.
        var keyStore = Path.Combine(dataDirectory, "keystore.json");
        Assert.True(File.Exists(keyStore), $"No key store at {keyStore}.");
        using var protector = SoftwareKeyStore.OpenOrCreate(keyStore, DemoServer.TestPassphrase);
        var keys = new List<OpenedKey>();
        foreach (var row in rows)
        {
            var certificate = certificates[row.CertificateId];
            Assert.Equal(row.Id, certificate.ArchivedKeyId);
            var pkcs8 = ArchiveEnvelope.Open(protector, row.Envelope, new CertificateBinding(certificate.Id, Convert.ToHexStringLower(SHA256.HashData(certificate.RawData))));
            using var parsed = X509CertificateLoader.LoadCertificate(certificate.RawData);
            using var key = RSA.Create();
            key.ImportPkcs8PrivateKey(pkcs8, out _);
            Assert.Equal(parsed.PublicKey.ExportSubjectPublicKeyInfo(), key.ExportSubjectPublicKeyInfo());
            keys.Add(new OpenedKey($"archived key of certificate {certificate.Id} ({certificate.Subject}, {certificate.Status})", pkcs8, row.Envelope));
        }

        return keys;
    }
}

/// <summary>An archived key opened for a test: a name for reports, the plaintext PKCS#8 and the stored envelope.</summary>
internal sealed record OpenedKey(string Name, byte[] Pkcs8, byte[] Envelope);
