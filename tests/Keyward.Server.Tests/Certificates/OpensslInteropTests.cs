using System.Globalization;
using System.Net;
using System.Text.Json;
using System.Text.RegularExpressions;
using Keyward.Server.Tests.Infrastructure;

namespace Keyward.Server.Tests.Certificates;

/// <summary>
/// Relying parties read Keyward's CA with their own tools: openssl chains an issued certificate to
/// <c>GET /ca/certificate</c>, reads <c>GET /ca/crl</c> and rejects a revoked certificate with it.
/// </summary>
/// <remarks>
/// openssl verifies at the instant of the server's fake clock (<c>-attime</c>), at which the CRL it just
/// signed is current, whatever the machine's date.
/// </remarks>
public sealed partial class OpensslInteropTests(DemoServerFixture fixture) : IClassFixture<DemoServerFixture>
{
    private DemoServer Server => fixture.Server;

    private string AtServerTime => Server.Clock.GetUtcNow().AddMinutes(1).ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);

    [Fact]
    public async Task OpensslVerify_IssuedCertificates_ChainToTheCaCertificate()
    {
        using var openssl = new Openssl();
        using var admin = await Server.SignInAsync("admin");
        var ca = await CaPemAsync(openssl);
        var certificates = await CertificateApi.ListAsync(admin, await Json.PersonIdAsync(admin, "carol"));
        var encryption = await LeafPemAsync(openssl, admin, certificates.Single(c => CertificateApi.KeyUsage(c) == "Encryption" && CertificateApi.Status(c) == "Issued"), "encryption.pem");
        var signing = await LeafPemAsync(openssl, admin, certificates.Single(c => CertificateApi.KeyUsage(c) == "Signing"), "signing.pem");

        var output = await openssl.RunAsync("verify", "-attime", AtServerTime, "-CAfile", ca, encryption, signing);

        Assert.Contains("encryption.pem: OK", output, StringComparison.Ordinal);
        Assert.Contains("signing.pem: OK", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task OpensslCrl_Demo_IsSignedByTheCaAndListsTheThreeRevokedSerials()
    {
        using var openssl = new Openssl();
        using var admin = await Server.SignInAsync("admin");
        var ca = await CaPemAsync(openssl);
        var crl = openssl.Write("crl.der", await DownloadAsync("/ca/crl", "application/pkix-crl"));
        var revoked = new List<string>();
        foreach (var logonName in new[] { "carol", "dave", "erin" })
        {
            revoked.AddRange((await CertificateApi.ListAsync(admin, await Json.PersonIdAsync(admin, logonName)))
                .Where(c => CertificateApi.Status(c) == "Revoked")
                .Select(c => c.GetProperty("serialNumber").GetString()!.ToUpperInvariant()));
        }

        var text = await openssl.RunAsync("crl", "-inform", "DER", "-in", crl, "-noout", "-text");
        var signature = await openssl.TryRunAsync("crl", "-inform", "DER", "-in", crl, "-CAfile", ca, "-noout");

        Assert.Equal(3, revoked.Count);
        Assert.Equal(revoked.Order(StringComparer.Ordinal), SerialLine().Matches(text).Select(m => m.Groups[1].Value.ToUpperInvariant()).Order(StringComparer.Ordinal));
        Assert.Contains("Issuer: CN = Keyward Issuing CA", text, StringComparison.Ordinal);
        Assert.True(signature.ExitCode == 0 && (signature.Output + signature.Error).Contains("verify OK", StringComparison.Ordinal), $"openssl crl -CAfile: {signature.Error}{signature.Output}");
    }

    [Fact]
    public async Task OpensslVerifyCrlCheck_RevokedCertificate_FailsAndCurrentOnePasses()
    {
        using var openssl = new Openssl();
        using var admin = await Server.SignInAsync("admin");
        var ca = await CaPemAsync(openssl);
        var crl = openssl.WritePem("crl.pem", "X509 CRL", await DownloadAsync("/ca/crl", "application/pkix-crl"));
        var certificates = await CertificateApi.ListAsync(admin, await Json.PersonIdAsync(admin, "carol"));
        var revoked = await LeafPemAsync(openssl, admin, certificates.Single(c => CertificateApi.Status(c) == "Revoked"), "revoked.pem");
        var current = await LeafPemAsync(openssl, admin, certificates.Single(c => CertificateApi.KeyUsage(c) == "Encryption" && CertificateApi.Status(c) == "Issued"), "current.pem");

        var refused = await openssl.TryRunAsync("verify", "-crl_check", "-attime", AtServerTime, "-CAfile", ca, "-CRLfile", crl, revoked);
        var accepted = await openssl.RunAsync("verify", "-crl_check", "-attime", AtServerTime, "-CAfile", ca, "-CRLfile", crl, current);

        Assert.NotEqual(0, refused.ExitCode);
        Assert.Contains("certificate revoked", refused.Output + refused.Error, StringComparison.Ordinal);
        Assert.Contains("current.pem: OK", accepted, StringComparison.Ordinal);
    }

    /// <summary>Downloads the CA certificate (DER, anonymously) and has openssl convert it to PEM.</summary>
    private async Task<string> CaPemAsync(Openssl openssl)
    {
        var der = openssl.Write("ca.der", await DownloadAsync("/ca/certificate", "application/pkix-cert"));
        var pem = Path.Combine(openssl.Folder, "ca.pem");
        await openssl.RunAsync("x509", "-inform", "DER", "-in", der, "-out", pem);
        return pem;
    }

    private async Task<byte[]> DownloadAsync(string path, string mediaType)
    {
        using var response = await Server.Client.GetAsync(new Uri(path, UriKind.Relative));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(mediaType, response.Content.Headers.ContentType?.MediaType);
        return await response.Content.ReadAsByteArrayAsync();
    }

    private static async Task<string> LeafPemAsync(Openssl openssl, HttpClient client, JsonElement certificate, string fileName)
    {
        var document = await Json.GetAsync(client, $"/api/certificates/{CertificateApi.Id(certificate)}");
        return openssl.Write(fileName, document.GetProperty("pem").GetString()!);
    }

    [GeneratedRegex(@"Serial Number:\s*([0-9A-Fa-f]+)")]
    private static partial Regex SerialLine();
}
