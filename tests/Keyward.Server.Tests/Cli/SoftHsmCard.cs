using System.Security.Cryptography;
using System.Text.RegularExpressions;
using Keyward.Server.Tests.Infrastructure;

namespace Keyward.Server.Tests.Cli;

/// <summary>
/// A real PKCS#11 token for one test: SoftHSM2 with a token folder of its own (on /dev/shm), which the keyward process
/// under test and OpenSC's <c>pkcs11-tool</c> both reach through a private <c>softhsm2.conf</c>. A fresh folder holds
/// one blank (uninitialised) token; <see cref="InitialiseAsync"/> makes it a card with a user PIN.
/// </summary>
/// <remarks>SoftHSM reads its configuration when its library loads, from the environment of the process: every process
/// that touches this card gets <see cref="Environment"/>, so parallel tests never see each other's tokens.</remarks>
internal sealed partial class SoftHsmCard : IDisposable
{
    public const string Module = "/usr/lib/softhsm/libsofthsm2.so";
    public const string SoPin = "87654321";
    public const string UserPin = "246810";
    private static readonly TimeSpan Limit = TimeSpan.FromMinutes(1);

    private readonly string _folder;

    public SoftHsmCard()
    {
        Assert.True(File.Exists(Module), $"SoftHSM2 is not installed ({Module} is missing): run the tests with scripts/test, which installs it.");
        Assert.True(ExternalTool.OnPath("pkcs11-tool") is not null, "OpenSC's pkcs11-tool is not installed: run the tests with scripts/test, which installs it.");
        var scratch = Directory.Exists("/dev/shm") ? "/dev/shm" : Path.GetTempPath();
        _folder = Directory.CreateDirectory(Path.Combine(scratch, "keyward-card-" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(6)))).FullName;
        Directory.CreateDirectory(Path.Combine(_folder, "tokens"));
        var conf = Path.Combine(_folder, "softhsm2.conf");
        File.WriteAllText(conf, $"directories.tokendir = {Path.Combine(_folder, "tokens")}\nobjectstore.backend = file\nlog.level = ERROR\nslots.removable = false\n");
        Environment = new Dictionary<string, string>(StringComparer.Ordinal) { ["SOFTHSM2_CONF"] = conf };
    }

    /// <summary>What a process needs in its environment to see this card.</summary>
    public IReadOnlyDictionary<string, string> Environment { get; }

    public string Label { get; private set; } = string.Empty;

    /// <summary>Gives the blank token a label, an SO PIN and the user PIN <see cref="UserPin"/>.</summary>
    public async Task InitialiseAsync(string label)
    {
        await ExternalTool.RunOkAsync("softhsm2-util", ["--init-token", "--free", "--label", label, "--so-pin", SoPin, "--pin", UserPin], _folder, Limit, Environment);
        Label = label;
    }

    /// <summary>The token has been given <paramref name="label"/> by someone else (keyward, initialising a blank card).</summary>
    public void UseLabel(string label) => Label = label;

    /// <summary>The serial number of the token labelled <see cref="Label"/> (or <paramref name="label"/>), as pkcs11-tool reads it.</summary>
    public async Task<string> SerialAsync(string? label = null)
    {
        var slots = await ExternalTool.RunOkAsync("pkcs11-tool", ["--module", Module, "--list-token-slots"], _folder, Limit, Environment);
        foreach (var block in slots.Split("Slot ", StringSplitOptions.RemoveEmptyEntries))
        {
            var labelMatch = LabelPattern().Match(block);
            var serialMatch = SerialPattern().Match(block);
            if (labelMatch.Success && serialMatch.Success && labelMatch.Groups[1].Value.Trim() == (label ?? Label))
            {
                return serialMatch.Groups[1].Value.Trim();
            }
        }

        throw new InvalidOperationException($"No token labelled '{label ?? Label}' in:\n{slots}");
    }

    /// <summary>pkcs11-tool's listing of every object on the card, logged in with <paramref name="pin"/>.</summary>
    public Task<string> ListObjectsAsync(string pin = UserPin) =>
        ExternalTool.RunOkAsync("pkcs11-tool", ["--module", Module, "--token-label", Label, "--login", "--pin", pin, "--list-objects"], _folder, Limit, Environment);

    /// <summary>The objects pkcs11-tool lists, by type: "Certificate Object", "Private Key Object", "Public Key Object", "Secret Key Object".</summary>
    public async Task<IReadOnlyList<CardObject>> ObjectsAsync(string pin = UserPin)
    {
        var listing = await ListObjectsAsync(pin);
        var objects = new List<CardObject>();
        foreach (Match match in ObjectPattern().Matches(listing))
        {
            var body = match.Groups[2].Value;
            objects.Add(new CardObject(
                match.Groups[1].Value.Trim(),
                IdPattern().Match(body) is { Success: true } id ? id.Groups[1].Value.Trim() : string.Empty,
                LabelPattern().Match(body) is { Success: true } label ? label.Groups[1].Value.Trim() : string.Empty,
                body));
        }

        return objects;
    }

    /// <summary>Decrypts <paramref name="ciphertext"/> (RSA PKCS#1 v1.5) with the card's private key <paramref name="id"/>, on the card.</summary>
    public async Task<byte[]> DecryptOnCardAsync(string id, byte[] ciphertext)
    {
        var input = Path.Combine(_folder, "in.bin");
        var output = Path.Combine(_folder, "out.bin");
        await File.WriteAllBytesAsync(input, ciphertext);
        await ExternalTool.RunOkAsync("pkcs11-tool", ["--module", Module, "--token-label", Label, "--login", "--pin", UserPin, "--decrypt", "--mechanism", "RSA-PKCS", "--id", id, "--input-file", input, "--output-file", output], _folder, Limit, Environment);
        return await File.ReadAllBytesAsync(output);
    }

    /// <summary>Writes a certificate (no key) onto the card, as another issuer's tool would.</summary>
    public async Task WriteForeignCertificateAsync(byte[] der, string id, string label)
    {
        var file = Path.Combine(_folder, "foreign.der");
        await File.WriteAllBytesAsync(file, der);
        await ExternalTool.RunOkAsync("pkcs11-tool", ["--module", Module, "--token-label", Label, "--login", "--pin", UserPin, "--write-object", file, "--type", "cert", "--id", id, "--label", label], _folder, Limit, Environment);
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(_folder, recursive: true);
        }
        catch (IOException)
        {
            // The test command removes its scratch folders anyway.
        }
    }

    /// <summary>One object as pkcs11-tool lists it.</summary>
    public sealed record CardObject(string Type, string Id, string Label, string Listing);

    [GeneratedRegex(@"(Certificate Object|Private Key Object|Public Key Object|Secret Key Object|Data object)[^\n]*\n((?:[ \t]+[^\n]*\n?)*)")]
    private static partial Regex ObjectPattern();

    [GeneratedRegex(@"label\s*:\s*([^\n]*)")]
    private static partial Regex LabelPattern();

    [GeneratedRegex(@"serial num\s*:\s*([^\n]*)")]
    private static partial Regex SerialPattern();

    [GeneratedRegex(@"ID:\s*([0-9a-fA-F]+)")]
    private static partial Regex IdPattern();
}
