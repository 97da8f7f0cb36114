using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using Keyward.Storage;
using Npgsql;
using Xunit;

namespace Keyward.Testing.Databases;

/// <summary>
/// A real PostgreSQL server for the tests, shared as an xunit class or collection fixture (the storage tests'
/// <c>OnPostgres</c> collection; the server tests' database scans).
/// </summary>
/// <remarks>
/// <para>
/// When the environment variable <see cref="ConnectionStringVariable"/> holds a connection string (of a role
/// that may create databases), that server is used. Otherwise the fixture starts a private one from the
/// packaged binaries (<c>/usr/lib/postgresql/&lt;highest version&gt;/bin</c>) in a temporary folder on a free
/// loopback port, and stops it and deletes the folder when disposed. <c>initdb</c> refuses to run as root,
/// so as root the binaries run as the <c>postgres</c> user through <c>runuser</c>.
/// </para>
/// <para>
/// Missing binaries fail the tests (never skip them) with the command that installs them.
/// Each test gets its own database (<c>CREATE DATABASE keyward_test_&lt;guid&gt;</c>), so tests never see
/// each other's rows; a migrated one is copied from a template that the real migrations built once.
/// Thread-safe after <see cref="InitializeAsync"/>.
/// </para>
/// </remarks>
public sealed class PostgresServer : ITestDatabaseSource, IAsyncLifetime
{
    /// <summary>Connection string of an existing server to use instead of starting one.</summary>
    public const string ConnectionStringVariable = "KEYWARD_TEST_POSTGRES";

    private const string PackagedRoot = "/usr/lib/postgresql";
    private const string ServiceUser = "postgres";
    private static readonly TimeSpan CommandTimeout = TimeSpan.FromMinutes(2);

    private string? _folder;
    private string? _binaries;
    private bool _runAsServiceUser;
    private bool _ownServer;
    private bool _started;
    private string? _template;
    private string? _serverOptions;

    /// <summary>The maintenance connection (database <c>postgres</c>) of the server in use.</summary>
    public string AdminConnectionString { get; private set; } = string.Empty;

    public DatabaseProvider Provider => DatabaseProvider.Postgres;

    public async Task InitializeAsync()
    {
        var external = Environment.GetEnvironmentVariable(ConnectionStringVariable);
        if (!string.IsNullOrWhiteSpace(external))
        {
            AdminConnectionString = external;
            await WaitUntilReachableAsync(CancellationToken.None).ConfigureAwait(false);
            await CreateTemplateAsync(CancellationToken.None).ConfigureAwait(false);
            return;
        }

        try
        {
            await StartOwnServerAsync(CancellationToken.None).ConfigureAwait(false);
            await CreateTemplateAsync(CancellationToken.None).ConfigureAwait(false);
        }
        catch
        {
            await StopOwnServerAsync().ConfigureAwait(false);
            throw;
        }
    }

    public async Task DisposeAsync()
    {
        NpgsqlConnection.ClearAllPools();
        if (_ownServer)
        {
            await StopOwnServerAsync().ConfigureAwait(false);
        }
        else if (_template is not null)
        {
            await ExecuteAsync($"DROP DATABASE IF EXISTS \"{_template}\" WITH (FORCE)", CancellationToken.None).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Restarts the server the fixture started as an operator would, <c>pg_ctl restart -m fast</c>: connected sessions
    /// are terminated, the server stops and starts again on the same port, and the call returns once it accepts
    /// connections. For fault tests: give such a test a fixture instance of its own (an xunit class fixture is one
    /// per test class), so that no other test's server goes away under it.
    /// </summary>
    /// <exception cref="InvalidOperationException">The fixture uses a server it did not start.</exception>
    public Task RestartAsync(CancellationToken cancellationToken) =>
        RunAsync("pg_ctl", ["-D", DataFolderOfOwnServer, "-l", Path.Combine(_folder!, "server.log"), "-m", "fast", "-w", "restart"], cancellationToken);

    /// <summary>Stops the server the fixture started (<c>pg_ctl stop -m fast</c>) until <see cref="StartAgainAsync"/>.</summary>
    /// <exception cref="InvalidOperationException">The fixture uses a server it did not start.</exception>
    public Task StopForNowAsync(CancellationToken cancellationToken) =>
        RunAsync("pg_ctl", ["-D", DataFolderOfOwnServer, "-m", "fast", "-w", "stop"], cancellationToken);

    /// <summary>Starts the server <see cref="StopForNowAsync"/> stopped, on the same port; returns once it accepts connections.</summary>
    public Task StartAgainAsync(CancellationToken cancellationToken) =>
        RunAsync("pg_ctl", ["-D", DataFolderOfOwnServer, "-l", Path.Combine(_folder!, "server.log"), "-o", _serverOptions!, "-w", "start"], cancellationToken);

    private string DataFolderOfOwnServer => _ownServer && _started
        ? DataFolder
        : throw new InvalidOperationException($"Only a PostgreSQL server the tests started can be stopped or restarted; unset {ConnectionStringVariable}.");

    /// <inheritdoc/>
    /// <remarks>Named <c>keyward_test_&lt;guid&gt;</c>; disposing it drops it on a server the fixture did not start.</remarks>
    public Task<TestDatabase> CreateEmptyDatabaseAsync(CancellationToken cancellationToken) => CreateDatabaseAsync("template0", cancellationToken);

    /// <inheritdoc/>
    public Task<TestDatabase> CreateMigratedDatabaseAsync(CancellationToken cancellationToken) =>
        CreateDatabaseAsync(_template ?? throw new InvalidOperationException("The PostgreSQL server has not been initialised."), cancellationToken);

    private async Task<TestDatabase> CreateDatabaseAsync(string template, CancellationToken cancellationToken)
    {
        var name = "keyward_test_" + Guid.NewGuid().ToString("N");
        await ExecuteAsync($"CREATE DATABASE \"{name}\" TEMPLATE \"{template}\"", cancellationToken).ConfigureAwait(false);
        var connectionString = ConnectionStringFor(name);
        var options = new StorageOptions { Provider = DatabaseProvider.Postgres, ConnectionString = connectionString };
        return new TestDatabase(options, Path.GetTempPath(), async () =>
        {
            // The storage layer's own connection string (with its session options) has a pool of its own: clear them all.
            NpgsqlConnection.ClearAllPools();

            // A private server is thrown away whole; only a borrowed one is tidied database by database.
            if (!_ownServer)
            {
                await ExecuteAsync($"DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)", CancellationToken.None).ConfigureAwait(false);
            }
        });
    }

    /// <summary>Migrates an empty database once; every migrated test database is a copy of it.</summary>
    private async Task CreateTemplateAsync(CancellationToken cancellationToken)
    {
        var name = "keyward_template_" + Guid.NewGuid().ToString("N");
        await ExecuteAsync($"CREATE DATABASE \"{name}\" TEMPLATE template0", cancellationToken).ConfigureAwait(false);
        _template = name;
        var connectionString = ConnectionStringFor(name);
        await TestDatabase.MigrateAsync(new StorageOptions { Provider = DatabaseProvider.Postgres, ConnectionString = connectionString }, Path.GetTempPath(), cancellationToken).ConfigureAwait(false);

        // CREATE DATABASE … TEMPLATE refuses while anyone is connected to the template. The storage layer connects with
        // a connection string of its own (it adds session options), so every pool is cleared, not only this string's.
        NpgsqlConnection.ClearAllPools();
    }

    private string ConnectionStringFor(string database) =>
        new NpgsqlConnectionStringBuilder(AdminConnectionString) { Database = database }.ConnectionString;

    private string DataFolder => Path.Combine(_folder!, "data");

    private async Task ExecuteAsync(string sql, CancellationToken cancellationToken)
    {
        await using var connection = new NpgsqlConnection(AdminConnectionString);
        await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    private async Task StartOwnServerAsync(CancellationToken cancellationToken)
    {
        if (OperatingSystem.IsWindows())
        {
            throw new PlatformNotSupportedException($"Starting a PostgreSQL server is supported on Linux only; set {ConnectionStringVariable} instead.");
        }

        _binaries = FindBinaries();
        _runAsServiceUser = string.Equals(Environment.UserName, "root", StringComparison.Ordinal);
        _folder = Directory.CreateTempSubdirectory("keyward-pg-").FullName;
        _ownServer = true;

        // The server's user must be able to reach the folder; the data folder inside is made 0700 by initdb.
        File.SetUnixFileMode(_folder, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute
            | UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute);
        var password = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));
        var passwordFile = Path.Combine(_folder, "pwfile");
        await File.WriteAllTextAsync(passwordFile, password + "\n", cancellationToken).ConfigureAwait(false);
        if (_runAsServiceUser)
        {
            await RunToolAsync("chown", ["-R", $"{ServiceUser}:", _folder], cancellationToken).ConfigureAwait(false);
        }

        await RunAsync(
            "initdb",
            ["-D", DataFolder, "-U", "postgres", "--auth=scram-sha-256", $"--pwfile={passwordFile}", "-E", "UTF8", "--locale=C.UTF-8", "--no-sync"],
            cancellationToken).ConfigureAwait(false);
        File.Delete(passwordFile);

        // A free port can be taken by someone else between the probe and the start: try a few.
        const int attempts = 3;
        for (var attempt = 1; ; attempt++)
        {
            var port = Keyward.Testing.LoopbackPorts.Free();
            try
            {
                _serverOptions = $"-p {port} -k {_folder} -c listen_addresses=127.0.0.1 -c fsync=off";
                await RunAsync(
                    "pg_ctl",
                    ["-D", DataFolder, "-l", Path.Combine(_folder, "server.log"), "-o", _serverOptions, "-w", "start"],
                    cancellationToken).ConfigureAwait(false);
                _started = true;
                AdminConnectionString = new NpgsqlConnectionStringBuilder
                {
                    Host = "127.0.0.1",
                    Port = port,
                    Username = "postgres",
                    Password = password,
                    Database = "postgres",
                }.ConnectionString;
                return;
            }
            catch (InvalidOperationException) when (attempt < attempts)
            {
            }
        }
    }

    private async Task StopOwnServerAsync()
    {
        if (_folder is null)
        {
            return;
        }

        try
        {
            if (_started)
            {
                await RunAsync("pg_ctl", ["-D", DataFolder, "stop", "-m", "immediate", "-w"], CancellationToken.None).ConfigureAwait(false);
            }
        }
        finally
        {
            Directory.Delete(_folder, recursive: true);
            _folder = null;
            _started = false;
        }
    }

    /// <summary>
    /// The path of a packaged PostgreSQL client or server program (e.g. <c>pg_dump</c>) of the highest installed
    /// version, which also reads dumps of older servers.
    /// </summary>
    /// <exception cref="InvalidOperationException">No PostgreSQL binaries are installed; the message says what to install.</exception>
    public static string ToolPath(string program)
    {
        ArgumentException.ThrowIfNullOrEmpty(program);
        var path = Path.Combine(FindBinaries(), program);
        return File.Exists(path)
            ? path
            : throw new InvalidOperationException($"{path} is missing. Install it with `apt-get install -y postgresql` (as root).");
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
        if (versions.Count == 0)
        {
            throw new InvalidOperationException(
                $"The PostgreSQL tests need a PostgreSQL server: none of initdb/pg_ctl was found under {PackagedRoot}/*/bin. " +
                $"Install it with `apt-get install -y postgresql` (as root), or set {ConnectionStringVariable} to the connection " +
                "string of a server role that may create databases.");
        }

        return versions[0].Folder;
    }


    private async Task WaitUntilReachableAsync(CancellationToken cancellationToken)
    {
        try
        {
            await ExecuteAsync("SELECT 1", cancellationToken).ConfigureAwait(false);
        }
        catch (NpgsqlException ex)
        {
            throw new InvalidOperationException($"{ConnectionStringVariable} is set, but that PostgreSQL server cannot be reached: {ex.Message}", ex);
        }
    }

    /// <summary>Runs a PostgreSQL binary, as the <c>postgres</c> user when the tests run as root.</summary>
    private Task RunAsync(string binary, IReadOnlyList<string> arguments, CancellationToken cancellationToken)
    {
        var path = Path.Combine(_binaries!, binary);
        return _runAsServiceUser
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
            WorkingDirectory = _folder ?? Path.GetTempPath(),
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException($"Could not start {fileName}.");
        var output = process.StandardOutput.ReadToEndAsync(cancellationToken);
        var error = process.StandardError.ReadToEndAsync(cancellationToken);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(CommandTimeout);
        await process.WaitForExitAsync(timeout.Token).ConfigureAwait(false);
        var text = (await output.ConfigureAwait(false)) + (await error.ConfigureAwait(false));
        if (process.ExitCode != 0)
        {
            var log = _folder is not null && File.Exists(Path.Combine(_folder, "server.log"))
                ? "\nserver.log:\n" + await File.ReadAllTextAsync(Path.Combine(_folder, "server.log"), cancellationToken).ConfigureAwait(false)
                : string.Empty;
            throw new InvalidOperationException($"`{fileName} {string.Join(' ', arguments)}` exited with {process.ExitCode}:\n{text}{log}");
        }
    }
}
