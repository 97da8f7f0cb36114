using Keyward.Architecture.Tests.Dependencies;
using Keyward.Architecture.Tests.Support;

namespace Keyward.Architecture.Tests.KeyMaterial;

/// <summary>
/// Raw private-key bytes are handled in one small, auditable place: Keyward.Crypto. Every other Keyward assembly
/// is scanned, instruction by instruction, for the APIs of <see cref="BannedKeyApis"/>.
/// </summary>
public sealed class PrivateKeyApiTests
{
    private const string KeyMaterialHome = "Keyward.Crypto";

    /// <summary>
    /// The only uses allowed outside <see cref="KeyMaterialHome"/>, each named by project, method and API. A card that
    /// cannot unwrap into itself takes a key by import, one PKCS#11 attribute per private component, and Keyward.Crypto
    /// hands out no components: so Keyward.Cards' software import reads them from the key Keyward.Crypto's
    /// TransportKeyPair unwrapped and checked (docs/cards.md, "Transport key").
    /// </summary>
    private static readonly (string Project, string UsedBy, string Member)[] Exemptions =
    [
        ("Keyward.Cards", "Keyward.Cards.SoftwareKeyImport.CreateRsa", "ExportParameters"),
        ("Keyward.Cards", "Keyward.Cards.SoftwareKeyImport.CreateEc", "ExportParameters"),
    ];

    public static TheoryData<string> ProjectsOtherThanCrypto => new(ProjectGraph.Projects.Select(p => p.Name).Where(n => n != KeyMaterialHome));

    [Theory]
    [MemberData(nameof(ProjectsOtherThanCrypto))]
    public void PrivateKeyApis_ProjectsOtherThanCrypto_NotUsed(string name)
    {
        var uses = MetadataScanner.FindUses(ProjectGraph.Get(name).AssemblyPath, api => BannedKeyApis.Match(api) is not null)
            .Where(u => !Exemptions.Contains((name, u.UsedBy ?? string.Empty, u.Api.Member ?? string.Empty)));

        Rule.Holds(
            $"Only {KeyMaterialHome} handles raw private keys; {name} must call {KeyMaterialHome} instead of:",
            uses.Select(u => $"{u} — {BannedKeyApis.Match(u.Api)!.Why}"));
    }

    [Fact]
    public void Exemptions_EachOne_StillUsed()
    {
        // An exemption whose use has gone (moved into Keyward.Crypto, renamed) must go too, or it would silently allow
        // a new use under the old name.
        Rule.Holds(
            "Every exemption from the private-key rule names a use that exists:",
            Exemptions
                .Where(e => !MetadataScanner.FindUses(ProjectGraph.Get(e.Project).AssemblyPath, api => BannedKeyApis.Match(api) is not null)
                    .Any(u => u.UsedBy == e.UsedBy && u.Api.Member == e.Member))
                .Select(e => $"{e.Project}: {e.UsedBy} no longer calls {e.Member}; remove the exemption"));
    }

    [Fact]
    public void Scanner_KeywardCrypto_FindsTheTokenKeyRingsPkcs8Calls()
    {
        // The rule above can fail: the same scan finds what Keyward.Crypto legitimately does.
        var uses = MetadataScanner.FindUses(ProjectGraph.Get(KeyMaterialHome).AssemblyPath, api => BannedKeyApis.Match(api) is not null);

        Assert.Contains(uses, u => u.UsedBy == "Keyward.Crypto.Tokens.TokenKeyRing.LoadOrCreate" && u.Api.Member == "ExportPkcs8PrivateKey");
        Assert.Contains(uses, u => u.UsedBy == "Keyward.Crypto.Tokens.TokenKeyRing.Load" && u.Api.Member == "ImportPkcs8PrivateKey");
    }

    [Fact]
    public void Scanner_SamplesOfEveryBannedApi_MatchesEveryEntry()
    {
        var uses = MetadataScanner.FindUses(typeof(BannedKeyApiSamples).Assembly.Location, api => BannedKeyApis.Match(api) is not null)
            .Where(u => u.UsedBy?.StartsWith(typeof(BannedKeyApiSamples).FullName!, StringComparison.Ordinal) == true)
            .ToList();

        Rule.Holds(
            "Every banned API matches the compiled call in BannedKeyApiSamples (otherwise the entry is misspelt or names the wrong type):",
            BannedKeyApis.All.Where(b => !uses.Any(u => b.Matches(u.Api))).Select(b => $"{b} matched nothing"));
    }
}
