using System.Globalization;
using Keyward.Audit;
using Keyward.Common;
using Keyward.KeyArchive;
using Keyward.People;
using Keyward.Recovery;
using Keyward.Scopes;

namespace Keyward.Certificates;

/// <summary>Issue a certificate for a person: by policy, with a server-made archived key or from the holder's CSR.</summary>
/// <param name="PolicyId">The certificate policy (id or name).</param>
/// <param name="CertificateRequest">PKCS#10 (DER or PEM) for policies that do not archive keys; null otherwise.</param>
/// <param name="ValidFrom">Back-dates the certificate (demo and migration data only; the API does not expose it).</param>
public sealed record IssueCertificateCommand(string PolicyId, byte[]? CertificateRequest, DateTime? ValidFrom = null);

/// <summary>Import a certificate with its key (a PFX from another CA) into the archive for a person.</summary>
public sealed record ImportCertificateCommand(string PolicyId, byte[] Pfx, string Password);

/// <summary>A certificate's view and its DER encoding (public data).</summary>
public sealed record CertificateDocument(CertificateView Certificate, byte[] RawData);

/// <summary>
/// Issues, imports and revokes certificates. Each step checks IssueCertificate within scope, saves the
/// certificate, its archived key and the audit entry in one transaction, and audits refusals too.
/// </summary>
public sealed class CertificateService
{
    private readonly IKeywardStore _store;
    private readonly ICertificateAuthority _authority;
    private readonly AuditTrail _audit;
    private readonly TimeProvider _clock;

    public CertificateService(IKeywardStore store, ICertificateAuthority authority, AuditTrail audit, TimeProvider clock)
    {
        _store = store;
        _authority = authority;
        _audit = audit;
        _clock = clock;
    }

    public async Task<Result<CertificateView>> IssueAsync(AccessContext access, string personId, IssueCertificateCommand command, Channel channel, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(access);
        ArgumentNullException.ThrowIfNull(command);
        var target = await TargetAsync(access, personId, Operation.ViewPerson, disabledAllowed: false, cancellationToken).ConfigureAwait(false);
        if (!target.IsSuccess)
        {
            return await RefuseAsync(access, "certificates.issue", personId, target.Error, channel, cancellationToken).ConfigureAwait(false);
        }

        var policy = await PolicyAsync(command.PolicyId, cancellationToken).ConfigureAwait(false);
        if (policy is null)
        {
            return await RefuseAsync(access, "certificates.issue", personId, CertificateErrors.PolicyNotFound, channel, cancellationToken).ConfigureAwait(false);
        }

        // The address becomes the certificate's rfc822Name (ASCII only). People are checked when they are imported;
        // this catches a record stored before that check or written around it.
        if (!EmailAddress.IsValid(target.Value.Email))
        {
            return await RefuseAsync(access, "certificates.issue", personId, CertificateErrors.InvalidEmail.WithDetail($"The e-mail address of {target.Value.LogonName} is not one a certificate can carry (ASCII local@domain); correct it with POST /api/people and issue again."), channel, cancellationToken).ConfigureAwait(false);
        }

        var now = _clock.GetUtcNow().UtcDateTime;
        var from = command.ValidFrom ?? now.AddMinutes(-5);
        var order = new CertificateOrder(Ids.New(), target.Value.Name, target.Value.Email, policy.KeyAlgorithm, policy.KeyUsage, from, from.AddDays(policy.ValidityDays));
        IssuedCertificate issued;
        if (policy.ArchiveKeys)
        {
            if (command.CertificateRequest is not null)
            {
                return await RefuseAsync(access, "certificates.issue", personId, CertificateErrors.CsrNotAccepted, channel, cancellationToken).ConfigureAwait(false);
            }

            issued = _authority.IssueWithArchivedKey(order);
        }
        else
        {
            if (command.CertificateRequest is null)
            {
                return await RefuseAsync(access, "certificates.issue", personId, CertificateErrors.CsrRequired, channel, cancellationToken).ConfigureAwait(false);
            }

            var fromRequest = _authority.IssueFromRequest(order, command.CertificateRequest);
            if (!fromRequest.IsSuccess)
            {
                return await RefuseAsync(access, "certificates.issue", personId, fromRequest.Error, channel, cancellationToken).ConfigureAwait(false);
            }

            issued = fromRequest.Value;
        }

        var certificate = Record(order.CertificateId, target.Value.Id, policy, issued);
        await _audit.AppendAsync(
            new AuditEntry(access.Caller.PersonId, access.Caller.LogonName, "certificates.issue", AuditOutcome.Succeeded, channel,
                $"Issued {policy.Name} certificate {issued.SerialNumber}{(issued.Key is null ? string.Empty : " with its key archived")}.", SubjectId: target.Value.Id, TargetId: certificate.Id),
            cancellationToken).ConfigureAwait(false);
        await _store.SaveChangesAsync(cancellationToken).ConfigureAwait(false);
        return View(certificate, policy, now);
    }

    public async Task<Result<CertificateView>> ImportAsync(AccessContext access, string personId, ImportCertificateCommand command, Channel channel, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(access);
        ArgumentNullException.ThrowIfNull(command);
        var target = await TargetAsync(access, personId, Operation.ViewPerson, disabledAllowed: false, cancellationToken).ConfigureAwait(false);
        if (!target.IsSuccess)
        {
            return await RefuseAsync(access, "certificates.import", personId, target.Error, channel, cancellationToken).ConfigureAwait(false);
        }

        var policy = await PolicyAsync(command.PolicyId, cancellationToken).ConfigureAwait(false);
        if (policy is null)
        {
            return await RefuseAsync(access, "certificates.import", personId, CertificateErrors.PolicyNotFound, channel, cancellationToken).ConfigureAwait(false);
        }

        if (!policy.ArchiveKeys)
        {
            return await RefuseAsync(access, "certificates.import", personId, CertificateErrors.SigningKeyArchival.WithDetail($"Policy '{policy.Name}' does not archive keys; import into an encryption policy with key archival."), channel, cancellationToken).ConfigureAwait(false);
        }

        var certificateId = Ids.New();
        var imported = _authority.ImportPfx(certificateId, command.Pfx, command.Password);
        if (!imported.IsSuccess)
        {
            return await RefuseAsync(access, "certificates.import", personId, imported.Error, channel, cancellationToken).ConfigureAwait(false);
        }

        // As for a CSR: the policy names the key algorithm and size, and what is recorded under it must have them.
        if (imported.Value.Algorithm != policy.KeyAlgorithm)
        {
            return await RefuseAsync(access, "certificates.import", personId, CertificateErrors.ImportUnsupportedKey.WithDetail($"The key is {imported.Value.Algorithm}, but policy '{policy.Name}' requires {policy.KeyAlgorithm}."), channel, cancellationToken).ConfigureAwait(false);
        }

        var thumbprint = imported.Value.Thumbprint;
        var recorded = await _store.FirstOrDefaultAsync(_store.Certificates.Where(c => c.Thumbprint == thumbprint), cancellationToken).ConfigureAwait(false);
        if (recorded is not null)
        {
            return await RefuseAsync(access, "certificates.import", personId, await DuplicateAsync(access, recorded, cancellationToken).ConfigureAwait(false), channel, cancellationToken).ConfigureAwait(false);
        }

        var certificate = Record(certificateId, target.Value.Id, policy, imported.Value);
        certificate.MarkExternal();
        await _audit.AppendAsync(
            new AuditEntry(access.Caller.PersonId, access.Caller.LogonName, "certificates.import", AuditOutcome.Succeeded, channel,
                $"Imported certificate {imported.Value.SerialNumber} from '{imported.Value.Issuer}' with its key archived.", SubjectId: target.Value.Id, TargetId: certificate.Id),
            cancellationToken).ConfigureAwait(false);
        await _store.SaveChangesAsync(cancellationToken).ConfigureAwait(false);
        return View(certificate, policy, _clock.GetUtcNow().UtcDateTime);
    }

    public async Task<Result<CertificateView>> RevokeAsync(AccessContext access, string certificateId, RevocationReason reason, Channel channel, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(access);
        var certificate = await _store.FirstOrDefaultAsync(_store.Certificates.Where(c => c.Id == certificateId), cancellationToken).ConfigureAwait(false);
        if (certificate is null)
        {
            return await RefuseAsync(access, "certificates.revoke", null, CertificateErrors.NotFound, channel, cancellationToken).ConfigureAwait(false);
        }

        // Revoking takes from the holder: a disabled person (typically someone who left) must still be revocable.
        var owner = await TargetAsync(access, certificate.OwnerId, Operation.ViewCertificate, disabledAllowed: true, cancellationToken).ConfigureAwait(false);
        if (!owner.IsSuccess)
        {
            // A certificate whose holder the caller cannot see does not exist for them.
            var error = owner.Error.Kind == ErrorKind.NotFound ? CertificateErrors.NotFound : owner.Error;
            return await RefuseAsync(access, "certificates.revoke", certificate.OwnerId, error, channel, cancellationToken).ConfigureAwait(false);
        }

        if (!Enum.IsDefined(reason))
        {
            return await RefuseAsync(access, "certificates.revoke", certificate.OwnerId, CertificateErrors.InvalidPolicy.WithDetail($"Unknown revocation reason '{reason}'."), channel, cancellationToken).ConfigureAwait(false);
        }

        var now = _clock.GetUtcNow().UtcDateTime;
        var revoked = certificate.Revoke(reason, now);
        if (!revoked.IsSuccess)
        {
            return await RefuseAsync(access, "certificates.revoke", certificate.OwnerId, revoked.Error, channel, cancellationToken).ConfigureAwait(false);
        }

        await _audit.AppendAsync(
            new AuditEntry(access.Caller.PersonId, access.Caller.LogonName, "certificates.revoke", AuditOutcome.Succeeded, channel,
                string.Create(CultureInfo.InvariantCulture, $"Revoked certificate {certificate.SerialNumber} ({reason}); its archived key stays recoverable."), SubjectId: certificate.OwnerId, TargetId: certificate.Id),
            cancellationToken).ConfigureAwait(false);
        await _store.SaveChangesAsync(cancellationToken).ConfigureAwait(false);
        var policy = await _store.FirstOrDefaultAsync(_store.CertificatePolicies.Where(p => p.Id == certificate.PolicyId), cancellationToken).ConfigureAwait(false);
        return View(certificate, policy!, now);
    }

    /// <summary>One certificate with its DER encoding, when the caller may view its owner's certificates.</summary>
    public async Task<Result<CertificateDocument>> GetAsync(AccessContext access, string certificateId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(access);
        var certificate = await _store.FirstOrDefaultAsync(_store.Certificates.Where(c => c.Id == certificateId), cancellationToken).ConfigureAwait(false);
        var owner = certificate is null ? null : await _store.FirstOrDefaultAsync(_store.People.Where(p => p.Id == certificate.OwnerId), cancellationToken).ConfigureAwait(false);
        if (certificate is null || owner is null || access.Policy.Decide(access.Caller, Operation.ViewCertificate, PersonRef.From(owner)) != AccessDecision.Allowed)
        {
            return CertificateErrors.NotFound;
        }

        var policy = await _store.FirstOrDefaultAsync(_store.CertificatePolicies.Where(p => p.Id == certificate.PolicyId), cancellationToken).ConfigureAwait(false);
        return new CertificateDocument(View(certificate, policy!, _clock.GetUtcNow().UtcDateTime), certificate.RawData);
    }

    /// <summary>The current CRL: every revoked certificate of Keyward's own CA.</summary>
    public async Task<byte[]> CrlAsync(CancellationToken cancellationToken)
    {
        var revoked = await _store.ToListAsync(
            _store.Certificates.Where(c => c.Status == CertificateStatus.Revoked && !c.IsExternal).OrderBy(c => c.RevokedAt),
            cancellationToken).ConfigureAwait(false);
        return _authority.CreateCrl(
            revoked.Select(c => new RevokedCertificate(c.SerialNumber, c.RevokedAt ?? c.NotBefore, c.RevocationReason ?? RevocationReason.Unspecified)).ToList(),
            _clock.GetUtcNow().UtcDateTime);
    }

    /// <summary>The certificate policies (any caller who may issue sees them all; they hold no personal data).</summary>
    public async Task<IReadOnlyList<CertificatePolicy>> PoliciesAsync(CancellationToken cancellationToken) =>
        await _store.ToListAsync(_store.CertificatePolicies.OrderBy(p => p.Name), cancellationToken).ConfigureAwait(false);

    internal static CertificateView View(Certificate c, CertificatePolicy policy, DateTime now) =>
        new(c.Id, c.SerialNumber, c.Subject, c.Issuer, c.StatusAt(now), c.NotBefore, c.NotAfter, policy.Name, policy.KeyUsage, c.Archived, c.DeviceId, c.OwnerId);

    private Certificate Record(string certificateId, string ownerId, CertificatePolicy policy, IssuedCertificate issued)
    {
        var certificate = new Certificate(certificateId, ownerId, policy.Id, issued.SerialNumber, issued.Issuer, issued.Subject, issued.Thumbprint, issued.NotBefore, issued.NotAfter, issued.RawData);
        _store.Add(certificate);
        if (issued.Key is { } key)
        {
            var archived = new ArchivedKey(Ids.New(), certificateId, key.Envelope, key.StorageKeyId, _clock.GetUtcNow().UtcDateTime);
            _store.Add(archived);
            certificate.AttachArchivedKey(archived.Id);
        }

        return certificate;
    }

    /// <summary>
    /// The refusal of a certificate that is already archived. A thumbprint is unique, so the refusal itself cannot
    /// be avoided; but only a caller who may see the recorded certificate's holder is told which certificate it is.
    /// </summary>
    private async Task<Error> DuplicateAsync(AccessContext access, Certificate recorded, CancellationToken cancellationToken)
    {
        var holder = await _store.FirstOrDefaultAsync(_store.People.Where(p => p.Id == recorded.OwnerId), cancellationToken).ConfigureAwait(false);
        return holder is not null && access.Policy.Decide(access.Caller, Operation.ViewCertificate, PersonRef.From(holder)) == AccessDecision.Allowed
            ? CertificateErrors.ImportDuplicate.WithDetail($"This certificate is already archived as certificate {recorded.Id} of {holder.LogonName}.")
            : CertificateErrors.ImportDuplicate;
    }

    private async Task<CertificatePolicy?> PolicyAsync(string idOrName, CancellationToken cancellationToken) =>
        await _store.FirstOrDefaultAsync(_store.CertificatePolicies.Where(p => p.Id == idOrName || p.Name == idOrName), cancellationToken).ConfigureAwait(false);

    /// <summary>
    /// The person a step acts on, when the caller holds IssueCertificate for them. Visibility comes first: a
    /// person the caller cannot see (through <paramref name="view"/> or IssueCertificate) is "not found", exactly
    /// like one who does not exist, whatever else the caller lacks; only a person they can see is "forbidden".
    /// <paramref name="disabledAllowed"/>: whether the step may act on a disabled person — only steps that give them nothing.
    /// </summary>
    private async Task<Result<Person>> TargetAsync(AccessContext access, string personId, Operation view, bool disabledAllowed, CancellationToken cancellationToken)
    {
        var person = await _store.FirstOrDefaultAsync(_store.People.Where(p => p.Id == personId), cancellationToken).ConfigureAwait(false);
        if (person is null || !access.Policy.Sees(access.Caller, PersonRef.From(person), view, Operation.IssueCertificate))
        {
            return PeopleErrors.NotFound;
        }

        return access.Policy.Decide(access.Caller, Operation.IssueCertificate, PersonRef.From(person)) switch
        {
            AccessDecision.Allowed => person,
            AccessDecision.TargetDisabled when disabledAllowed => person,
            AccessDecision.TargetDisabled => CertificateErrors.Forbidden.WithDetail("The person is disabled: a disabled person receives nothing."),
            AccessDecision.TargetOutOfScope => CertificateErrors.Forbidden.WithDetail("The person is outside the scope of your IssueCertificate role."),
            _ => CertificateErrors.Forbidden,
        };
    }

    private async Task<Error> RefuseAsync(AccessContext access, string action, string? subjectId, Error error, Channel channel, CancellationToken cancellationToken)
    {
        _store.DiscardChanges();
        await _audit.AppendAsync(
            new AuditEntry(access.Caller.PersonId, access.Caller.LogonName, action, AuditOutcome.Refused, channel, error.Detail, SubjectId: subjectId, Code: error.Code),
            cancellationToken).ConfigureAwait(false);
        await _store.SaveChangesAsync(cancellationToken).ConfigureAwait(false);
        return error;
    }
}
