using Keyward.Audit;
using Keyward.Common;
using Keyward.Recovery;

namespace Keyward.ApiClients;

public static class SignInErrors
{
    public static readonly Error UnknownClient = new("auth.invalid_client", ErrorKind.Unauthorized, "Invalid client", "The client id or secret is not valid.");

    public static readonly Error PersonDisabled = new("auth.person_disabled", ErrorKind.Unauthorized, "Person disabled", "The person this client acts as is disabled.");

    public static readonly Error InvalidToken = new("auth.invalid_token", ErrorKind.Unauthorized, "Not authenticated", "The access token is missing, malformed, forged or expired.");

    public static readonly Error TokenInQuery = new("auth.token_in_query", ErrorKind.Validation, "Access token in the address", "An access token must not be sent in the query string (access_token); send it as 'Authorization: Bearer <token>', and treat the token that was sent as leaked.");
}

/// <summary>
/// Decides whether an API client, already authenticated by its secret, may receive a token, and as whom.
/// Every refusal is audited as a sign-in failure.
/// </summary>
public sealed class ClientSignIn
{
    private readonly IKeywardStore _store;
    private readonly AuditTrail _audit;

    public ClientSignIn(IKeywardStore store, AuditTrail audit)
    {
        _store = store;
        _audit = audit;
    }

    /// <summary>The person the client acts as, when that person exists and is enabled.</summary>
    public async Task<Result<People.Person>> ResolveAsync(string clientId, CancellationToken cancellationToken)
    {
        var binding = await _store.FirstOrDefaultAsync(_store.ApiClients.Where(c => c.ClientId == clientId), cancellationToken).ConfigureAwait(false);
        var person = binding is null ? null : await _store.FirstOrDefaultAsync(_store.People.Where(p => p.Id == binding.PersonId), cancellationToken).ConfigureAwait(false);
        if (person is null)
        {
            await RecordFailureAsync(clientId, null, SignInErrors.UnknownClient, cancellationToken).ConfigureAwait(false);
            return SignInErrors.UnknownClient;
        }

        if (!person.Enabled)
        {
            await RecordFailureAsync(clientId, person.Id, SignInErrors.PersonDisabled, cancellationToken).ConfigureAwait(false);
            return SignInErrors.PersonDisabled;
        }

        return person;
    }

    /// <summary>Audits a failed sign-in (bad secret, unknown client, disabled person).</summary>
    public async Task RecordFailureAsync(string clientId, string? personId, Error error, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(error);
        _store.DiscardChanges();
        await _audit.AppendAsync(
            new AuditEntry(personId, clientId, "auth.sign_in", AuditOutcome.Refused, Channel.Api, error.Detail, SubjectId: personId, Code: error.Code),
            cancellationToken).ConfigureAwait(false);
        await _store.SaveChangesAsync(cancellationToken).ConfigureAwait(false);
    }
}
