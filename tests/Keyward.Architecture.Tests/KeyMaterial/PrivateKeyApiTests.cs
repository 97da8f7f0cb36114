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

    public static TheoryData<string> ProjectsOtherThanCrypto => new(ProjectGraph.Projects.Select(p => p.Name).Where(n => n != KeyMaterialHome));

    [Theory]
    [MemberData(nameof(ProjectsOtherThanCrypto))]
    public void PrivateKeyApis_ProjectsOtherThanCrypto_NotUsed(string name)
    {
        var uses = MetadataScanner.FindUses(ProjectGraph.Get(name).AssemblyPath, api => BannedKeyApis.Match(api) is not null);

        Rule.Holds(
            $"Only {KeyMaterialHome} handles raw private keys; {name} must call {KeyMaterialHome} instead of:",
            uses.Select(u => $"{u} — {BannedKeyApis.Match(u.Api)!.Why}"));
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
