using System.Security.Cryptography;
using Keyward.Server.Tests.Infrastructure;

namespace Keyward.Server.Tests.Certificates;

/// <summary>
/// Runs the <c>openssl</c> command, an implementation independent of .NET, on files in a temporary folder
/// that disposing removes. A missing openssl fails the test with the command that installs it.
/// </summary>
internal sealed class Openssl : IDisposable
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    private static readonly Lazy<string?> Executable = new(() => ExternalTool.OnPath("openssl"));

    public Openssl()
    {
        Folder = Directory.CreateTempSubdirectory("keyward-openssl-").FullName;
    }

    public string Folder { get; }

    /// <summary>Writes DER data as a PEM file (label e.g. <c>CERTIFICATE</c>, <c>X509 CRL</c>); returns its path.</summary>
    public string WritePem(string name, string label, byte[] der) => Write(name, PemEncoding.WriteString(label, der) + "\n");

    public string Write(string name, string text)
    {
        var path = Path.Combine(Folder, name);
        File.WriteAllText(path, text);
        return path;
    }

    public string Write(string name, byte[] bytes)
    {
        var path = Path.Combine(Folder, name);
        File.WriteAllBytes(path, bytes);
        return path;
    }

    /// <summary>Runs openssl and asserts it succeeded; returns its standard output.</summary>
    public Task<string> RunAsync(params string[] arguments) => ExternalTool.RunOkAsync(Program, arguments, Folder, Timeout);

    /// <summary>Runs openssl and returns its exit code and both outputs, whatever the exit code.</summary>
    public Task<ExternalTool.Outcome> TryRunAsync(params string[] arguments) => ExternalTool.RunAsync(Program, arguments, Folder, Timeout);

    public void Dispose()
    {
        try
        {
            Directory.Delete(Folder, recursive: true);
        }
        catch (IOException)
        {
            // A temporary folder left behind is harmless.
        }
    }

    private static string Program
    {
        get
        {
            var executable = Executable.Value;
            Assert.True(executable is not null, "These tests check Keyward's CA with openssl, which is not on PATH. Install it: apt-get install -y openssl");
            return executable;
        }
    }
}
