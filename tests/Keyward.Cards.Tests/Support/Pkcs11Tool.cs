using System.Text.RegularExpressions;

namespace Keyward.Cards.Tests.Support;

/// <summary>OpenSC's pkcs11-tool: a witness outside Keyward and Pkcs11Interop of what is on a token.</summary>
public static partial class Pkcs11Tool
{
    private const string Program = "/usr/bin/pkcs11-tool";

    /// <summary>The objects pkcs11-tool lists after logging in, as (type, id) pairs, e.g. ("Private Key Object", "a1b2…").</summary>
    public static List<(string Type, string Id)> Objects(TestToken token, IDictionary<string, string>? environment = null)
    {
        var output = SoftHsmTokens.Run(
            Program,
            ["--module", token.ModulePath, "--token-label", token.Label, "--login", "--pin", SoftHsmTokens.UserPin, "--list-objects"],
            environment);
        var objects = new List<(string, string)>();
        string? type = null;
        foreach (var line in output.Split('\n'))
        {
            var header = ObjectHeader().Match(line);
            if (header.Success)
            {
                type = header.Groups["type"].Value.Trim();
                continue;
            }

            var id = IdLine().Match(line);
            if (id.Success && type is not null)
            {
                objects.Add((type, id.Groups["id"].Value));
                type = null;
            }
        }

        return objects;
    }

    /// <summary>Runs pkcs11-tool with a user login and the arguments given; its output.</summary>
    public static string Run(TestToken token, params string[] arguments) =>
        SoftHsmTokens.Run(Program, ["--module", token.ModulePath, "--token-label", token.Label, "--login", "--pin", SoftHsmTokens.UserPin, .. arguments]);

    [GeneratedRegex(@"^(?<type>(Private Key|Public Key|Certificate|Data|Secret Key) Object)")]
    private static partial Regex ObjectHeader();

    [GeneratedRegex(@"^\s+ID:\s+(?<id>[0-9a-f]+)\s*$")]
    private static partial Regex IdLine();
}
