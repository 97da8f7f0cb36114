using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using Keyward.Crypto.Recovery;
using Keyward.Server.Hosting;

namespace Keyward.Cli.Collecting;

/// <summary>Where a System Store collection puts the recovered certificates and their private keys.</summary>
internal interface IKeyInstaller
{
    /// <summary>The destination as a person reads it ("your personal certificate store").</summary>
    string Where { get; }

    /// <summary>
    /// Installs each certificate of <paramref name="certificates"/> with its private key, and the CA
    /// <paramref name="chain"/> where the destination keeps CA certificates. All or nothing where the destination allows.
    /// </summary>
    Task InstallAsync(IReadOnlyList<X509Certificate2> certificates, IReadOnlyList<byte[]> chain, CancellationToken cancellationToken);
}

/// <summary>
/// The user's personal store, <c>X509Store(My, CurrentUser)</c>, with persisted keys. On Linux .NET keeps it as PFX
/// files under <c>~/.dotnet/corefx/cryptography/x509stores/my/</c> (readable by the user only); on Windows and macOS
/// the key is first re-imported as a persisted key, since those stores keep no ephemeral key.
/// </summary>
internal sealed class UserStoreInstaller : IKeyInstaller
{
    public string Where => "your personal certificate store (CurrentUser\\My)";

    /// <summary>Opens the store for writing, so that a store that cannot be written is found before a collection begins.</summary>
    public static void CheckWritable()
    {
        using var store = new X509Store(StoreName.My, StoreLocation.CurrentUser);
        store.Open(OpenFlags.ReadWrite);
    }

    public Task InstallAsync(IReadOnlyList<X509Certificate2> certificates, IReadOnlyList<byte[]> chain, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(certificates);
        using var store = new X509Store(StoreName.My, StoreLocation.CurrentUser);
        store.Open(OpenFlags.ReadWrite);
        var added = new List<X509Certificate2>();
        try
        {
            foreach (var certificate in certificates)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var present = Holds(store, certificate);
                if (OperatingSystem.IsLinux())
                {
                    store.Add(certificate);
                }
                else
                {
                    using var persisted = CollectedKeys.WithPersistedKey(certificate);
                    store.Add(persisted);
                }

                if (!present)
                {
                    added.Add(certificate);
                }
            }

            // Read the store back: every certificate must now be there with its private key.
            using var check = new X509Store(StoreName.My, StoreLocation.CurrentUser);
            check.Open(OpenFlags.ReadOnly);
            var missing = certificates.FirstOrDefault(c => !Holds(check, c));
            if (missing is not null)
            {
                throw new CryptographicException($"the store does not show certificate {missing.SerialNumber} with its private key after adding it");
            }
        }
        catch
        {
            foreach (var certificate in added)
            {
                try
                {
                    store.Remove(certificate);
                }
                catch (CryptographicException)
                {
                    // Best effort: the failure that matters is reported by the caller.
                }
            }

            throw;
        }

        return Task.CompletedTask;
    }

    private static bool Holds(X509Store store, X509Certificate2 certificate)
    {
        var found = store.Certificates.Find(X509FindType.FindByThumbprint, certificate.Thumbprint, validOnly: false);
        try
        {
            return found.Any(c => c.HasPrivateKey);
        }
        finally
        {
            foreach (var c in found)
            {
                c.Dispose();
            }
        }
    }
}

/// <summary>
/// An NSS database (Firefox, Thunderbird, Chromium on Linux), through NSS's own tools: <c>certutil</c> creates the
/// database when there is none, <c>pk12util</c> imports a temporary PFX.
/// </summary>
/// <remarks>
/// The temporary PFX is protected by a random password and lives, with a file holding that password, in a private
/// temporary folder (owner-only) for the length of the import; the password goes to pk12util by file (<c>-w</c>),
/// not on its command line, where any user of the machine could read it. The file is overwritten with zeros and the
/// folder deleted afterwards, whether the import worked or not; Keyward.Crypto zeroes the PFX bytes in memory.
/// </remarks>
internal sealed class NssDatabaseInstaller : IKeyInstaller
{
    private readonly string _directory;
    private readonly string _pk12util;

    private NssDatabaseInstaller(string directory, string pk12util)
    {
        _directory = directory;
        _pk12util = pk12util;
    }

    public string Where => $"the NSS database {_directory}";

    /// <summary>
    /// Finds NSS's tools and makes sure <paramref name="directory"/> holds an NSS database, creating the folder
    /// (owner-only) and an empty-password database when there is none — all before a collection begins.
    /// </summary>
    public static async Task<NssDatabaseInstaller> PrepareAsync(string directory, CancellationToken cancellationToken)
    {
        var certutil = ExternalProgram.Find("certutil");
        var pk12util = ExternalProgram.Find("pk12util");
        if (certutil is null || pk12util is null)
        {
            throw new Commands.UsageException("--nssdb needs NSS's certutil and pk12util on PATH (Debian and Ubuntu: apt-get install libnss3-tools)");
        }

        var full = Path.GetFullPath(directory);
        if (File.Exists(full))
        {
            throw new Commands.UsageException($"--nssdb {directory} is a file, not a folder");
        }

        if (!Directory.Exists(full))
        {
            if (OperatingSystem.IsWindows())
            {
                Directory.CreateDirectory(full);
            }
            else
            {
                Directory.CreateDirectory(full, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            }
        }

        if (!File.Exists(Path.Combine(full, "cert9.db")))
        {
            await ExternalProgram.RunAsync(certutil, ["-N", "-d", "sql:" + full, "--empty-password"], cancellationToken).ConfigureAwait(false);
        }

        return new NssDatabaseInstaller(full, pk12util);
    }

    public async Task InstallAsync(IReadOnlyList<X509Certificate2> certificates, IReadOnlyList<byte[]> chain, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(certificates);
        ArgumentNullException.ThrowIfNull(chain);
        var scratch = Directory.CreateTempSubdirectory("keyward-nss-");
        var pfxPath = Path.Combine(scratch.FullName, "recovered.p12");
        var passwordPath = Path.Combine(scratch.FullName, "password");
        try
        {
            using (var transient = CollectedKeys.ExportTransientPfx(certificates, chain))
            {
                await OwnerOnlyFile.WriteAsync(pfxPath, transient.Pfx, cancellationToken).ConfigureAwait(false);
                await OwnerOnlyFile.WriteAsync(passwordPath, Encoding.UTF8.GetBytes(transient.Password), cancellationToken).ConfigureAwait(false);
            }

            await ExternalProgram.RunAsync(_pk12util, ["-i", pfxPath, "-d", "sql:" + _directory, "-w", passwordPath, "-K", string.Empty], cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            OwnerOnlyFile.Shred(pfxPath);
            OwnerOnlyFile.Shred(passwordPath);
            try
            {
                scratch.Delete(recursive: true);
            }
            catch (IOException)
            {
                // Emptied above; an empty private folder left in the temporary directory is harmless.
            }
        }
    }
}
