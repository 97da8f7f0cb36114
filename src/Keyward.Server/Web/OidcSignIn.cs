using Keyward.ApiClients;
using Keyward.Audit;
using Keyward.Common;
using Keyward.People;
using Keyward.Recovery;
using Keyward.Server.Auth;

namespace Keyward.Server.Web;

/// <summary>
/// Signs a person in to the Operator Client on the word of the external OpenID Connect provider
/// (<see cref="WebOidcOptions"/>): the claim the provider vouches for must name exactly one Keyward person — by logon
/// name, or by e-mail address when that address is unique — and that person must be enabled. People are never
/// created. Refusals are audited and counted through the same path as refused password sign-ins
/// (<see cref="ClientSignIn.RecordFailureAsync"/>: action <c>auth.sign_in</c>, channel Web); a sign-in that succeeds is
/// audited too (<c>auth.sign_in</c>, Succeeded), naming the provider.
/// </summary>
internal sealed class OidcSignIn(IKeywardStore store, ClientSignIn signIns, AuditTrail audit, WebSignInLimits limits, WebOptions options)
{
    /// <summary>What a refused single sign-on shows on the sign-in page, keyed by the <c>refused</c> query value.</summary>
    public static readonly IReadOnlyDictionary<string, string> Refusals = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["unmatched"] = "Your account at the identity provider matches no Keyward person. Ask an administrator to check your logon name or e-mail address in Keyward.",
        ["disabled"] = "Your Keyward account is disabled and cannot sign in.",
        ["limited"] = "Too many sign-ins were refused lately; wait a while before trying again.",
        ["provider"] = "The identity provider did not sign you in. Try again, or sign in with your password.",
    };

    /// <summary>
    /// The person <paramref name="claimValue"/> names, or a refusal whose <see cref="Error.Code"/> maps to a key of
    /// <see cref="Refusals"/> through <see cref="RefusalKey"/>.
    /// </summary>
    public async Task<Result<Person>> SignInAsync(string? claimValue, string address, CancellationToken cancellationToken)
    {
        var oidc = options.Oidc;
        var value = (claimValue ?? string.Empty).Trim();
        var lowered = value.ToLowerInvariant();
        var shown = "oidc:" + (lowered.Length > SignInAttempt.MaxClientIdLength - 5 ? lowered[..(SignInAttempt.MaxClientIdLength - 5)] : lowered);
        var attempt = new SignInAttempt(shown, new SignInOrigin(address, Channel.Web));
        if (!limits.Throttle.HasRoom(attempt))
        {
            await signIns.RecordFailureAsync(new SignInFailure(attempt.ClientId, null, SignInErrors.RateLimited, attempt.Origin, ByAddress: false), cancellationToken).ConfigureAwait(false);
            return SignInErrors.RateLimited;
        }

        List<Person> matches = value.Length == 0 || value.Length > PasswordSignIn.MaxLength
            ? []
            : oidc.MatchClaim == WebOidcOptions.Email
                ? await store.ToListAsync(store.People.Where(p => p.Email == value || p.Email == lowered).OrderBy(p => p.Id).Take(2), cancellationToken).ConfigureAwait(false)
                : await store.ToListAsync(store.People.Where(p => p.LogonName == lowered).OrderBy(p => p.Id).Take(2), cancellationToken).ConfigureAwait(false);
        if (matches.Count != 1)
        {
            var unmatched = SignInErrors.InvalidCredentials.WithDetail(
                $"{oidc.DisplayName} (OpenID Connect) vouched for {oidc.MatchClaim} '{shown[5..]}', which names {(matches.Count == 0 ? "no" : "more than one")} Keyward person.");
            return await RefuseAsync(attempt, null, unmatched, cancellationToken).ConfigureAwait(false);
        }

        var person = matches[0];
        if (!person.Enabled)
        {
            return await RefuseAsync(attempt, person.Id, SignInErrors.PersonDisabled.WithDetail($"This person is disabled and cannot sign in (through {oidc.DisplayName}, OpenID Connect)."), cancellationToken).ConfigureAwait(false);
        }

        store.DiscardChanges();
        await audit.AppendAsync(
            new AuditEntry(person.Id, person.LogonName, "auth.sign_in", AuditOutcome.Succeeded, Channel.Web, $"Signed in to the Operator Client through {oidc.DisplayName} (OpenID Connect, {oidc.MatchClaim} '{shown[5..]}') from {address}.", SubjectId: person.Id),
            cancellationToken).ConfigureAwait(false);
        await store.SaveChangesAsync(cancellationToken).ConfigureAwait(false);
        return person;
    }

    /// <summary>The key of <see cref="Refusals"/> for a refusal that <see cref="SignInAsync"/> answered.</summary>
    public static string RefusalKey(Error error) =>
        error.Code == SignInErrors.RateLimited.Code ? "limited" : error.Code == SignInErrors.PersonDisabled.Code ? "disabled" : "unmatched";

    private async Task<Result<Person>> RefuseAsync(SignInAttempt attempt, string? personId, Error error, CancellationToken cancellationToken)
    {
        limits.Throttle.CountFailure(attempt);
        await signIns.RecordFailureAsync(new SignInFailure(attempt.ClientId, personId, error, attempt.Origin, ByAddress: false), cancellationToken).ConfigureAwait(false);
        return error;
    }
}
