using Keyward.Common;
using Keyward.Recovery;
using Keyward.Server.Auth;
using Keyward.Server.Problems;

namespace Keyward.Server.Recovery;

/// <summary>
/// The key recovery routes of docs/recovery.md: thin mapping onto <see cref="RecoveryWorkflow"/>. History records the
/// channel the client claims (<see cref="Authenticated.ClaimedChannel"/>).
/// </summary>
internal static class RecoveryEndpoints
{
    public static void MapRecoveryEndpoints(this RouteGroupBuilder api)
    {
        api.MapPost("/people/{id}/requests", async (Authenticated caller, RecoveryWorkflow workflow, string id, RequestBody body, CancellationToken ct) =>
                Created(await workflow.RequestAsync(caller.Access, id, new NewRequest(body.CredentialProfileId, body.RecoverCertificateIds), caller.ClaimedChannel, ct)))
            .Produces<RequestView>(StatusCodes.Status201Created).WithName("RequestRecovery").WithTags("Recovery");

        api.MapPost("/devices/{id}/certificateRecovery", async (Authenticated caller, RecoveryWorkflow workflow, string id, RequestBody body, CancellationToken ct) =>
                Created(await workflow.RequestDeviceUpdateAsync(caller.Access, id, new NewRequest(body.CredentialProfileId, body.RecoverCertificateIds), caller.ClaimedChannel, ct)))
            .Produces<RequestView>(StatusCodes.Status201Created).WithName("RequestDeviceUpdate").WithTags("Recovery");

        var requests = api.MapGroup("/requests").WithTags("Recovery");
        requests.MapGet("/", async (Authenticated caller, RecoveryWorkflow workflow, RequestStatus? status, string? targetId, int? page, int? pageSize, CancellationToken ct) =>
                ListResults.Ok(await workflow.ListAsync(caller.Access, new RequestFilter(status, targetId), new PageRequest(page, pageSize), ct)))
            .Produces<ListResponse<RequestView>>().WithName("ListRequests");
        requests.MapGet("/{id}", async (Authenticated caller, RecoveryWorkflow workflow, string id, CancellationToken ct) =>
                Problems.Problems.Ok(await workflow.GetAsync(caller.Access, id, ct)))
            .Produces<RequestView>().WithName("GetRequest");
        requests.MapPost("/{id}/approve", async (Authenticated caller, RecoveryWorkflow workflow, string id, NotesBody? body, CancellationToken ct) =>
                Problems.Problems.Ok(await workflow.ApproveAsync(caller.Access, id, body?.Notes, caller.ClaimedChannel, ct)))
            .Produces<RequestView>().WithName("ApproveRequest");
        requests.MapPost("/{id}/reject", async (Authenticated caller, RecoveryWorkflow workflow, string id, ReasonBody? body, CancellationToken ct) =>
                Problems.Problems.Ok(await workflow.RejectAsync(caller.Access, id, body?.Reason, caller.ClaimedChannel, ct)))
            .Produces<RequestView>().WithName("RejectRequest");
        requests.MapPost("/{id}/cancel", async (Authenticated caller, RecoveryWorkflow workflow, string id, ReasonBody? body, CancellationToken ct) =>
                Problems.Problems.Ok(await workflow.CancelAsync(caller.Access, id, body?.Reason, caller.ClaimedChannel, ct)))
            .Produces<RequestView>().WithName("CancelRequest");

        requests.MapPost("/{id}/collect", async (Authenticated caller, RecoveryWorkflow workflow, HttpResponse response, string id, CollectBody? body, CancellationToken ct) =>
            {
                // The answer carries a private key (inside the PFX) and perhaps its password: never cache it.
                response.Headers.CacheControl = "no-store";
                var collected = await workflow.CollectPfxAsync(caller.Access, id, body?.Password, caller.ClaimedChannel, ct);
                return collected.IsSuccess
                    ? Results.Ok(new CollectResponse(collected.Value.Pfx, collected.Value.Password, collected.Value.Certificates, collected.Value.Request))
                    : Problems.Problems.From(collected.Error);
            })
            .Produces<CollectResponse>().WithName("CollectSoftCertificates");

        requests.MapPost("/{id}/collections", async (Authenticated caller, RecoveryWorkflow workflow, HttpResponse response, string id, CollectionBody? body, CancellationToken ct) =>
            {
                response.Headers.CacheControl = "no-store";
                byte[]? transportKey = null;
                if (body?.TransportKey is { } text && !TryBase64(text, out transportKey))
                {
                    transportKey = [];
                }

                if (Start(body, transportKey, out var refusal) is not { } start)
                {
                    return Problems.Problems.From(RequestErrors.TransportKeyInvalid.WithDetail(refusal));
                }

                var begun = await workflow.BeginCollectionAsync(caller.Access, id, start, caller.ClaimedChannel, ct);
                return begun.IsSuccess
                    ? Results.Created($"/api/requests/{id}/collections/{begun.Value.CollectionId}", begun.Value)
                    : Problems.Problems.From(begun.Error);
            })
            .Produces<CollectionView>(StatusCodes.Status201Created).WithName("BeginCollection");
        requests.MapPost("/{id}/collections/{collectionId}/complete", async (Authenticated caller, RecoveryWorkflow workflow, string id, string collectionId, CompleteBody? body, CancellationToken ct) =>
                Problems.Problems.Ok(await workflow.CompleteCollectionAsync(caller.Access, id, collectionId, new CollectionReport(body?.SerialNumber, body?.RemovedCertificateIds), caller.ClaimedChannel, ct)))
            .Produces<RequestView>().WithName("CompleteCollection");
        requests.MapPost("/{id}/collections/{collectionId}/fail", async (Authenticated caller, RecoveryWorkflow workflow, string id, string collectionId, ReasonBody? body, CancellationToken ct) =>
                Problems.Problems.Ok(await workflow.FailCollectionAsync(caller.Access, id, collectionId, body?.Reason, caller.ClaimedChannel, ct)))
            .Produces<RequestView>().WithName("FailCollection");
    }

    private static IResult Created(Result<RequestView> result) =>
        result.IsSuccess ? Results.Created($"/api/requests/{result.Value.Id}", result.Value) : Problems.Problems.From(result.Error);

    /// <summary>The begin step as the core takes it, or null (and why) when transportKeyHash or transportKeyKdf names no known value.</summary>
    private static CollectionStart? Start(CollectionBody? body, byte[]? transportKey, out string refusal)
    {
        var hash = body?.TransportKeyHash switch
        {
            null or "SHA-256" => TransportHash.Sha256,
            "SHA-1" => TransportHash.Sha1,
            _ => (TransportHash?)null,
        };
        var kdf = body?.TransportKeyKdf switch
        {
            null or "X9.63-SHA-256" => TransportKdf.X963Sha256,
            "none" => TransportKdf.None,
            _ => (TransportKdf?)null,
        };
        refusal = hash is null
            ? "transportKeyHash is 'SHA-256' (the default) or 'SHA-1', the OAEP hash an RSA transport key unwraps with."
            : "transportKeyKdf is 'X9.63-SHA-256' (the default) or 'none', how an EC transport key derives its key-encryption key.";
        if (hash is null || kdf is null)
        {
            return null;
        }

        var token = body?.Token is { } t ? new TokenReport(t.SerialNumber, t.Label, t.Manufacturer, t.Model, t.TransportKeyOnToken) : null;
        return new CollectionStart(transportKey, hash.Value, token) { TransportKdf = kdf.Value };
    }

    private static bool TryBase64(string text, out byte[] bytes)
    {
        var buffer = new byte[text.Length];
        if (Convert.TryFromBase64String(text, buffer, out var written))
        {
            bytes = buffer[..written];
            return true;
        }

        bytes = [];
        return false;
    }

    /// <summary>A recovery request: the profile (id or name) and the certificates whose keys to recover.</summary>
    internal sealed record RequestBody(string? CredentialProfileId, IReadOnlyList<string>? RecoverCertificateIds);

    internal sealed record NotesBody(string? Notes);

    internal sealed record ReasonBody(string? Reason);

    /// <summary>The PFX password; omit it and Keyward generates one and returns it once.</summary>
    internal sealed record CollectBody(string? Password);

    /// <summary>
    /// The collecting client's one-time transport public key (RSA or EC P-256 SubjectPublicKeyInfo, base64), the OAEP
    /// hash an RSA key unwraps with, the KDF an EC key derives its KEK with, and the token of a card collection.
    /// </summary>
    internal sealed record CollectionBody(string? TransportKey, string? TransportKeyHash, string? TransportKeyKdf, TokenBody? Token);

    /// <summary>The token a card collection writes to, read by the client from the token (docs/recovery.md#cards).</summary>
    internal sealed record TokenBody(string? SerialNumber, string? Label, string? Manufacturer, string? Model, bool TransportKeyOnToken);

    /// <summary>The serial number of the token the keys were written to (optional: the one reported at the start), and the certificates removed from it.</summary>
    internal sealed record CompleteBody(string? SerialNumber, IReadOnlyList<string>? RemovedCertificateIds);

    /// <summary>A collected PFX (base64); <c>password</c> is present only when Keyward generated it.</summary>
    internal sealed record CollectResponse(byte[] Pfx, string? Password, IReadOnlyList<RequestCertificateView> Certificates, RequestView Request);
}
