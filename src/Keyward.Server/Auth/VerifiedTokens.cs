using System.Collections.Concurrent;
using System.Security.Claims;
using System.Security.Cryptography;
using System.Text;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;
using OpenIddict.Abstractions;
using OpenIddict.Validation.AspNetCore;

namespace Keyward.Server.Auth;

/// <summary>
/// Access tokens that passed OpenIddict's validation, each with the principal it gave, until the token expires
/// (docs/security.md, "Access tokens"). A client sends the same token on every call for as long as it lives; checking
/// it again each time — its encoding, its signature, its claims — was a quarter of an authenticated read's work.
/// </summary>
/// <remarks>
/// A token is kept by its SHA-256 digest, never by its text: the cache holds no bearer credential, and finding an
/// entry compares digests, not secrets. Only a token OpenIddict accepted is kept, with the principal OpenIddict built,
/// so a hit accepts exactly what a full check would until the token's own expiry, read by the server's clock. What
/// can end a token sooner is the person behind it, and that is decided after authentication on every call (the
/// access epoch, docs/architecture.md, "Resolving the caller"), cache or not.
/// </remarks>
internal sealed class VerifiedTokens
{
    /// <summary>The most tokens kept; past it, expired ones are dropped, and if that is not enough, all.</summary>
    internal const int Capacity = 10_000;

    private readonly ConcurrentDictionary<Digest, Entry> _entries = new();
    private readonly TimeProvider _clock;

    public VerifiedTokens(TimeProvider clock) => _clock = clock;

    internal int Count => _entries.Count;

    /// <summary>The principal of a token accepted before and not expired yet, or null.</summary>
    public ClaimsPrincipal? Find(string token)
    {
        var digest = Digest.Of(token);
        if (!_entries.TryGetValue(digest, out var entry))
        {
            return null;
        }

        if (entry.Expires > _clock.GetUtcNow())
        {
            return entry.Principal;
        }

        _entries.TryRemove(new KeyValuePair<Digest, Entry>(digest, entry));
        return null;
    }

    /// <summary>Keeps a token OpenIddict has just accepted, with its principal, until the token's expiry.</summary>
    public void Keep(string token, ClaimsPrincipal principal)
    {
        // A token without an expiry is never kept: each of its calls is checked in full.
        if (principal.GetExpirationDate() is not { } expires || expires <= _clock.GetUtcNow())
        {
            return;
        }

        if (_entries.Count >= Capacity)
        {
            Trim();
        }

        _entries[Digest.Of(token)] = new Entry(principal, expires);
    }

    private void Trim()
    {
        var now = _clock.GetUtcNow();
        foreach (var (key, entry) in _entries)
        {
            if (entry.Expires <= now)
            {
                _entries.TryRemove(new KeyValuePair<Digest, Entry>(key, entry));
            }
        }

        if (_entries.Count >= Capacity)
        {
            _entries.Clear();
        }
    }

    private sealed record Entry(ClaimsPrincipal Principal, DateTimeOffset Expires);

    /// <summary>A token's SHA-256, as the key it is kept by.</summary>
    private readonly record struct Digest(UInt128 High, UInt128 Low)
    {
        public static Digest Of(string token)
        {
            // A token is a few hundred characters; a header as long as Kestrel allows still fits in an array.
            Span<byte> hash = stackalloc byte[SHA256.HashSizeInBytes];
            var length = Encoding.UTF8.GetMaxByteCount(token.Length);
            Span<byte> text = length <= 1024 ? stackalloc byte[1024] : new byte[length];
            var written = Encoding.UTF8.GetBytes(token, text);
            SHA256.HashData(text[..written], hash);
            text[..written].Clear();
            return new Digest(BitConverter.ToUInt128(hash), BitConverter.ToUInt128(hash[16..]));
        }
    }
}

/// <summary>
/// The API's authentication scheme: a bearer token accepted before is answered from <see cref="VerifiedTokens"/>;
/// anything else — a new token, a bad one, none — goes to OpenIddict's validation, whose answer (and, on a refusal,
/// whose challenge) is the caller's.
/// </summary>
internal sealed class VerifiedTokenHandler(IOptionsMonitor<AuthenticationSchemeOptions> options, ILoggerFactory logger, UrlEncoder encoder, VerifiedTokens tokens)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    public const string SchemeName = "Keyward.Bearer";

    private const string Bearer = "Bearer ";

    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        // Exactly one Authorization header carrying a bearer token; anything else is OpenIddict's to judge.
        var headers = Request.Headers.Authorization;
        var token = headers.Count == 1 && headers[0] is { } header && header.StartsWith(Bearer, StringComparison.OrdinalIgnoreCase)
            ? header[Bearer.Length..].Trim()
            : null;
        if (!string.IsNullOrEmpty(token) && tokens.Find(token) is { } known)
        {
            return AuthenticateResult.Success(new AuthenticationTicket(known, SchemeName));
        }

        var result = await Context.AuthenticateAsync(OpenIddictValidationAspNetCoreDefaults.AuthenticationScheme).ConfigureAwait(false);
        if (result.Succeeded && !string.IsNullOrEmpty(token))
        {
            tokens.Keep(token, result.Principal);
        }

        return result;
    }
}
