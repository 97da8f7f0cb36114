using Keyward.ApiClients;
using Keyward.Common;
using Keyward.People;
using Keyward.Recovery;
using Keyward.Server.Auth;
using Microsoft.AspNetCore.Identity;

namespace Keyward.Server.Web;

/// <summary>
/// Signs a person in to the Operator Client with their password, checked by ASP.NET Core Identity's
/// <see cref="PasswordHasher{TUser}"/> (PBKDF2, the hasher that set the hash). Refusals are audited and counted like
/// the token endpoint's (<see cref="ClientSignIn.RecordFailureAsync"/>: action <c>auth.sign_in</c>, channel Web), and
/// the limits are asked before the password is checked, so a locked logon name learns nothing from a right password.
/// An unknown logon name costs a hash check too, so timing does not tell which names exist.
/// </summary>
internal sealed class PasswordSignIn
{
    /// <summary>Longer logon names and passwords are refused unread (a hash check of a megabyte costs real time).</summary>
    public const int MaxLength = 200;

    private static readonly PasswordHasher<Person> Hasher = new();
    private static readonly Person Decoy = new("(none)", "(none)", "(none)", "(none)", "(none)", enabled: false);
    private static readonly string DecoyHash = Hasher.HashPassword(Decoy, Guid.NewGuid().ToString());

    private readonly Common.IKeywardStore _store;
    private readonly ClientSignIn _audit;
    private readonly WebSignInLimits _limits;

    public PasswordSignIn(Common.IKeywardStore store, ClientSignIn audit, WebSignInLimits limits)
    {
        _store = store;
        _audit = audit;
        _limits = limits;
    }

    /// <summary>The person whose logon name and password these are, when they exist, are enabled and are not locked out.</summary>
    public async Task<Result<Person>> SignInAsync(string? logonName, string? password, string address, CancellationToken cancellationToken)
    {
        var logon = (logonName ?? string.Empty).Trim().ToLowerInvariant();
        logon = logon.Length > SignInAttempt.MaxClientIdLength ? logon[..SignInAttempt.MaxClientIdLength] : logon;
        var attempt = new SignInAttempt(logon.Length == 0 ? SignInAttempt.NoClientId : logon, new SignInOrigin(address, Channel.Web));
        if (!_limits.Throttle.HasRoom(attempt))
        {
            await _audit.RecordFailureAsync(new SignInFailure(attempt.ClientId, null, SignInErrors.RateLimited, attempt.Origin, ByAddress: false), cancellationToken).ConfigureAwait(false);
            return SignInErrors.RateLimited.WithDetail("Too many sign-ins were refused for this logon name or from this address lately; wait a while before trying again.");
        }

        password ??= string.Empty;
        var person = logon.Length == 0 || password.Length > MaxLength
            ? null
            : await _store.FirstOrDefaultAsync(_store.People.Where(p => p.LogonName == logon), cancellationToken).ConfigureAwait(false);
        if (person?.PasswordHash is not { } hash)
        {
            _ = Hasher.VerifyHashedPassword(Decoy, DecoyHash, password.Length > MaxLength ? string.Empty : password);
            return await RefuseAsync(attempt, null, SignInErrors.InvalidCredentials, byAddress: true, cancellationToken).ConfigureAwait(false);
        }

        var verified = Hasher.VerifyHashedPassword(person, hash, password);
        if (verified == PasswordVerificationResult.Failed)
        {
            return await RefuseAsync(attempt, person.Id, SignInErrors.InvalidCredentials, byAddress: false, cancellationToken).ConfigureAwait(false);
        }

        if (!person.Enabled)
        {
            return await RefuseAsync(attempt, person.Id, SignInErrors.PersonDisabled.WithDetail("This person is disabled and cannot sign in."), byAddress: false, cancellationToken).ConfigureAwait(false);
        }

        if (verified == PasswordVerificationResult.SuccessRehashNeeded)
        {
            person.SetPasswordHash(Hasher.HashPassword(person, password));
            await _store.SaveChangesAsync(cancellationToken).ConfigureAwait(false);
        }

        return person;
    }

    private async Task<Result<Person>> RefuseAsync(SignInAttempt attempt, string? personId, Error error, bool byAddress, CancellationToken cancellationToken)
    {
        _limits.Throttle.CountFailure(attempt);
        await _audit.RecordFailureAsync(new SignInFailure(attempt.ClientId, personId, error, attempt.Origin, byAddress), cancellationToken).ConfigureAwait(false);
        return error;
    }
}
