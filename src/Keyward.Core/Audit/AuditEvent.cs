using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Unicode;

namespace Keyward.Audit;

/// <summary>How an audited attempt ended. Never renumber.</summary>
public enum AuditOutcome
{
    /// <summary>The step happened.</summary>
    Succeeded = 1,

    /// <summary>A rule refused the step; nothing changed.</summary>
    Refused = 2,

    /// <summary>The step was attempted and failed.</summary>
    Failed = 3,
}

/// <summary>
/// One entry of the append-only audit trail. Each entry's <see cref="Hash"/> covers its own fields and the
/// previous entry's hash, so editing, inserting or deleting a row breaks the chain from there on.
/// Never holds a secret: no key bytes, passwords, PINs or wrapped blobs.
/// </summary>
public sealed class AuditEvent
{
    private AuditEvent()
    {
        Action = ActorName = Details = PreviousHash = Hash = string.Empty;
    }

    /// <summary>Position in the chain, from 1, without gaps, in the order entries were saved. Unique.</summary>
    public long Sequence { get; private set; }

    /// <summary>
    /// When the use case recorded the step: UTC, whole microseconds (the finest instant every supported database
    /// stores unchanged). Entries are chained when saved, so two steps recorded close together may be saved
    /// (and numbered) in the other order.
    /// </summary>
    public DateTime At { get; private set; }

    /// <summary>The person who acted; null for Keyward itself or an unknown client.</summary>
    public string? ActorId { get; private set; }

    /// <summary>Logon name or client id as presented (kept even if the person is later renamed).</summary>
    public string ActorName { get; private set; }

    /// <summary>What happened, e.g. <c>people.import</c>, <c>auth.sign_in</c>.</summary>
    public string Action { get; private set; }

    public AuditOutcome Outcome { get; private set; }

    /// <summary>The error code when refused or failed.</summary>
    public string? Code { get; private set; }

    /// <summary>The person the step concerned, if any (used for scope filtering).</summary>
    public string? SubjectId { get; private set; }

    /// <summary>The record the step acted on, e.g. a request id.</summary>
    public string? TargetId { get; private set; }

    /// <summary>Free text for a person to read.</summary>
    public string Details { get; private set; }

    public Recovery.Channel Channel { get; private set; }

    /// <summary>Hex SHA-256 of the previous entry; 64 zeros for the first.</summary>
    public string PreviousHash { get; private set; }

    /// <summary>Hex SHA-256 over <see cref="PreviousHash"/> and every field above.</summary>
    public string Hash { get; private set; }

    public static readonly string GenesisHash = new('0', 64);

    /// <summary>
    /// An entry as a use case records it: its fields and instant, not yet in the chain. The store chains it
    /// (<see cref="ChainAfter(long, string)"/>) when it saves, under a lock that serialises every writer of the trail.
    /// </summary>
    /// <remarks>
    /// Text is recorded as the database can hold it, since a refusal must be recorded whatever the caller sent: each
    /// field is cut to its column's length (<see cref="MaxIdLength"/>, <see cref="MaxNameLength"/>,
    /// <see cref="MaxCodeLength"/>, <see cref="MaxDetailsLength"/>; an id longer than any real id is a caller's invention) and NUL, which
    /// PostgreSQL cannot store in text, becomes U+FFFD. The hash covers the recorded text.
    /// </remarks>
    internal static AuditEvent Record(AuditEntry entry, DateTime at) => new()
    {
        // The hash covers At, so it must cover what the database gives back: PostgreSQL keeps microseconds.
        At = new DateTime(at.Ticks - (at.Ticks % TimeSpan.TicksPerMicrosecond), at.Kind),
        ActorId = Fit(entry.ActorId, MaxIdLength),
        ActorName = Fit(entry.ActorName, MaxNameLength)!,
        Action = Fit(entry.Action, MaxCodeLength)!,
        Outcome = entry.Outcome,
        Code = Fit(entry.Code, MaxCodeLength),
        SubjectId = Fit(entry.SubjectId, MaxIdLength),
        TargetId = Fit(entry.TargetId, MaxIdLength),
        Details = Fit(entry.Details, MaxDetailsLength)!,
        Channel = entry.Channel,
    };

    /// <summary>The longest <see cref="ActorId"/>, <see cref="SubjectId"/> or <see cref="TargetId"/> stored.</summary>
    public const int MaxIdLength = 64;

    /// <summary>The longest <see cref="ActorName"/> stored.</summary>
    public const int MaxNameLength = 200;

    /// <summary>The longest <see cref="Action"/> or <see cref="Code"/> stored.</summary>
    public const int MaxCodeLength = 100;

    /// <summary>The longest <see cref="Details"/> stored.</summary>
    public const int MaxDetailsLength = 4000;

    private static string? Fit(string? text, int max)
    {
        if (text is null)
        {
            return null;
        }

        if (text.Length > max)
        {
            var cut = char.IsHighSurrogate(text[max - 2]) ? max - 2 : max - 1;
            text = string.Concat(text.AsSpan(0, cut), "…");
        }

        return text.Replace('\0', '\uFFFD');
    }

    /// <summary>
    /// Places this entry right after <paramref name="previous"/> (null: first of the trail): assigns its
    /// <see cref="Sequence"/>, <see cref="PreviousHash"/> and <see cref="Hash"/>.
    /// </summary>
    /// <remarks>
    /// For stores only, at save time, with the trail's tail read under the lock that serialises writers, and
    /// only for an entry not yet saved. Chaining again (a save that failed and is retried) replaces the
    /// earlier assignment.
    /// </remarks>
    /// <exception cref="InvalidOperationException"><paramref name="previous"/> is not chained itself.</exception>
    public void ChainAfter(AuditEvent? previous)
    {
        if (previous is not null && previous.Hash.Length == 0)
        {
            throw new InvalidOperationException($"Entry '{previous.Action}' is not in the chain yet: chain entries in order.");
        }

        ChainAfter(previous?.Sequence ?? 0, previous?.Hash ?? GenesisHash);
    }

    /// <summary>
    /// Places this entry right after the entry numbered <paramref name="previousSequence"/> whose hash is
    /// <paramref name="previousHash"/> (0 and <see cref="GenesisHash"/>: first of the trail): what a store that reads
    /// only the tail's number and hash gives. The same rules as <see cref="ChainAfter(AuditEvent?)"/>.
    /// </summary>
    public void ChainAfter(long previousSequence, string previousHash)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(previousSequence);
        ArgumentException.ThrowIfNullOrEmpty(previousHash);
        Sequence = previousSequence + 1;
        PreviousHash = previousHash;
        Hash = ComputeHash();
    }

    /// <summary>The hash this entry should carry given its fields; differs from <see cref="Hash"/> after tampering.</summary>
    public string ComputeHash()
    {
        Span<byte> digest = stackalloc byte[SHA256.HashSizeInBytes];
        HashOf(PreviousHash, Sequence, At, ActorId, ActorName, Action, Outcome, Code, SubjectId, TargetId, Details, Channel, digest);
        return Convert.ToHexStringLower(digest);
    }

    /// <summary>
    /// Whether a stored entry's <see cref="AuditEntryView.Hash"/> is the hash of the fields read back with it (see
    /// <see cref="ComputeHash()"/>): exactly, as lower-case hex. Needs nothing but the entry, so entries may be checked
    /// on several threads at once; allocates nothing once the thread's buffer has grown to the entry's size.
    /// </summary>
    internal static bool HashMatches(AuditEntryView e)
    {
        Span<byte> digest = stackalloc byte[SHA256.HashSizeInBytes];
        HashOf(e.PreviousHash, e.Sequence, e.At, e.ActorId, e.ActorName, e.Action, e.Outcome, e.Code, e.SubjectId, e.TargetId, e.Details, e.Channel, digest);
        Span<char> hex = stackalloc char[2 * SHA256.HashSizeInBytes];
        return Convert.TryToHexStringLower(digest, hex, out _) && e.Hash.AsSpan().SequenceEqual(hex);
    }

    /// <summary>
    /// Writes the SHA-256 of an entry's fields into <paramref name="digest"/>: the chain's rule (docs/audit.md, "An entry").
    /// Each field is its length in UTF-16 code units, <c>:</c>, its UTF-8 text and <c>|</c>; a missing value is
    /// <c>-:|</c>; numbers (the sequence, the instant as UTC ticks, the enums) are their invariant decimal text. So no two
    /// different entries serialise to the same bytes. Stored hashes depend on these bytes: never change them.
    /// </summary>
    private static void HashOf(
        string previousHash, long sequence, DateTime at, string? actorId, string actorName, string action, AuditOutcome outcome,
        string? code, string? subjectId, string? targetId, string details, Recovery.Channel channel, Span<byte> digest)
    {
        var text = previousHash.Length + (actorId?.Length ?? 0) + actorName.Length + action.Length + (code?.Length ?? 0)
            + (subjectId?.Length ?? 0) + (targetId?.Length ?? 0) + details.Length;

        // Twelve fields of at most 10 + 2 bytes of framing, four numbers of at most 20 digits, and the text in UTF-8.
        var size = (12 * 12) + (4 * 20) + Encoding.UTF8.GetMaxByteCount(text);
        var buffer = t_buffer is { } reused && reused.Length >= size ? reused : (t_buffer = new byte[Math.Max(size, 1024)]);
        var fields = new FieldWriter(buffer);
        fields.Text(previousHash);
        fields.Number(sequence);
        fields.Number(at.ToUniversalTime().Ticks);
        fields.Text(actorId);
        fields.Text(actorName);
        fields.Text(action);
        fields.Number((int)outcome);
        fields.Text(code);
        fields.Text(subjectId);
        fields.Text(targetId);
        fields.Text(details);
        fields.Number((int)channel);
        SHA256.HashData(buffer.AsSpan(0, fields.Length), digest);
    }

    /// <summary>
    /// The serialising buffer of this thread, grown to the largest entry it has hashed: a verification hashes millions
    /// of entries on a few threads, each entry into the same bytes, never copied or zeroed between them.
    /// </summary>
    [ThreadStatic]
    private static byte[]? t_buffer;

    /// <summary>Writes length-prefixed fields into a buffer sized for them beforehand (<see cref="HashOf"/>).</summary>
    private ref struct FieldWriter(Span<byte> buffer)
    {
        private readonly Span<byte> _buffer = buffer;

        public int Length { get; private set; }

        public void Text(string? value)
        {
            if (value is null)
            {
                "-:|"u8.CopyTo(_buffer[Length..]);
                Length += 3;
                return;
            }

            Prefix(value.Length);

            // Invalid UTF-16 (a lone surrogate) becomes U+FFFD, as Encoding.UTF8 writes it.
            Utf8.FromUtf16(value, _buffer[Length..], out _, out var written, replaceInvalidSequences: true);
            Length += written;
            _buffer[Length++] = (byte)'|';
        }

        public void Number(long value)
        {
            Span<byte> digits = stackalloc byte[20];
            value.TryFormat(digits, out var written, default, CultureInfo.InvariantCulture);
            Prefix(written);
            digits[..written].CopyTo(_buffer[Length..]);
            Length += written;
            _buffer[Length++] = (byte)'|';
        }

        private void Prefix(int length)
        {
            length.TryFormat(_buffer[Length..], out var written, default, CultureInfo.InvariantCulture);
            Length += written;
            _buffer[Length++] = (byte)':';
        }
    }
}

/// <summary>What a use case says happened; the trail adds sequence, time and hashes.</summary>
public sealed record AuditEntry(
    string? ActorId,
    string ActorName,
    string Action,
    AuditOutcome Outcome,
    Recovery.Channel Channel,
    string Details,
    string? SubjectId = null,
    string? TargetId = null,
    string? Code = null);
