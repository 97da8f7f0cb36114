using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using Npgsql;

namespace Keyward.Benchmarks.Recovery;

/// <summary>
/// A private PostgreSQL server for one load run, started the way the test fixture starts one (initdb and pg_ctl
/// from <c>/usr/lib/postgresql/&lt;highest&gt;/bin</c> in a temporary folder, on a loopback port, as the
/// <c>postgres</c> user when run as root) — but with PostgreSQL's default durability: the test fixture turns
/// <c>fsync</c> off, which no deployment would, so a benchmark must not.
/// </summary>
internal sealed class PostgresInstance : IAsyncDisposable
{
    private const string PackagedRoot = "/usr/lib/postgresql";
    private const string ServiceUser = "postgres";

    private readonly string _folder;
    private readonly string _binaries;
    private readonly bool _asServiceUser;
    private readonly bool _keep;
    private bool _started;

    private PostgresInstance(string folder, string binaries, bool asServiceUser, bool keep = false)
    {
        _folder = folder;
        _binaries = binaries;
        _asServiceUser = asServiceUser;
        _keep = keep;
    }

    /// <summary>The connection string of the database <c>keyward</c> (empty; the server migrates it).</summary>
    public string ConnectionString { get; private set; } = string.Empty;

    /// <summary>The PostgreSQL version that runs, e.g. "17".</summary>
    public string Version => Path.GetFileName(Path.GetDirectoryName(_binaries)!);

    /// <summary>The postmaster's process id (its backends are its children).</summary>
    public int Pid { get; private set; }

    private string DataFolder => Path.Combine(_folder, "data");

    public static async Task<PostgresInstance> StartAsync(CancellationToken cancellationToken)
    {
        var binaries = FindBinaries();
        var folder = Directory.CreateTempSubdirectory("keyward-load-pg-").FullName;
        var instance = new PostgresInstance(folder, binaries, string.Equals(Environment.UserName, "root", StringComparison.Ordinal));
        try
        {
            await instance.InitialiseAsync(cancellationToken).ConfigureAwait(false);
            return instance;
        }
        catch
        {
            await instance.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>
    /// A PostgreSQL server in a folder that outlives the run (the scale data set): created with database
    /// <c>keyward</c> on first use, started again as it is afterwards, stopped but kept on dispose.
    /// <paramref name="settings"/> are passed to the server at every start (e.g. <c>-c shared_buffers=2GB</c>).
    /// </summary>
    /// <returns>The instance, and whether the database was created now (and so is empty).</returns>
    public static async Task<(PostgresInstance Instance, bool Created)> OpenAsync(string folder, string settings, CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(folder);
        var instance = new PostgresInstance(Path.GetFullPath(folder), FindBinaries(), string.Equals(Environment.UserName, "root", StringComparison.Ordinal), keep: true);
        var created = !Directory.Exists(instance.DataFolder);
        await instance.InitialiseAsync(cancellationToken, settings, created).ConfigureAwait(false);
        return (instance, created);
    }

    public async ValueTask DisposeAsync()
    {
        NpgsqlConnection.ClearAllPools();
        try
        {
            if (_started)
            {
                await RunAsync("pg_ctl", ["-D", DataFolder, "stop", "-m", "fast", "-w"], CancellationToken.None).ConfigureAwait(false);
            }
        }
        finally
        {
            if (!_keep)
            {
                Directory.Delete(_folder, recursive: true);
            }
        }
    }

    private async Task InitialiseAsync(CancellationToken cancellationToken, string settings = "", bool create = true)
    {
        if (OperatingSystem.IsWindows())
        {
            throw new PlatformNotSupportedException("The load run starts PostgreSQL on Linux only.");
        }

        File.SetUnixFileMode(_folder, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute
            | UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute);
        // A kept instance (OpenAsync) keeps its password beside the cluster, readable by root only: it is a scratch
        // benchmark database on loopback.
        var kept = Path.Combine(_folder, "password");
        var password = !create && File.Exists(kept)
            ? (await File.ReadAllTextAsync(kept, cancellationToken).ConfigureAwait(false)).Trim()
            : Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));
        if (create)
        {
            var passwordFile = Path.Combine(_folder, "pwfile");
            await File.WriteAllTextAsync(passwordFile, password + "\n", cancellationToken).ConfigureAwait(false);
            if (_asServiceUser)
            {
                await RunToolAsync("chown", ["-R", $"{ServiceUser}:", _folder], cancellationToken).ConfigureAwait(false);
            }

            await RunAsync("initdb", ["-D", DataFolder, "-U", "postgres", "--auth=scram-sha-256", $"--pwfile={passwordFile}", "-E", "UTF8", "--locale=C.UTF-8"], cancellationToken).ConfigureAwait(false);
            File.Delete(passwordFile);
            if (_keep)
            {
                await File.WriteAllTextAsync(kept, password, cancellationToken).ConfigureAwait(false);
                File.SetUnixFileMode(kept, UnixFileMode.UserRead | UnixFileMode.UserWrite);
            }
        }

        var port = Keyward.Testing.LoopbackPorts.Free();
        await RunAsync(
            "pg_ctl",
            ["-D", DataFolder, "-l", Path.Combine(_folder, "server.log"), "-o", $"-p {port} -k {_folder} -c listen_addresses=127.0.0.1 {settings}".TrimEnd(), "-w", "start"],
            cancellationToken).ConfigureAwait(false);
        _started = true;
        Pid = int.Parse((await File.ReadAllLinesAsync(Path.Combine(DataFolder, "postmaster.pid"), cancellationToken).ConfigureAwait(false))[0], CultureInfo.InvariantCulture);
        var admin = new NpgsqlConnectionStringBuilder { Host = "127.0.0.1", Port = port, Username = "postgres", Password = password, Database = "postgres" };
        if (create)
        {
            await using var connection = new NpgsqlConnection(admin.ConnectionString);
            await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
            await using var command = new NpgsqlCommand("CREATE DATABASE keyward", connection);
            await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        NpgsqlConnection.ClearAllPools();
        ConnectionString = new NpgsqlConnectionStringBuilder(admin.ConnectionString) { Database = "keyward" }.ConnectionString;
        AdminConnectionString = admin.ConnectionString;
    }

    /// <summary>The connection string of the maintenance database <c>postgres</c> (to create more databases).</summary>
    public string AdminConnectionString { get; private set; } = string.Empty;

    /// <summary>PostgreSQL's settings that decide the cost of a commit, as the running server reports them.</summary>
    public async Task<string> DurabilitySettingsAsync(CancellationToken cancellationToken)
    {
        await using var connection = new NpgsqlConnection(ConnectionString);
        await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
        var settings = new List<string>();
        foreach (var name in new[] { "fsync", "synchronous_commit", "wal_sync_method", "shared_buffers", "max_connections" })
        {
            await using var command = new NpgsqlCommand($"SHOW {name}", connection);
            settings.Add($"{name}={await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false)}");
        }

        return string.Join(", ", settings);
    }

    private static string FindBinaries()
    {
        var versions = Directory.Exists(PackagedRoot)
            ? Directory.GetDirectories(PackagedRoot)
                .Select(d => (Folder: Path.Combine(d, "bin"), Version: int.TryParse(Path.GetFileName(d), NumberStyles.None, CultureInfo.InvariantCulture, out var v) ? v : -1))
                .Where(x => x.Version >= 0 && File.Exists(Path.Combine(x.Folder, "initdb")) && File.Exists(Path.Combine(x.Folder, "pg_ctl")))
                .OrderByDescending(x => x.Version)
                .ToList()
            : [];
        return versions.Count > 0
            ? versions[0].Folder
            : throw new InvalidOperationException($"No initdb/pg_ctl under {PackagedRoot}/*/bin. Install PostgreSQL with `apt-get install -y postgresql` (as root), or run with --database sqlite.");
    }


    private Task RunAsync(string binary, IReadOnlyList<string> arguments, CancellationToken cancellationToken)
    {
        var path = Path.Combine(_binaries, binary);
        return _asServiceUser
            ? RunToolAsync("runuser", ["-u", ServiceUser, "--", path, .. arguments], cancellationToken)
            : RunToolAsync(path, arguments, cancellationToken);
    }

    private async Task RunToolAsync(string fileName, IReadOnlyList<string> arguments, CancellationToken cancellationToken)
    {
        var start = new ProcessStartInfo(fileName)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = _folder,
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException($"Could not start {fileName}.");
        var output = process.StandardOutput.ReadToEndAsync(cancellationToken);
        var error = process.StandardError.ReadToEndAsync(cancellationToken);
        await process.WaitForExitAsync(cancellationToken).ConfigureAwait(false);
        var text = (await output.ConfigureAwait(false)) + (await error.ConfigureAwait(false));
        if (process.ExitCode != 0)
        {
            var log = Path.Combine(_folder, "server.log");
            throw new InvalidOperationException(
                $"`{fileName} {string.Join(' ', arguments)}` exited with {process.ExitCode}:\n{text}" +
                (File.Exists(log) ? "\nserver.log:\n" + await File.ReadAllTextAsync(log, cancellationToken).ConfigureAwait(false) : string.Empty));
        }
    }
}
