using System.Security.Cryptography;
using System.Text;
using Keyward.Certificates;
using Keyward.Server.Auth;
using Keyward.Server.Problems;

namespace Keyward.Server.Certificates;

/// <summary>Issue, import, revoke and read certificates; the CA certificate and CRL at stable addresses.</summary>
internal static class CertificateEndpoints
{
    public static void MapCertificateEndpoints(this RouteGroupBuilder api)
    {
        api.MapGet("/certificatePolicies", async (Authenticated caller, CertificateService certificates, CancellationToken ct) =>
                TypedResults.Ok((await certificates.PoliciesAsync(ct)).Select(CertificatePolicyView.Of)))
            .WithName("ListCertificatePolicies").WithTags("Certificates");
        api.MapPost("/certificatePolicies", async (Authenticated caller, PolicyAdministration admin, CertificatePolicySettings body, CancellationToken ct) =>
            {
                var policy = await admin.CreateAsync(caller.Access, body, caller.ClaimedChannel, ct);
                return policy.IsSuccess ? Results.Created($"/api/certificatePolicies/{policy.Value.Id}", policy.Value) : Problems.Problems.From(policy.Error);
            })
            .WithName("CreateCertificatePolicy").WithTags("Certificates");
        api.MapPut("/certificatePolicies/{id}", async (Authenticated caller, PolicyAdministration admin, string id, CertificatePolicySettings body, CancellationToken ct) =>
                Profiles.ProfileEndpoints.Changed(await admin.UpdateAsync(caller.Access, id, body, caller.ClaimedChannel, ct)))
            .WithName("UpdateCertificatePolicy").WithTags("Certificates");

        api.MapPost("/people/{id}/certificates", async (Authenticated caller, CertificateService certificates, string id, IssueBody body, CancellationToken ct) =>
                Created(await certificates.IssueAsync(caller.Access, id, new IssueCertificateCommand(body.PolicyId ?? string.Empty, body.Csr is null ? null : Encoding.ASCII.GetBytes(body.Csr)), caller.ClaimedChannel, ct)))
            .WithName("IssueCertificate").WithTags("Certificates");

        api.MapPost("/people/{id}/certificates/import", async (Authenticated caller, CertificateService certificates, string id, ImportBody body, CancellationToken ct) =>
            {
                if (body.Pfx is null || !TryBase64(body.Pfx, out var pfx))
                {
                    return Problems.Problems.From(ProtocolErrors.MalformedBody.WithDetail("'pfx' must be the PFX file in base64."));
                }

                return Created(await certificates.ImportAsync(caller.Access, id, new ImportCertificateCommand(body.PolicyId ?? string.Empty, pfx, body.Password ?? string.Empty), caller.ClaimedChannel, ct));
            })
            .WithName("ImportCertificate").WithTags("Certificates");

        api.MapGet("/certificates/{id}", async (Authenticated caller, CertificateService certificates, string id, CancellationToken ct) =>
            {
                var document = await certificates.GetAsync(caller.Access, id, ct);
                return document.IsSuccess
                    ? Results.Ok(new { certificate = document.Value.Certificate, pem = PemEncoding.WriteString("CERTIFICATE", document.Value.RawData) })
                    : Problems.Problems.From(document.Error);
            })
            .WithName("GetCertificate").WithTags("Certificates");

        api.MapPost("/certificates/{id}/revoke", async (Authenticated caller, CertificateService certificates, string id, RevokeBody? body, CancellationToken ct) =>
                Problems.Problems.Ok(await certificates.RevokeAsync(caller.Access, id, body?.Reason ?? RevocationReason.Unspecified, caller.ClaimedChannel, ct)))
            .WithName("RevokeCertificate").WithTags("Certificates");
    }

    /// <summary><c>GET /ca/certificate</c> and <c>GET /ca/crl</c>: public, for relying parties.</summary>
    public static void MapAuthorityEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapGet("/ca/certificate", (ICertificateAuthority authority) => Results.File(authority.CaCertificate, "application/pkix-cert", "keyward-ca.cer"))
            .AllowAnonymous().WithName("GetCaCertificate").WithTags("Certificate authority");
        app.MapGet("/ca/crl", async (CertificateService certificates, CancellationToken ct) => Results.File(await certificates.CrlAsync(ct), "application/pkix-crl", "keyward-ca.crl"))
            .AllowAnonymous().WithName("GetCrl").WithTags("Certificate authority");
    }

    private static IResult Created(Common.Result<Keyward.People.CertificateView> result) =>
        result.IsSuccess ? Results.Created($"/api/certificates/{result.Value.Id}", result.Value) : Problems.Problems.From(result.Error);

    private static bool TryBase64(string text, out byte[] bytes)
    {
        bytes = new byte[text.Length];
        if (Convert.TryFromBase64String(text, bytes, out var written))
        {
            bytes = bytes[..written];
            return true;
        }

        return false;
    }

    /// <summary>Issue a certificate by policy; <c>csr</c> (PEM) for policies that do not archive keys.</summary>
    internal sealed record IssueBody(string? PolicyId, string? Csr);

    /// <summary>Import a PFX (base64) with its password into an archiving policy.</summary>
    internal sealed record ImportBody(string? PolicyId, string? Pfx, string? Password);

    internal sealed record RevokeBody(RevocationReason? Reason);
}
