using System.Text.RegularExpressions;

namespace Keyward.People;

/// <summary>
/// The e-mail addresses Keyward accepts for a person: an ASCII <c>local@domain</c> (RFC 5322 dot-atom on both
/// sides), at most 64 characters before the <c>@</c> and 254 in all. The domain is one or more labels of letters,
/// digits and inner hyphens (at most 63 each), separated by dots.
/// </summary>
/// <remarks>
/// The address goes where both of its readers must take it as it is: into the subject alternative name of every
/// certificate issued for the person (an <c>rfc822Name</c>, an IA5String: ASCII only) and onto the <c>To:</c> line of
/// owner notices. Quoted local parts, comments, IP-literal domains and internationalised addresses (RFC 6531) are
/// refused: the first three are valid mail syntax that few systems handle alike, the last cannot be encoded in a
/// certificate's <c>rfc822Name</c> at all (RFC 9598's <c>SmtpUTF8Mailbox</c> is not supported).
/// </remarks>
public static partial class EmailAddress
{
    /// <summary>The longest address accepted (RFC 5321's limit on a forward path, less the angle brackets).</summary>
    public const int MaxLength = 254;

    /// <summary>The longest part before the <c>@</c> (RFC 5321).</summary>
    public const int MaxLocalPartLength = 64;

    /// <summary>Whether <paramref name="address"/>, exactly as given (no surrounding space), is an address Keyward accepts.</summary>
    public static bool IsValid(string? address) =>
        address is { Length: > 0 and <= MaxLength }
        && address.IndexOf('@', StringComparison.Ordinal) is > 0 and <= MaxLocalPartLength
        && Pattern().IsMatch(address);

    // \z, not $: $ also matches before a final newline.
    [GeneratedRegex(
        @"^[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*\z",
        RegexOptions.CultureInvariant)]
    private static partial Regex Pattern();
}
