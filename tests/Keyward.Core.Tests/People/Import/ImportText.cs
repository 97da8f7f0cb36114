using System.Text;
using Keyward.Common;
using Keyward.People.Import;

namespace Keyward.Tests.People.Import;

/// <summary>Reads an import file held in a string, as the server reads an upload (UTF-8, at most <see cref="PeopleImporter.MaxRows"/> rows).</summary>
internal static class ImportText
{
    public static Result<IReadOnlyList<ImportRow>> Read(string content, ImportFormat format)
    {
        using var stream = new MemoryStream(Encoding.UTF8.GetBytes(content));
        return ImportFileReader.ReadAsync(stream, format, PeopleImporter.MaxRows, null, CancellationToken.None).GetAwaiter().GetResult();
    }
}
