using Keyward.Cards.Tests.Support;

namespace Keyward.Cards.Tests.Tokens;

/// <summary>Initialising a blank token, in a child process with a SoftHSM token folder of its own (see <see cref="ChildProcess"/>).</summary>
public sealed class InitializeTests(SoftHsmTokens tokens) : IClassFixture<SoftHsmTokens>
{
    [Fact]
    public void Initialize_BlankToken_LabelSetUserPinWorksAndTokenEmpty()
    {
        var folder = Directory.CreateDirectory(Path.Combine(tokens.WorkFolder, "private-" + Guid.NewGuid().ToString("N")[..8])).FullName;
        Directory.CreateDirectory(Path.Combine(folder, "tokens"));
        var conf = Path.Combine(folder, "softhsm2.conf");
        File.WriteAllText(conf, $"directories.tokendir = {Path.Combine(folder, "tokens")}\nobjectstore.backend = file\nlog.level = ERROR\n");
        var environment = new Dictionary<string, string> { ["SOFTHSM2_CONF"] = conf };
        var label = SoftHsmTokens.NewLabel();

        var output = ChildProcess.Run(environment, ChildProcess.InitializeCommand, tokens.OriginalModule, label, SoftHsmTokens.SoPin, SoftHsmTokens.UserPin);

        Assert.Contains("before=1:False", output, StringComparison.Ordinal);
        Assert.Contains($"label={label}", output, StringComparison.Ordinal);
        Assert.Contains("initialized=True", output, StringComparison.Ordinal);
        Assert.Contains("userPinInitialized=True", output, StringComparison.Ordinal);
        Assert.Contains("contents=0", output, StringComparison.Ordinal);
        // From outside Keyward: the token is there under its label, and the user PIN logs in to it.
        Assert.Empty(Pkcs11Tool.Objects(new TestToken(tokens.OriginalModule, label), environment));
    }
}
