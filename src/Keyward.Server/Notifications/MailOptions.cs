namespace Keyward.Server.Notifications;

/// <summary>How the connection to the SMTP server is protected.</summary>
public enum MailSecurity
{
    /// <summary>Plain SMTP, no TLS (a relay on the same host or a trusted network only).</summary>
    None = 1,

    /// <summary>Connect in plain text, then upgrade with STARTTLS; refuse a server that does not offer it.</summary>
    StartTls = 2,

    /// <summary>TLS from the first byte (SMTPS, usually port 465).</summary>
    SslOnConnect = 3,
}

/// <summary>
/// Configuration section <c>Keyward:Mail</c>: where owner notifications go. With a <see cref="PickupDirectory"/>
/// each message is written there as an RFC 5322 <c>.eml</c> file (a local mail system, or a person, picks it
/// up); otherwise with a <see cref="Host"/> it is sent over SMTP. With neither, messages stay queued in the
/// database until one is configured.
/// </summary>
public sealed class MailOptions
{
    /// <summary>The sender, e.g. <c>Keyward &lt;keyward@example.org&gt;</c>.</summary>
    public string From { get; set; } = "Keyward <keyward@localhost>";

    /// <summary>A folder to write <c>.eml</c> files into instead of sending. Takes precedence over <see cref="Host"/>.</summary>
    public string? PickupDirectory { get; set; }

    /// <summary>The SMTP server.</summary>
    public string? Host { get; set; }

    /// <summary>The SMTP port; 0 picks the usual one for <see cref="Security"/> (25, 587 or 465).</summary>
    public int Port { get; set; }

    public MailSecurity Security { get; set; } = MailSecurity.StartTls;

    /// <summary>Signs in to the SMTP server when set.</summary>
    public string? UserName { get; set; }

    public string? Password { get; set; }

    /// <summary>How often the dispatcher looks for due messages (it also wakes as soon as this process saves one).</summary>
    public TimeSpan DispatchInterval { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// How long the dispatcher waits after this process saves a message before it looks, so that messages saved close
    /// together are claimed and recorded in one round (two commits for all of them). Zero looks at once.
    /// </summary>
    public TimeSpan GatherDelay { get; set; } = TimeSpan.FromMilliseconds(250);

    /// <summary>Messages claimed per database round.</summary>
    public int BatchSize { get; set; } = 50;

    /// <summary>How long one SMTP operation may take before the attempt counts as failed.</summary>
    public TimeSpan Timeout { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>Whether messages can go anywhere.</summary>
    public bool IsConfigured => !string.IsNullOrWhiteSpace(PickupDirectory) || !string.IsNullOrWhiteSpace(Host);

    /// <summary>The effective port.</summary>
    public int EffectivePort => Port > 0 ? Port : Security switch
    {
        MailSecurity.None => 25,
        MailSecurity.SslOnConnect => 465,
        _ => 587,
    };
}
