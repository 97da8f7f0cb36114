using Keyward.Recovery;
using Keyward.Server.Auth;
using Keyward.Server.KeyArchive;
using Keyward.Server.Notifications;
using Keyward.Server.People;
using Keyward.Server.Profiles;
using Keyward.Storage;

namespace Keyward.Server.Hosting;

/// <summary>How to run one server process. Bound from configuration section <c>Keyward</c> and the command line.</summary>
public sealed class KeywardServerOptions
{
    /// <summary>Holds the SQLite database and the server's key files.</summary>
    public string DataDirectory { get; set; } = "data";

    public StorageOptions Database { get; set; } = new();

    /// <summary>Seed the demo organisation on an empty database (refused on a database with other data).</summary>
    public bool Demo { get; set; }

    /// <summary>
    /// Accept token requests over plain HTTP. Off unless every listening address is loopback, so a
    /// developer's <c>http://localhost</c> works while a server on the network demands TLS.
    /// </summary>
    public bool AllowHttp { get; set; }

    /// <summary>The <c>iss</c> of access tokens; the same for every process of one deployment.</summary>
    public Uri Issuer { get; set; } = new("https://keyward.local/");

    /// <summary>How long an access token is valid.</summary>
    public TimeSpan AccessTokenLifetime { get; set; } = TimeSpan.FromMinutes(30);

    /// <summary>
    /// Encrypt access tokens (JWE, AES-256) as well as signing them. Off by default: a token carries only the
    /// person's id and its validity, and encryption costs every call an AES unwrap and decrypt (docs/security.md,
    /// "Access tokens").
    /// </summary>
    public bool EncryptAccessTokens { get; set; }

    /// <summary>Limits on refused token requests (section <c>Keyward:SignIn</c>).</summary>
    public SignInOptions SignIn { get; set; } = new();

    /// <summary>The Operator Client: its session timeout and sign-in limits (section <c>Keyward:Web</c>, docs/web.md).</summary>
    public Web.WebOptions Web { get; set; } = new();

    /// <summary>Largest request body accepted by default (bytes).</summary>
    public long MaxRequestBodyBytes { get; set; } = 1 * 1024 * 1024;

    /// <summary>Where the storage key and the CA key live.</summary>
    public KeyProtectorOptions KeyProtector { get; set; } = new();

    /// <summary>
    /// The address clients and relying parties use to reach this server (for the CRL distribution point in
    /// issued certificates). Defaults to the first listening address.
    /// </summary>
    public Uri? PublicUrl { get; set; }

    /// <summary>Set when <c>--demo</c> generated the key store passphrase (the banner says so).</summary>
    public bool GeneratedDemoPassphrase { get; set; }

    /// <summary>Largest people-import file accepted (bytes).</summary>
    public long MaxImportBodyBytes { get; set; } = 16 * 1024 * 1024;

    /// <summary>Passwords people choose (section <c>Keyward:Passwords</c>): the organisation's own list of passwords to refuse.</summary>
    public PasswordOptions Passwords { get; set; } = new();

    /// <summary>Where owner notifications go (section <c>Keyward:Mail</c>). The demo writes them to <c>mail/</c> in the data folder.</summary>
    public MailOptions Mail { get; set; } = new();

    /// <summary>How often uncollected requests past their expiry are cancelled.</summary>
    public TimeSpan RequestExpiryInterval { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>
    /// A collection whose collecting client has not completed or failed it after this long is released: the
    /// request is collectable again. Long enough for writing a card; short enough that a crash does not strand keys.
    /// </summary>
    public TimeSpan AbandonedCollectionTimeout { get; set; } = TimeSpan.FromMinutes(30);

    /// <summary>Metrics: <c>/metrics</c> and OTLP (section <c>Keyward:Metrics</c>).</summary>
    public MetricsOptions Metrics { get; set; } = new();

    /// <summary>Directory sync from LDAP or Active Directory (section <c>Keyward:Directory</c>; docs/directory.md). Off unless configured.</summary>
    public DirectoryOptions Directory { get; set; } = new();

    /// <summary>Re-collect window and server leases (section <c>Keyward:Collection</c>; docs/recovery.md).</summary>
    public CollectionOptions Collection { get; set; } = new();
}
