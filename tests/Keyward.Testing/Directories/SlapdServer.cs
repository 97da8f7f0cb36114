using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace Keyward.Testing.Directories;

/// <summary>
/// A real OpenLDAP directory for one test (or one benchmark): a temporary folder with a <c>slapd.conf</c> (schemas core,
/// cosine, inetorgperson and nis; back_mdb; no size limit), an LDIF loaded with <c>slapadd</c> before start, and
/// <c>slapd</c> on a free loopback port. Disposing it stops slapd by the pid in its pidfile and deletes the folder.
/// Entries are changed as the directory's administrator would, with <c>ldapmodify</c> bound as the rootdn.
/// </summary>
/// <remarks>
/// Missing programs fail the tests (never skip them) with the command that installs them:
/// <c>apt-get install -y slapd ldap-utils</c> (it starts no service in a container).
/// </remarks>
public sealed class SlapdServer : IAsyncDisposable
{
    /// <summary>The password of <see cref="RootDn"/>.</summary>
    public const string RootPassword = "slapd-root-secret";

    private const string Slapd = "/usr/sbin/slapd";
    private const string Slapadd = "/usr/sbin/slapadd";
    private static readonly TimeSpan CommandTimeout = TimeSpan.FromMinutes(10);

    private readonly string _folder;
    private int? _pid;

    private SlapdServer(string folder, string suffix, int port)
    {
        _folder = folder;
        Suffix = suffix;
        Port = port;
    }

    /// <summary>The directory's suffix, e.g. <c>dc=acme,dc=example</c>.</summary>
    public string Suffix { get; }

    /// <summary>The directory's administrator (bypasses every limit and access rule).</summary>
    public string RootDn => "cn=admin," + Suffix;

    public int Port { get; }

    public Uri Url => new(string.Create(CultureInfo.InvariantCulture, $"ldap://127.0.0.1:{Port}"));

    /// <summary>
    /// Creates the folder and configuration, loads <paramref name="ldif"/> (which must hold the suffix's own entry),
    /// and starts slapd; returns once it accepts connections.
    /// </summary>
    /// <param name="suffix">The directory's suffix.</param>
    /// <param name="ldif">The entries to load.</param>
    /// <param name="quick">slapadd's quick mode (no consistency checks), for large generated loads.</param>
    /// <param name="cancellationToken">Stops waiting for slapadd and slapd.</param>
    public static async Task<SlapdServer> StartAsync(string suffix, string ldif, bool quick = false, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(suffix);
        ArgumentNullException.ThrowIfNull(ldif);
        foreach (var program in new[] { Slapd, Slapadd, "/usr/bin/ldapmodify" })
        {
            if (!File.Exists(program))
            {
                throw new InvalidOperationException($"{program} is missing: the directory tests need OpenLDAP. Install it with `apt-get install -y slapd ldap-utils` (as root).");
            }
        }

        var folder = Directory.CreateTempSubdirectory("keyward-slapd-").FullName;
        Directory.CreateDirectory(Path.Combine(folder, "db"));
        const int attempts = 3;
        for (var attempt = 1; ; attempt++)
        {
            var server = new SlapdServer(folder, suffix, Keyward.Testing.LoopbackPorts.Free());
            try
            {
                if (attempt == 1)
                {
                    await File.WriteAllTextAsync(server.ConfigFile, server.Configuration(), cancellationToken).ConfigureAwait(false);
                    var data = Path.Combine(folder, "data.ldif");
                    await File.WriteAllTextAsync(data, ldif, cancellationToken).ConfigureAwait(false);
                    await RunAsync(Slapadd, [.. quick ? new[] { "-q" } : [], "-f", server.ConfigFile, "-l", data], null, cancellationToken).ConfigureAwait(false);
                    File.Delete(data);
                }

                await server.StartSlapdAsync(cancellationToken).ConfigureAwait(false);
                return server;
            }
            catch (InvalidOperationException) when (attempt < attempts)
            {
                // The port was taken between the probe and the start: try another.
            }
            catch
            {
                await server.DisposeAsync().ConfigureAwait(false);
                throw;
            }
        }
    }

    /// <summary>Applies LDIF change records (<c>changetype: modify</c>, <c>modrdn</c>, <c>delete</c>, <c>add</c>) as the rootdn.</summary>
    public Task ModifyAsync(string ldif, CancellationToken cancellationToken = default) =>
        RunAsync("/usr/bin/ldapmodify", ["-x", "-H", Url.ToString(), "-D", RootDn, "-w", RootPassword], ldif, cancellationToken);

    public async ValueTask DisposeAsync()
    {
        try
        {
            var pid = _pid ?? ReadPid();
            if (pid is not null)
            {
                try
                {
                    using var process = Process.GetProcessById(pid.Value);
                    process.Kill();
                    using var wait = new CancellationTokenSource(TimeSpan.FromSeconds(30));
                    await process.WaitForExitAsync(wait.Token).ConfigureAwait(false);
                }
                catch (ArgumentException)
                {
                    // Gone already.
                }
            }
        }
        finally
        {
            try
            {
                Directory.Delete(_folder, recursive: true);
            }
            catch (IOException)
            {
                // A temporary folder left behind is harmless.
            }
        }
    }

    private string ConfigFile => Path.Combine(_folder, "slapd.conf");

    private string PidFile => Path.Combine(_folder, "slapd.pid");

    private string Configuration() => $"""
        include /etc/ldap/schema/core.schema
        include /etc/ldap/schema/cosine.schema
        include /etc/ldap/schema/inetorgperson.schema
        include /etc/ldap/schema/nis.schema
        pidfile {PidFile}
        argsfile {Path.Combine(_folder, "slapd.args")}
        modulepath /usr/lib/ldap
        moduleload back_mdb
        sizelimit unlimited
        database mdb
        maxsize 4294967296
        suffix "{Suffix}"
        rootdn "{RootDn}"
        rootpw {RootPassword}
        directory {Path.Combine(_folder, "db")}
        index objectClass eq
        index entryUUID eq
        access to attrs=userPassword by anonymous auth by * none
        access to * by users read by * none

        """;

    private async Task StartSlapdAsync(CancellationToken cancellationToken)
    {
        await RunAsync(Slapd, ["-f", ConfigFile, "-h", Url.ToString()], null, cancellationToken).ConfigureAwait(false);

        // slapd daemonises: the program above returns at once, the server writes its pidfile and then listens.
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (true)
        {
            _pid ??= ReadPid();
            if (_pid is not null && await AcceptsAsync(cancellationToken).ConfigureAwait(false))
            {
                return;
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new InvalidOperationException($"slapd did not start listening on {Url} within 30 seconds.");
            }

            await Task.Delay(50, cancellationToken).ConfigureAwait(false);
        }
    }

    private int? ReadPid() =>
        File.Exists(PidFile) && int.TryParse(File.ReadAllText(PidFile).Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var pid) ? pid : null;

    private async Task<bool> AcceptsAsync(CancellationToken cancellationToken)
    {
        try
        {
            using var client = new TcpClient();
            await client.ConnectAsync(IPAddress.Loopback, Port, cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }


    private static async Task RunAsync(string fileName, IReadOnlyList<string> arguments, string? input, CancellationToken cancellationToken)
    {
        var start = new ProcessStartInfo(fileName)
        {
            RedirectStandardInput = input is not null,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException($"Could not start {fileName}.");
        var output = process.StandardOutput.ReadToEndAsync(cancellationToken);
        var error = process.StandardError.ReadToEndAsync(cancellationToken);
        if (input is not null)
        {
            await process.StandardInput.WriteAsync(input.AsMemory(), cancellationToken).ConfigureAwait(false);
            process.StandardInput.Close();
        }

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(CommandTimeout);
        await process.WaitForExitAsync(timeout.Token).ConfigureAwait(false);
        var text = (await output.ConfigureAwait(false)) + (await error.ConfigureAwait(false));
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"`{fileName} {string.Join(' ', arguments.Select(a => a == RootPassword ? "***" : a))}` exited with {process.ExitCode}:\n{text}");
        }
    }
}
