using Keyward.Audit;
using Keyward.Common;
using Keyward.Devices;
using Keyward.People;
using Keyward.Profiles;
using Keyward.Scopes;

namespace Keyward.Recovery;

/// <summary>Collection (docs/recovery.md#collecting): single-use, atomic, audited, and never a plaintext key outside a protected package.</summary>
public sealed partial class RecoveryWorkflow
{
    /// <summary>The longest token serial number (and other token field) Keyward keeps; PKCS#11 gives 16 to 32 characters.</summary>
    public const int MaxSerialLength = 64;

    /// <summary>
    /// Collects a File Store soft-certificate request: a PFX with every recovered key, protected per the profile
    /// by the collector's password (checked against the profile's policy) or by one the server generates and
    /// returns exactly once. The request is taken (InProgress) before any key is opened, so of two collectors
    /// one gets the PFX and the other a conflict. The PFX leaves only after its release — counted against the
    /// request's release limit, audited and notified — is saved; any failure before that puts the request back to
    /// AwaitingIssue with the failure on record (docs/recovery.md, "Collecting" and "Releases"). The collector of
    /// a completed request may collect it once more within the re-collect window, should the answer have been lost.
    /// </summary>
    public async Task<Result<CollectedPfx>> CollectPfxAsync(AccessContext access, string requestId, string? password, Channel channel, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(access);
        const string action = "recovery.collect";
        var (request, target, profile) = await LoadVisibleAsync(access, requestId, cancellationToken).ConfigureAwait(false);
        if (request is null || target is null || profile is null)
        {
            return await RefuseAsync(access, action, null, null, RequestErrors.NotFound, channel, cancellationToken).ConfigureAwait(false);
        }

        var refused = CollectRules(access, request, PersonRef.From(target), profile)
                      ?? (request.Kind != RequestKind.SoftCertificate || profile.SoftCertificateLocation != SoftCertificateLocation.FileStore
                          ? RequestErrors.WrongCollectionMethod.WithDetail(request.Kind == RequestKind.SoftCertificate
                              ? "This request installs into the owner's certificate store: collect it with `keyward collect` on the owner's computer."
                              : "This request writes to a smart card: collect it with `keyward collect --module …` at a card reader.")
                          : null)
                      ?? (password is not null && profile.PasswordPolicy.Check(password, _commonPasswords) is { } broken
                          ? RequestErrors.PasswordPolicy.WithDetail($"The PFX password {broken}.")
                          : null);
        if (refused is not null)
        {
            return await RefuseAsync(access, action, request.TargetId, request.Id, refused, channel, cancellationToken).ConfigureAwait(false);
        }

        if (request.Status == RequestStatus.Completed && request.LastReleasedTo == access.Caller.PersonId)
        {
            return await CollectPfxAgainAsync(access, request, target, profile, password, channel, cancellationToken).ConfigureAwait(false);
        }

        var collectionId = Ids.New();
        using var working = _instance.WorkOn(collectionId);
        var claimed = await ClaimAsync(access, action, request, collectionId, null, channel, cancellationToken).ConfigureAwait(false);
        if (claimed is not null)
        {
            return claimed;
        }

        // Fail-closed (docs/recovery.md#collecting): from here on every failure — expected or not, the caller gone included — runs the
        // failure path, so the request never stays InProgress and nothing leaves unaudited. Should even the failure
        // fail to save (the database full or away), the collection still names this process's lease once the call
        // has ended, and the next heartbeat returns it (ServerLeases).
        byte[]? pfx = null;
        try
        {
            var keys = await KeysAsync(request, cancellationToken).ConfigureAwait(false);
            var generated = password is null;
            var drawn = generated ? _keys.GeneratePassword(profile.PasswordPolicy) : null;
            var secret = password ?? drawn!.Value;
            var built = _keys.BuildPfx(keys, secret, profile.PfxProtection, drawn is { HasFullEntropy: true });
            if (!built.IsSuccess)
            {
                return await FailClaimedAsync(access, action, request.Id, collectionId, built.Error, channel).ConfigureAwait(false);
            }

            pfx = built.Value;
            var now = Now;
            var released = request.Release(access.Caller.PersonId, now, channel);
            if (!released.IsSuccess)
            {
                CryptographicZero(pfx);
                return await FailClaimedAsync(access, action, request.Id, collectionId, released.Error, channel).ConfigureAwait(false);
            }

            var package = new Device(Ids.New(), DeviceType.SoftCertificatePackage, $"PFX-{request.Id}", target.Id, profile.Id, now);
            _store.Add(package);
            request.Complete(access.Caller.PersonId, package.Id, now, channel);
            await AuditReleaseAsync(access, request, keys, PfxRelease(profile, generated), channel, cancellationToken).ConfigureAwait(false);
            await AuditAsync(access, action, request, $"Collected recovery request {request.Id}: the keys of {KeyList(keys)} released in a PFX.", channel, cancellationToken).ConfigureAwait(false);
            StagePfxNotice(access, target, request, keys.Count);
            try
            {
                await _store.SaveChangesAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (ConcurrencyConflictException)
            {
                // The release could not be recorded: the PFX is withheld, and the request must not stay InProgress.
                CryptographicZero(pfx);
                return await FailClaimedAsync(access, action, request.Id, collectionId, RequestErrors.NotCollectable.WithDetail("The collection could not be recorded; the PFX was withheld and the request can be collected again."), channel).ConfigureAwait(false);
            }

            var view = await ViewAsync(access, request, target, profile, cancellationToken).ConfigureAwait(false);
            return new CollectedPfx(pfx, generated ? secret : null, view.Certificates, view);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            if (pfx is not null)
            {
                CryptographicZero(pfx);
            }

            var error = ex is OperationCanceledException
                ? RequestErrors.CollectionFailed.WithDetail("The collection was abandoned before the keys were released (the caller went away); the request can be collected again.")
                : RequestErrors.CollectionFailed;
            var failed = await FailClaimedAsync(access, action, request.Id, collectionId, error, channel).ConfigureAwait(false);
            if (ex is OperationCanceledException || IsStorageFault(ex))
            {
                // The caller went away, or the database did: the request is back (or the heartbeat returns it), and the
                // server's one mapping answers a storage fault with 503 and Retry-After rather than a collection bug.
                throw;
            }

            return failed;
        }
    }

    /// <summary>
    /// Begins a collection by a collecting client (System Store soft certificates, a new smart card, a device
    /// update): takes the request and releases each key wrapped for the client's one-time transport key. A card
    /// collection names the token it writes to, as the client read it: an update must present the request's card,
    /// a new card one not on record — both checked, and refused with an audit entry, before any key leaves. The
    /// release is counted, audited (with the transport key's fingerprint and the token reported) and notified in the
    /// same transaction that records it, before the answer leaves; any failure before that returns the request to
    /// AwaitingIssue. The collector whose earlier collection is still open (its client died after the release) may
    /// begin again: the earlier one is recorded as failed first (docs/recovery.md#cards).
    /// </summary>
    public async Task<Result<CollectionView>> BeginCollectionAsync(AccessContext access, string requestId, CollectionStart start, Channel channel, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(access);
        ArgumentNullException.ThrowIfNull(start);
        const string action = "recovery.collect";
        var (request, target, profile) = await LoadVisibleAsync(access, requestId, cancellationToken).ConfigureAwait(false);
        if (request is null || target is null || profile is null)
        {
            return await RefuseAsync(access, action, null, null, RequestErrors.NotFound, channel, cancellationToken).ConfigureAwait(false);
        }

        var transportPublicKey = start.TransportKey;
        var card = request.Kind is RequestKind.NewDevice or RequestKind.DeviceUpdate;
        var refused = CollectRules(access, request, PersonRef.From(target), profile)
                      ?? (request.Kind == RequestKind.SoftCertificate && profile.SoftCertificateLocation == SoftCertificateLocation.FileStore
                          ? RequestErrors.WrongCollectionMethod.WithDetail("This request is collected as a PFX file: POST /api/requests/{id}/collect.")
                          : null)
                      ?? (transportPublicKey is not { Length: > 0 } ? RequestErrors.TransportKeyInvalid : _keys.CheckTransportKey(transportPublicKey))
                      ?? (card ? await TokenRefusalAsync(request, target, start.Token, cancellationToken).ConfigureAwait(false) : null);
        if (refused is not null)
        {
            return await RefuseAsync(access, action, request.TargetId, request.Id, refused, channel, cancellationToken).ConfigureAwait(false);
        }

        if (request.ResumableBy(access.Caller.PersonId))
        {
            var abandoned = request.CollectionId;
            // The collector's client died after the release (it never reported back): its collection is failed
            // first, counted like any failed release, so that beginning again resumes rather than waits.
            var released = request.Releases;
            var reapprove = request.Fail(access.Caller.PersonId, "Abandoned by the collecting client: the collector began a new collection.", Now, channel).Value;
            await _audit.AppendAsync(
                new AuditEntry(access.Caller.PersonId, access.Caller.LogonName, action, AuditOutcome.Failed, channel,
                    $"Collection {abandoned} of recovery request {request.Id}: keys released (release {released} of {request.ReleasesAllowed}), then abandoned — the collector began a new collection. {AfterFailure(request, reapprove)}",
                    SubjectId: request.TargetId, TargetId: request.Id),
                cancellationToken).ConfigureAwait(false);
            if (request.Status != RequestStatus.AwaitingIssue)
            {
                await _store.SaveChangesAsync(cancellationToken).ConfigureAwait(false);
                return await RefuseAsync(access, action, request.TargetId, request.Id, RequestErrors.ReleaseLimit, channel, cancellationToken).ConfigureAwait(false);
            }
        }

        var serial = card ? start.Token!.SerialNumber!.Trim() : null;
        var collectionId = Ids.New();
        using var working = _instance.WorkOn(collectionId);
        var claimed = await ClaimAsync(access, action, request, collectionId, serial, channel, cancellationToken).ConfigureAwait(false);
        if (claimed is not null)
        {
            return claimed;
        }

        try
        {
            var keys = await KeysAsync(request, cancellationToken).ConfigureAwait(false);
            var wrapped = _keys.WrapForTransport(keys, transportPublicKey!, start.TransportHash, start.TransportKdf);
            if (!wrapped.IsSuccess)
            {
                return await FailClaimedAsync(access, action, request.Id, collectionId, wrapped.Error, channel).ConfigureAwait(false);
            }

            var released = request.Release(access.Caller.PersonId, Now, channel);
            if (!released.IsSuccess)
            {
                return await FailClaimedAsync(access, action, request.Id, collectionId, released.Error, channel).ConfigureAwait(false);
            }

            var kind = wrapped.Value.EphemeralPublicKey is null ? "RSA" : "EC P-256";
            var how = $"wrapped for the collecting client's transport key ({wrapped.Value.Algorithm}, {kind} key SHA-256 fingerprint {Fingerprint(transportPublicKey!)})";
            await AuditReleaseAsync(access, request, keys, card ? $"{how}; {Describe(start.Token!)}" : how, channel, cancellationToken).ConfigureAwait(false);
            StageNotice(
                target,
                "Your recovered keys were released for collection",
                $"{access.Caller.LogonName} began collecting the recovered keys of {keys.Count} of your encryption certificate(s): they were sent, encrypted for this collection only, to the collecting program" +
                (serial is null ? ".\n" : $", to be written to smart card {serial}.\n") +
                $"Request: {request.Id}\n\nIf you did not expect this, contact your security team.");
            try
            {
                await _store.SaveChangesAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (ConcurrencyConflictException)
            {
                return await FailClaimedAsync(access, action, request.Id, collectionId, RequestErrors.NotCollectable.WithDetail("The release could not be recorded; the keys were withheld and the request can be collected again."), channel).ConfigureAwait(false);
            }

            var view = await ViewAsync(access, request, target, profile, cancellationToken).ConfigureAwait(false);
            var serials = view.Certificates.ToDictionary(c => c.Id, c => c.SerialNumber, StringComparer.Ordinal);
            return new CollectionView(
                collectionId,
                wrapped.Value.Algorithm,
                wrapped.Value.WrappedTransportKey,
                wrapped.Value.EphemeralPublicKey,
                wrapped.Value.Keys.Select(k => new CollectedKeyView(k.CertificateId, serials.GetValueOrDefault(k.CertificateId, string.Empty), keys.First(x => x.CertificateId == k.CertificateId).CertificateDer, k.WrappedKey)).ToList(),
                _keys.Chain,
                view);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            var failed = await FailClaimedAsync(access, action, request.Id, collectionId, RequestErrors.CollectionFailed, channel).ConfigureAwait(false);
            if (ex is OperationCanceledException || IsStorageFault(ex))
            {
                // The caller went away, or the database did: the request is back (or the heartbeat returns it), and the
                // server's one mapping answers a storage fault with 503 and Retry-After rather than a collection bug.
                throw;
            }

            return failed;
        }
    }

    /// <summary>
    /// The collecting client reports success: the keys are installed. For a card, the token is the one reported at the
    /// start of the collection; a new card is recorded as a device of the owner holding the recovered certificates, and
    /// an update's card record gains them and loses those the client removed (only certificates the request removes).
    /// </summary>
    public async Task<Result<RequestView>> CompleteCollectionAsync(AccessContext access, string requestId, string collectionId, CollectionReport report, Channel channel, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(access);
        ArgumentNullException.ThrowIfNull(report);
        const string action = "recovery.collect";
        var (request, target, profile, refused) = await LoadCollectionAsync(access, action, requestId, collectionId, channel, cancellationToken).ConfigureAwait(false);
        if (refused is not null)
        {
            return refused;
        }

        var now = Now;
        var reported = Trim(report.SerialNumber);
        var serial = request.CollectionSerial;
        if (serial is not null && reported is not null && !string.Equals(reported, serial, StringComparison.Ordinal))
        {
            return await RefuseAsync(access, action, request.TargetId, request.Id, RequestErrors.DeviceMismatch.WithDetail($"This collection writes to the token reported when it began; the token reported now is '{Shorten(reported)}'."), channel, cancellationToken).ConfigureAwait(false);
        }

        var removedIds = (report.RemovedCertificateIds ?? []).Distinct(StringComparer.Ordinal).ToList();
        var removable = request.Kind == RequestKind.DeviceUpdate
            ? (await ViewAsync(access, request, target, profile, cancellationToken).ConfigureAwait(false)).Removes.Select(c => c.Id).ToHashSet(StringComparer.Ordinal)
            : [];
        if (removedIds.FirstOrDefault(id => !removable.Contains(id)) is { } stray)
        {
            return await RefuseAsync(access, action, request.TargetId, request.Id, RequestErrors.RemovalNotAllowed.WithDetail($"Certificate '{Shorten(stray)}' is not one this request removes from the card."), channel, cancellationToken).ConfigureAwait(false);
        }

        string? deviceId = null;
        string where;
        switch (request.Kind)
        {
            case RequestKind.DeviceUpdate:
                where = $"onto smart card {serial}" + (removedIds.Count > 0 ? $", removing {removedIds.Count} certificate(s) the request did not keep ({string.Join(", ", removedIds)})" : string.Empty);
                await PlaceAsync(request.Certificates.Select(c => c.CertificateId).ToList(), request.DeviceId, cancellationToken).ConfigureAwait(false);
                await PlaceAsync(removedIds, null, cancellationToken).ConfigureAwait(false);
                break;
            case RequestKind.NewDevice:
                var card = new Device(Ids.New(), DeviceType.SmartCard, serial!, target.Id, profile.Id, now);
                _store.Add(card);
                deviceId = card.Id;
                where = $"onto new smart card {serial}";
                await PlaceAsync(request.Certificates.Select(c => c.CertificateId).ToList(), card.Id, cancellationToken).ConfigureAwait(false);
                break;
            default:
                var package = new Device(Ids.New(), DeviceType.SoftCertificatePackage, $"STORE-{request.Id}", target.Id, profile.Id, now);
                _store.Add(package);
                deviceId = package.Id;
                where = "into the owner's certificate store";
                break;
        }

        request.Complete(access.Caller.PersonId, deviceId, now, channel);
        await AuditAsync(access, action, request, $"Collected recovery request {request.Id}: {request.Certificates.Count} recovered key(s) installed {where}.", channel, cancellationToken).ConfigureAwait(false);
        StageNotice(
            target,
            "Your recovered keys were collected",
            $"{access.Caller.LogonName} collected the recovered keys of {request.Certificates.Count} of your encryption certificate(s) {where}.\n" +
            $"Request: {request.Id}\n\nIf you did not expect this, contact your security team.");
        try
        {
            await _store.SaveChangesAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (ConcurrencyConflictException)
        {
            // The token serial is unique per type: another card with this serial was recorded since the collection began.
            _store.DiscardChanges();
            return await RefuseAsync(access, action, request.TargetId, request.Id, RequestErrors.DeviceMismatch.WithDetail($"The token's serial number '{serial}' cannot be used for a new card: a card with it is on record."), channel, cancellationToken).ConfigureAwait(false);
        }

        return await ViewAsync(access, request, target, profile, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// The collecting client reports failure: the request is collectable again with the failure in its history —
    /// or, when its releases are used up, needs a new approval. The keys were released at the start of the
    /// collection, so the audit trail records this as "released, then reported failed"; it never erases the release.
    /// </summary>
    public async Task<Result<RequestView>> FailCollectionAsync(AccessContext access, string requestId, string collectionId, string? reason, Channel channel, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(access);
        const string action = "recovery.collect";
        var (request, target, profile, refused) = await LoadCollectionAsync(access, action, requestId, collectionId, channel, cancellationToken).ConfigureAwait(false);
        if (refused is not null)
        {
            return refused;
        }

        // A failure is always recorded, within what a history note holds
        // (docs/recovery.md#system-store-and-smart-cards-the-collecting-client).
        var failure = Shorten(Trim(reason) ?? "The collecting client reported a failure.");
        var released = request.Releases;
        var reapprove = request.Fail(access.Caller.PersonId, failure, Now, channel).Value;
        await _audit.AppendAsync(
            new AuditEntry(access.Caller.PersonId, access.Caller.LogonName, action, AuditOutcome.Failed, channel,
                $"Collection {collectionId} of recovery request {request.Id}: keys released (release {released} of {request.ReleasesAllowed}), then reported failed by the collecting client: {failure} {AfterFailure(request, reapprove)}",
                SubjectId: request.TargetId, TargetId: request.Id),
            cancellationToken).ConfigureAwait(false);
        await _store.SaveChangesAsync(cancellationToken).ConfigureAwait(false);
        return await ViewAsync(access, request, target, profile, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The request holding collection <paramref name="collectionId"/> of this collector, or the refusal (already audited).</summary>
    private async Task<(RecoveryRequest Request, Person Target, CredentialProfile Profile, Error? Refused)> LoadCollectionAsync(
        AccessContext access, string action, string requestId, string collectionId, Channel channel, CancellationToken cancellationToken)
    {
        var (request, target, profile) = await LoadVisibleAsync(access, requestId, cancellationToken).ConfigureAwait(false);
        if (request is null || target is null || profile is null)
        {
            return (null!, null!, null!, await RefuseAsync(access, action, null, null, RequestErrors.NotFound, channel, cancellationToken).ConfigureAwait(false));
        }

        if (request.Status != RequestStatus.InProgress || request.CollectionId != collectionId || request.CollectorId != access.Caller.PersonId)
        {
            return (null!, null!, null!, await RefuseAsync(access, action, request.TargetId, request.Id, RequestErrors.CollectionNotFound, channel, cancellationToken).ConfigureAwait(false));
        }

        return (request, target, profile, null);
    }

    /// <summary>
    /// Who may collect (docs/recovery.md#collecting): the owner through a "My" operation, or an operator with the
    /// collect operation in scope — never for a System Store request; both on the profile's Can collect list.
    /// <see cref="RequestActions"/> asks the same.
    /// </summary>
    internal static Error? CollectRules(AccessContext access, RecoveryRequest request, PersonRef target, CredentialProfile profile)
    {
        var owner = target.Id == access.Caller.PersonId;
        if (!owner && request.Kind == RequestKind.SoftCertificate && profile.SoftCertificateLocation == SoftCertificateLocation.SystemStore)
        {
            return RequestErrors.SystemStoreOwnerOnly;
        }

        var operation = (request.Kind, owner) switch
        {
            (RequestKind.NewDevice, true) => Operation.CollectMyCard,
            (RequestKind.NewDevice, false) => Operation.CollectCard,
            (RequestKind.DeviceUpdate, true) => Operation.CollectMyUpdates,
            (RequestKind.DeviceUpdate, false) => Operation.CollectUpdates,
            (_, true) => Operation.CollectMySoftCertificate,
            _ => Operation.CollectSoftCertificate,
        };
        return access.Policy.Decide(access.Caller, operation, target, profile) switch
        {
            AccessDecision.Allowed => null,
            AccessDecision.TargetDisabled => RequestErrors.TargetDisabled,
            AccessDecision.RoleNotPermittedByProfile => RequestErrors.CannotCollect.WithDetail($"None of your roles that may collect this is on the Can collect list of profile '{profile.Name}'."),
            AccessDecision.TargetOutOfScope => RequestErrors.Forbidden.WithDetail($"The person is outside the scope of your {operation} role."),
            _ => RequestErrors.Forbidden.WithDetail($"Collecting this request needs a role that grants {operation}."),
        };
    }

    /// <summary>
    /// Takes the request for this collector as collection <paramref name="collectionId"/>, held by this process's lease,
    /// or answers why not. Null when taken. The caller marks the collection as worked on (<see cref="ServerInstance.WorkOn"/>)
    /// before, so a taken collection is never mistaken for one left behind.
    /// </summary>
    private async Task<Error?> ClaimAsync(AccessContext access, string action, RecoveryRequest request, string collectionId, string? serial, Channel channel, CancellationToken cancellationToken)
    {
        var begun = request.BeginCollection(access.Caller.PersonId, _instance.Id, Now, channel, collectionId, serial);
        if (!begun.IsSuccess)
        {
            return await RefuseAsync(access, action, request.TargetId, request.Id, begun.Error, channel, cancellationToken).ConfigureAwait(false);
        }

        try
        {
            await _store.SaveChangesAsync(cancellationToken).ConfigureAwait(false);
            return null;
        }
        catch (ConcurrencyConflictException)
        {
            _store.DiscardChanges();
            return await RefuseAsync(access, action, request.TargetId, request.Id, RequestErrors.NotCollectable.WithDetail("Another collector took this request a moment ago."), channel, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// The failure path of a collection this process took: forgets everything staged, reads the request again and —
    /// if it is still this collection — returns it to AwaitingIssue with the failure in its history and the audit
    /// trail. Runs to the end even when the caller has gone (no cancellation), and never throws for a lost race:
    /// whoever changed the request meanwhile decided its state.
    /// </summary>
    private async Task<Error> FailClaimedAsync(AccessContext access, string action, string requestId, string collectionId, Error error, Channel channel)
    {
        _store.DiscardChanges();
        try
        {
            var request = await _store.FirstOrDefaultAsync(_store.Requests.Where(r => r.Id == requestId), CancellationToken.None).ConfigureAwait(false);
            if (request is not { Status: RequestStatus.InProgress } || request.CollectionId != collectionId)
            {
                return error;
            }

            var when = request.CollectionHolder is null
                ? $"after its keys were released (release {request.Releases} of {request.ReleasesAllowed}) but before the answer left"
                : "before any key was released";
            var reapprove = request.Fail(access.Caller.PersonId, error.Detail, Now, channel).Value;
            await _audit.AppendAsync(
                new AuditEntry(access.Caller.PersonId, access.Caller.LogonName, action, AuditOutcome.Failed, channel, $"Collection {collectionId} of recovery request {request.Id} failed {when}: {error.Detail} {AfterFailure(request, reapprove)}", SubjectId: request.TargetId, TargetId: request.Id, Code: error.Code),
                CancellationToken.None).ConfigureAwait(false);
            await _store.SaveChangesAsync(CancellationToken.None).ConfigureAwait(false);
        }
        catch (ConcurrencyConflictException)
        {
            _store.DiscardChanges();
        }

        return error;
    }

    /// <summary>
    /// Collects a completed File Store request once more for the collector it was released to, within the re-collect
    /// window and the release limit: the first answer may never have arrived. Audited as another release.
    /// </summary>
    private async Task<Result<CollectedPfx>> CollectPfxAgainAsync(AccessContext access, RecoveryRequest request, Person target, CredentialProfile profile, string? password, Channel channel, CancellationToken cancellationToken)
    {
        const string action = "recovery.collect";
        var again = request.ReleaseAgain(access.Caller.PersonId, Now, _collection.RecollectWindow, channel);
        if (!again.IsSuccess)
        {
            return await RefuseAsync(access, action, request.TargetId, request.Id, again.Error, channel, cancellationToken).ConfigureAwait(false);
        }

        var keys = await KeysAsync(request, cancellationToken).ConfigureAwait(false);
        var generated = password is null;
        var drawn = generated ? _keys.GeneratePassword(profile.PasswordPolicy) : null;
        var secret = password ?? drawn!.Value;
        var built = _keys.BuildPfx(keys, secret, profile.PfxProtection, drawn is { HasFullEntropy: true });
        if (!built.IsSuccess)
        {
            return await RefuseAsync(access, action, request.TargetId, request.Id, built.Error, channel, cancellationToken).ConfigureAwait(false);
        }

        await AuditReleaseAsync(access, request, keys, PfxRelease(profile, generated) + ", collected again after an answer that may not have arrived", channel, CancellationToken.None).ConfigureAwait(false);
        StagePfxNotice(access, target, request, keys.Count);
        try
        {
            await _store.SaveChangesAsync(CancellationToken.None).ConfigureAwait(false);
        }
        catch (ConcurrencyConflictException)
        {
            CryptographicZero(built.Value);
            return await RefuseAsync(access, action, request.TargetId, request.Id, RequestErrors.NotCollectable.WithDetail("Another collection of this request was recorded a moment ago; this PFX was withheld."), channel, CancellationToken.None).ConfigureAwait(false);
        }

        var view = await ViewAsync(access, request, target, profile, cancellationToken).ConfigureAwait(false);
        return new CollectedPfx(built.Value, generated ? secret : null, view.Certificates, view);
    }

    /// <summary>The audit entry of a release: who, which request, which certificates, how protected — in the transaction that records it.</summary>
    private Task AuditReleaseAsync(AccessContext access, RecoveryRequest request, IReadOnlyList<KeyToRecover> keys, string how, Channel channel, CancellationToken cancellationToken)
    {
        var serials = string.Join(", ", keys.Select(k => k.CertificateId));
        return _audit.AppendAsync(
            new AuditEntry(access.Caller.PersonId, access.Caller.LogonName, ReleaseAction, AuditOutcome.Succeeded, channel,
                $"Released the keys of recovery request {request.Id} to {access.Caller.LogonName} (release {request.Releases} of {request.ReleasesAllowed}): certificates {serials}; {how}.",
                SubjectId: request.TargetId, TargetId: request.Id),
            cancellationToken);
    }

    private void StagePfxNotice(AccessContext access, Person target, RecoveryRequest request, int count) =>
        StageNotice(
            target,
            "Your recovered keys were collected",
            $"{access.Caller.LogonName} collected the recovered keys of {count} of your encryption certificate(s) as a password-protected PFX file.\n" +
            $"Request: {request.Id}\n\nIf you did not expect this, contact your security team.");

    private static string PfxRelease(CredentialProfile profile, bool generated) =>
        $"in a PFX ({(profile.PfxProtection == PfxProtection.Aes256Sha256 ? "AES-256-CBC, PBKDF2-HMAC-SHA256" : "TripleDES-SHA1 (legacy)")}, password {(generated ? "generated by Keyward and shown once" : "chosen by the collector")})";

    private static string AfterFailure(RecoveryRequest request, bool reapprove) =>
        request.Status switch
        {
            RequestStatus.AwaitingIssue => "The request can be collected again.",
            RequestStatus.AwaitingValidation when reapprove => $"Its {request.ReleasesAllowed} release(s) are used up: the request needs a new approval.",
            _ => $"The request is {request.Status}.",
        };

    /// <summary>Whether <paramref name="ex"/> comes from the database (its driver's exception anywhere in the chain), not from Keyward.</summary>
    private static bool IsStorageFault(Exception ex)
    {
        for (var e = ex; e is not null; e = e.InnerException)
        {
            if (e is System.Data.Common.DbException)
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>
    /// Why the token a card collection reports cannot take this request's keys, or null: it must name a serial; an
    /// update's card must be the request's, still active and the owner's; a new card must not be on record. The
    /// refusal never names the expected serial: the client must read it from the token.
    /// </summary>
    private async Task<Error?> TokenRefusalAsync(RecoveryRequest request, Person target, TokenReport? token, CancellationToken cancellationToken)
    {
        var serial = Trim(token?.SerialNumber);
        if (serial is null || serial.Length > MaxSerialLength)
        {
            return RequestErrors.SerialNumberRequired.WithDetail($"Report the serial number of the token the keys are written to, as the token gives it (1 to {MaxSerialLength} characters).");
        }

        if (request.Kind == RequestKind.DeviceUpdate)
        {
            var device = await _store.FirstOrDefaultAsync(_store.Devices.Where(d => d.Id == request.DeviceId), cancellationToken).ConfigureAwait(false);
            if (device is null || device.OwnerId != target.Id || device.Type != DeviceType.SmartCard || device.Status != DeviceStatus.Active)
            {
                return RequestErrors.DeviceNotUpdatable.WithDetail($"The card this request updates is no longer an active card of {target.LogonName}{(device is null ? string.Empty : $" (it is {device.Status})")}.");
            }

            return string.Equals(device.SerialNumber, serial, StringComparison.Ordinal)
                ? null
                : RequestErrors.DeviceMismatch.WithDetail($"The token presented (serial '{serial}') is not the card this request updates; nothing was released.");
        }

        var onRecord = await _store.FirstOrDefaultAsync(_store.Devices.Where(d => d.Type == DeviceType.SmartCard && d.SerialNumber == serial), cancellationToken).ConfigureAwait(false);
        return onRecord is null
            ? null
            : RequestErrors.DeviceMismatch.WithDetail($"The token presented (serial '{serial}') is already on record as a card; a new card must be one Keyward has not issued.");
    }

    /// <summary>The token as the audit records it: what the client reported, and that it was not proven.</summary>
    private static string Describe(TokenReport token) =>
        $"to be written to token serial '{Field(token.SerialNumber)}', label '{Field(token.Label)}', " +
        $"manufacturer '{Field(token.Manufacturer)}', model '{Field(token.Model)}' (client-reported, not attested); " +
        (token.TransportKeyOnToken
            ? "transport key generated on the token (client-reported non-extractable): the keys are unwrapped inside the token"
            : "transport key generated in software: the keys pass through the collecting client's memory");

    /// <summary>A token information field as the audit keeps it: PKCS#11 gives at most 32 characters, so more is cut.</summary>
    private static string Field(string? text) => Trim(text) is { } field ? (field.Length <= MaxSerialLength ? field : field[..MaxSerialLength] + "…") : string.Empty;

    /// <summary>Records that the certificates <paramref name="ids"/> are now on device <paramref name="deviceId"/> (null: on none).</summary>
    private async Task PlaceAsync(List<string> ids, string? deviceId, CancellationToken cancellationToken)
    {
        if (ids.Count == 0)
        {
            return;
        }

        foreach (var certificate in await _store.ToListAsync(_store.Certificates.Where(c => ids.Contains(c.Id)), cancellationToken).ConfigureAwait(false))
        {
            certificate.PlaceOn(deviceId);
        }
    }

    private static string Fingerprint(byte[] spki) => Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(spki));

    private async Task<IReadOnlyList<KeyToRecover>> KeysAsync(RecoveryRequest request, CancellationToken cancellationToken)
    {
        var ids = request.Certificates.Select(c => c.CertificateId).ToList();
        var rows = await _store.ToListAsync(
            _store.Certificates.Where(c => ids.Contains(c.Id))
                .Join(_store.ArchivedKeys, c => c.ArchivedKeyId, k => k.Id, (c, k) => new { c.Id, c.SerialNumber, c.RawData, k.Envelope }),
            cancellationToken).ConfigureAwait(false);
        return ids.Select(id => rows.First(r => r.Id == id)).Select(r => new KeyToRecover(r.Id, r.RawData, r.Envelope)).ToList();
    }

    /// <summary>The text cut to <see cref="MaxNotes"/> characters (marked with an ellipsis), never inside a surrogate pair.</summary>
    private static string Shorten(string text)
    {
        if (text.Length <= MaxNotes)
        {
            return text;
        }

        var cut = MaxNotes - 1;
        if (char.IsHighSurrogate(text[cut - 1]))
        {
            cut--;
        }

        return text[..cut] + "…";
    }

    private static void CryptographicZero(byte[] buffer) => Array.Clear(buffer);

    private static string KeyList(IReadOnlyList<KeyToRecover> keys) =>
        keys.Count == 1 ? "1 certificate" : $"{keys.Count} certificates";
}
