using System.Xml.Linq;

namespace Keyward.Architecture.Tests.Support;

/// <summary>What a <c>.csproj</c> declares, read as XML (no MSBuild evaluation: Keyward's project files are plain).</summary>
internal sealed class ProjectFile
{
    private readonly XDocument _xml;

    private ProjectFile(string path, XDocument xml)
    {
        Path = path;
        _xml = xml;
    }

    public string Path { get; }

    public string? Sdk => _xml.Root?.Attribute("Sdk")?.Value;

    /// <summary>Names of the referenced projects (file names without <c>.csproj</c>).</summary>
    public IReadOnlyList<string> ProjectReferences =>
        Items("ProjectReference").Select(i => System.IO.Path.GetFileNameWithoutExtension(i.Replace('\\', '/'))).ToList();

    public IReadOnlyList<string> PackageReferences => Items("PackageReference");

    public IReadOnlyList<string> FrameworkReferences => Items("FrameworkReference");

    public static ProjectFile Load(string path) => new(path, XDocument.Load(path));

    private List<string> Items(string itemType) =>
        _xml.Descendants(itemType).Select(e => e.Attribute("Include")?.Value).OfType<string>().ToList();
}
