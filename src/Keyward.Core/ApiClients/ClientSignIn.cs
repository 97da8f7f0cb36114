using Keyward.Audit;
using Keyward.Common;

namespace Keyward.ApiClients;

public static class SignInErrors
{
    public static readonly Error UnknownClient = new("auth.invalid_client", ErrorKind.Unauthorized, "Invalid client", "The client id or secret is not valid.");

    public static readonly Error PersonDisabled = new("auth.person_disabled", ErrorKind.Unauthorized, "Person disabled", "The person this client acts as is disabled.");

    public static readonly Error InvalidToken = new("auth.invalid_token", ErrorKind.Unauthorized, "Not authenticated", "The access token is missing, malformed, forged or expired.");

    public static readonly Error RateLimited = new("auth.rate_limited", ErrorKind.TooManyRequests, "Too many failed sign-ins", "Too many sign-ins were refused for this client id or from this address lately; wait before trying again.");

    public static readonly Error InvalidCredentials = new("auth.invalid_credentials", ErrorKind.Unauthorized, "Sign-in refused", "The logon name or the password is not right.");

    public static readonly Error TokenInQuery = new("auth.token_in_query", ErrorKind.Validation, "Access token in the address", "An access token must not be sent in the query string (access_token); send it as 'Authorization: Bearer <token>', and treat the token that was sent as leaked.");
}

/// <summary>
/// Decides whether an API client, already authenticated by its secret, may receive a token, and as whom.
/// Every refusal is audited as a sign-in failure through <see cref="SignInFailureTally"/>, so that a flood of
/// failures makes a few entries that carry their count rather than one entry each.
/// </summary>
public sealed class ClientSignIn
{
    private readonly IKeywardStore _store;
    private readonly AuditTrail _audit;
    private readonly SignInFailureTally _failures;

    public ClientSignIn(IKeywardStore store, AuditTrail audit, SignInFailureTally failures)
    {
        _store = store;
        _audit = audit;
        _failures = failures;
    }

    /// <summary>The person the client acts as, when that person exists and is enabled.</summary>
    public async Task<Result<People.Person>> ResolveAsync(string clientId, SignInOrigin origin, CancellationToken cancellationToken)
    {
        var binding = await _store.FirstOrDefaultAsync(_store.ApiClients.Where(c => c.ClientId == clientId), cancellationToken).ConfigureAwait(false);
        var person = binding is null ? null : await _store.FirstOrDefaultAsync(_store.People.Where(p => p.Id == binding.PersonId), cancellationToken).ConfigureAwait(false);
        if (person is null)
        {
            // The secret was right: the client is known, so its failures are counted against its id.
            await RecordFailureAsync(new SignInFailure(clientId, null, SignInErrors.UnknownClient, origin, ByAddress: false), cancellationToken).ConfigureAwait(false);
            return SignInErrors.UnknownClient;
        }

        if (!person.Enabled)
        {
            await RecordFailureAsync(new SignInFailure(clientId, person.Id, SignInErrors.PersonDisabled, origin, ByAddress: false), cancellationToken).ConfigureAwait(false);
            return SignInErrors.PersonDisabled;
        }

        return person;
    }

    /// <summary>
    /// Counts a failed sign-in (bad secret, unknown client, disabled person, too many attempts) and appends the
    /// entries the tally answers, if any, in a unit of work of their own.
    /// </summary>
    public async Task RecordFailureAsync(SignInFailure failure, CancellationToken cancellationToken) =>
        await AppendAsync(_failures.Count(failure), cancellationToken).ConfigureAwait(false);

    /// <summary>
    /// Appends entries that <see cref="SignInFailureTally.TakeClosed"/> or <see cref="SignInFailureTally.TakeAll"/>
    /// answered (the counts of closed minutes), in a unit of work of their own.
    /// </summary>
    public Task AppendCountedFailuresAsync(IReadOnlyList<AuditEntry> entries, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(entries);
        return AppendAsync(entries, cancellationToken);
    }

    private async Task AppendAsync(IReadOnlyList<AuditEntry> entries, CancellationToken cancellationToken)
    {
        if (entries.Count == 0)
        {
            return;
        }

        _store.DiscardChanges();
        foreach (var entry in entries)
        {
            await _audit.AppendAsync(entry, cancellationToken).ConfigureAwait(false);
        }

        await _store.SaveChangesAsync(cancellationToken).ConfigureAwait(false);
    }
}
