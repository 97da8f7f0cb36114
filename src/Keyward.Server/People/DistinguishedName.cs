using System.Globalization;
using System.Text;

namespace Keyward.Server.People;

/// <summary>
/// An LDAP distinguished name (RFC 4514) split into its RDN values, enough to compare DNs and to turn a DN under a base
/// into a group path. Attribute types compare case-insensitively, values case-insensitively after unescaping, which is
/// how the directories Keyward reads (OpenLDAP, Active Directory) match the names of containers and groups.
/// </summary>
internal sealed class DistinguishedName
{
    private DistinguishedName(IReadOnlyList<(string Type, string Value)> rdns)
    {
        Rdns = rdns;
        Key = string.Join(",", rdns.Select(r => r.Type.ToLowerInvariant() + "=" + r.Value.ToUpperInvariant()));
    }

    /// <summary>The RDNs, the entry's own first (as written), the base's last.</summary>
    public IReadOnlyList<(string Type, string Value)> Rdns { get; }

    /// <summary>A normalised form: equal for DNs that name the same entry.</summary>
    public string Key { get; }

    /// <summary>The DN of the entry's container: its own RDN removed.</summary>
    public DistinguishedName Parent => new(Rdns.Skip(1).ToList());

    /// <summary>Parses a DN, or answers null for text that is not one.</summary>
    public static DistinguishedName? Parse(string? text)
    {
        if (string.IsNullOrWhiteSpace(text) || text.Length > 4096)
        {
            return null;
        }

        var rdns = new List<(string, string)>();
        var type = new StringBuilder();
        var value = new StringBuilder();
        var inValue = false;
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (c == '\\' && inValue && i + 1 < text.Length)
            {
                var next = text[i + 1];
                if (Uri.IsHexDigit(next) && i + 2 < text.Length && Uri.IsHexDigit(text[i + 2]))
                {
                    // \XX escapes a UTF-8 byte; collect consecutive ones so multi-byte characters decode whole.
                    var bytes = new List<byte>();
                    while (i + 2 < text.Length && text[i] == '\\' && Uri.IsHexDigit(text[i + 1]) && Uri.IsHexDigit(text[i + 2]))
                    {
                        bytes.Add(byte.Parse(text.AsSpan(i + 1, 2), NumberStyles.HexNumber, CultureInfo.InvariantCulture));
                        i += 3;
                    }

                    i--;
                    value.Append(Encoding.UTF8.GetString(bytes.ToArray()));
                }
                else
                {
                    value.Append(next);
                    i++;
                }
            }
            else if (c == '=' && !inValue)
            {
                inValue = true;
            }
            else if (c is ',' or ';')
            {
                if (!Add())
                {
                    return null;
                }
            }
            else
            {
                (inValue ? value : type).Append(c);
            }
        }

        return Add() ? new DistinguishedName(rdns) : null;

        bool Add()
        {
            var t = type.ToString().Trim();
            var v = value.ToString().Trim();
            if (!inValue || t.Length == 0)
            {
                return false;
            }

            rdns.Add((t, v));
            type.Clear();
            value.Clear();
            inValue = false;
            return true;
        }
    }

    /// <summary>
    /// The values of the RDNs between <paramref name="ancestor"/> and this DN, outermost first (the path of this entry
    /// below the ancestor; empty when they are the same), or null when this DN is not at or below it.
    /// </summary>
    public IReadOnlyList<string>? ValuesBelow(DistinguishedName ancestor)
    {
        var extra = Rdns.Count - ancestor.Rdns.Count;
        if (extra < 0 || !string.Equals(new DistinguishedName(Rdns.Skip(extra).ToList()).Key, ancestor.Key, StringComparison.Ordinal))
        {
            return null;
        }

        return Rdns.Take(extra).Select(r => r.Value).Reverse().ToList();
    }

    public override string ToString() => string.Join(",", Rdns.Select(r => $"{r.Type}={r.Value}"));
}
