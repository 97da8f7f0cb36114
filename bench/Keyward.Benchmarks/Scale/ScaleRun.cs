using System.Collections.Concurrent;
using System.Data.Common;
using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Text.Json;
using Keyward.Benchmarks.Recovery;
using Npgsql;

namespace Keyward.Benchmarks.Scale;

/// <summary>
/// <c>-- scale</c>: the read queries of a large organisation, per scope, over HTTP against the real server
/// (docs/performance.md, "At scale").
/// </summary>
internal static class ScaleRun
{
    /// <summary>How long each measured window of a warm-up lasts.</summary>
    private static readonly TimeSpan WarmUpWindow = TimeSpan.FromSeconds(5);

    /// <summary>The operator of each scope: the demo's admin, and demo people given the Administrator role at a narrower scope.</summary>
    private static readonly (string Scope, string Logon)[] Operators = [("All", "admin"), ("Division", "olivia"), ("Department", "vera"), ("Self", "dave")];

    private const string PostgresSettings = "-c shared_buffers=2GB -c effective_cache_size=8GB -c max_wal_size=8GB -c maintenance_work_mem=512MB";

    public static async Task<int> RunAsync(IReadOnlyList<string> args)
    {
        var options = ScaleOptions.Parse(args);
        using var cancel = new CancellationTokenSource();
        Console.CancelKeyPress += (_, e) =>
        {
            e.Cancel = true;
            cancel.Cancel();
        };
        var ct = cancel.Token;
        var folder = options.Reuse is null
            ? Directory.CreateTempSubdirectory("keyward-scale-").FullName
            : Path.GetFullPath(options.Reuse);
        if (OperatingSystem.IsWindows())
        {
            throw new PlatformNotSupportedException("The scale run starts its databases on Linux only.");
        }

        Directory.CreateDirectory(folder);
        File.SetUnixFileMode(folder, (UnixFileMode)0b111_101_101);
        var output = Console.Out;
        output.WriteLine($"Keyward scale run: {options.Database}, {options.PeopleOrDefault:N0} people, data set in {folder}; {Environment.ProcessorCount} cores, load {LoadAverage()}");
        PostgresInstance? postgres = null;
        try
        {
            string? connectionString = null;
            var created = false;
            if (options.Database == LoadDatabase.Postgres)
            {
                (postgres, created) = await PostgresInstance.OpenAsync(Path.Combine(folder, "pg"), PostgresSettings, ct).ConfigureAwait(false);
                // The server migrates at start-up, and a migration that indexes ten million rows takes minutes: more than
                // Npgsql's default 30-second command timeout (docs/performance.md, "At scale").
                connectionString = new NpgsqlConnectionStringBuilder(postgres.ConnectionString) { CommandTimeout = 1800 }.ConnectionString;
                output.WriteLine($"PostgreSQL {postgres.Version}: {await postgres.DurabilitySettingsAsync(ct).ConfigureAwait(false)}");
            }

            var data = Path.Combine(folder, "data");
            var passphraseFile = Path.Combine(folder, "passphrase");
            var manifestFile = Path.Combine(folder, "manifest.txt");
            BulkLoader loader = options.Database == LoadDatabase.Postgres ? new PostgresBulkLoader(connectionString!) : new SqliteBulkLoader(Path.Combine(data, "keyward.db"));
            if (!File.Exists(manifestFile) || created)
            {
                Directory.CreateDirectory(data);
                var passphrase = Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(24));
                await File.WriteAllTextAsync(passphraseFile, passphrase, ct).ConfigureAwait(false);
                var manifest = await GenerateAsync(options, loader, connectionString, data, passphrase, output, ct).ConfigureAwait(false);
                await File.WriteAllTextAsync(manifestFile, manifest, ct).ConfigureAwait(false);
            }
            else
            {
                output.WriteLine($"Reusing the data set: {(await File.ReadAllTextAsync(manifestFile, ct).ConfigureAwait(false)).Trim()}");
            }

            var people = int.Parse(File.ReadLines(manifestFile).First(l => l.StartsWith("people=", StringComparison.Ordinal))[7..], CultureInfo.InvariantCulture);
            DemoAnchor anchor;
            await using (var connection = await loader.OpenAsync(ct).ConfigureAwait(false))
            {
                anchor = await ReadAnchorAsync(connection, ct).ConfigureAwait(false);
            }

            var set = new ScaleDataSet(people, anchor, DateTime.UtcNow);
            var queries = await MeasureAsync(options, set, anchor, connectionString, postgres?.Pid, data, await File.ReadAllTextAsync(passphraseFile, ct).ConfigureAwait(false), output, ct).ConfigureAwait(false);
            double empty = double.NaN;
            if (options.RecoverySeconds > 0 && !options.VerifyOnly)
            {
                empty = await RecoveryOnEmptyAsync(options, postgres, output, ct).ConfigureAwait(false);
                output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"Recovery: {queries.RecoveryRate:F2} flows/s at scale, {empty:F2} flows/s on an empty database ({(queries.RecoveryRate / empty - 1) * 100:+0.0;-0.0} %)."));
            }

            return 0;
        }
        finally
        {
            if (postgres is not null)
            {
                await postgres.DisposeAsync().ConfigureAwait(false);
            }

            if (options.Reuse is null)
            {
                Directory.Delete(folder, recursive: true);
            }
        }
    }

    private static async Task<string> GenerateAsync(ScaleOptions options, BulkLoader loader, string? connectionString, string data, string passphrase, TextWriter output, CancellationToken ct)
    {
        // Keyward itself creates the schema (its migrations) and the demo organisation the data set grows from.
        var seed = Stopwatch.StartNew();
        await using (await ServerProcess.StartAsync(connectionString, false, options.ServerLog, ct, data, passphrase).ConfigureAwait(false))
        {
        }

        output.WriteLine($"Migrated and seeded the demo organisation in {seed.Elapsed.TotalSeconds:F1} s.");
        DemoAnchor anchor;
        await using (var connection = await loader.OpenAsync(ct).ConfigureAwait(false))
        {
            anchor = await ReadAnchorAsync(connection, ct).ConfigureAwait(false);
            await GrantOperatorsAsync(connection, loader, ct).ConfigureAwait(false);
        }

        var set = new ScaleDataSet(options.PeopleOrDefault, anchor, DateTime.UtcNow);
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"Generating {set.People:N0} people in {set.Groups:N0} groups, {set.Certificates:N0} certificates ({set.Archived:N0} archived), {set.Devices:N0} devices, {set.Requests:N0} requests, {set.AuditEntries:N0} audit entries:"));
        var load = Stopwatch.StartNew();
        await loader.LoadAsync(set.Tables(), output, ct).ConfigureAwait(false);
        load.Stop();
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"Loaded in {load.Elapsed.TotalSeconds:F0} s ({load.Elapsed.TotalMinutes:F1} min); audit head {set.AuditHead.Sequence}."));
        return string.Create(CultureInfo.InvariantCulture, $"people={set.People}\ngroups={set.Groups}\ncertificates={set.Certificates}\ndevices={set.Devices}\nrequests={set.Requests}\naudit={set.AuditEntries}\nloadSeconds={load.Elapsed.TotalSeconds:F0}\n");
    }

    private static async Task<DemoAnchor> ReadAnchorAsync(DbConnection connection, CancellationToken ct)
    {
        async Task<List<object[]>> Rows(string sql)
        {
            await using var command = connection.CreateCommand();
            command.CommandText = sql;
            await using var reader = await command.ExecuteReaderAsync(ct).ConfigureAwait(false);
            var rows = new List<object[]>();
            while (await reader.ReadAsync(ct).ConfigureAwait(false))
            {
                var row = new object[reader.FieldCount];
                reader.GetValues(row);
                rows.Add(row);
            }

            return rows;
        }

        var groups = (await Rows("SELECT \"Id\", \"Path\" FROM \"Groups\" WHERE \"Path\" IN ('Acme', 'Acme/Finance', 'Acme/Engineering')").ConfigureAwait(false))
            .ToDictionary(r => (string)r[1], r => (string)r[0], StringComparer.Ordinal);
        var policies = (await Rows("SELECT \"Name\", \"Id\" FROM \"CertificatePolicies\"").ConfigureAwait(false)).ToDictionary(r => (string)r[0], r => (string)r[1], StringComparer.Ordinal);
        var profiles = (await Rows("SELECT \"Name\", \"Id\" FROM \"CredentialProfiles\"").ConfigureAwait(false)).ToDictionary(r => (string)r[0], r => (string)r[1], StringComparer.Ordinal);
        var people = (await Rows("SELECT \"LogonName\", \"Id\" FROM \"People\" WHERE \"LogonName\" IN ('admin', 'olivia', 'victor', 'vera', 'carol', 'dave', 'erin')").ConfigureAwait(false))
            .ToDictionary(r => (string)r[0], r => (string)r[1], StringComparer.Ordinal);
        var template = (await Rows(
            "SELECT c.\"RawData\", c.\"Issuer\", k.\"Envelope\", k.\"StorageKeyId\" FROM \"Certificates\" c JOIN \"ArchivedKeys\" k ON k.\"Id\" = c.\"ArchivedKeyId\" ORDER BY c.\"Id\" LIMIT 1").ConfigureAwait(false))[0];
        var tail = (await Rows("SELECT \"Sequence\", \"Hash\" FROM \"AuditEvents\" ORDER BY \"Sequence\" DESC LIMIT 1").ConfigureAwait(false))[0];
        return new DemoAnchor(
            groups["Acme"],
            new Dictionary<string, string>(StringComparer.Ordinal) { ["Finance"] = groups["Acme/Finance"], ["Engineering"] = groups["Acme/Engineering"] },
            policies[RecoveryApi.EncryptionPolicy],
            policies["Signing RSA-2048"],
            profiles[RecoveryApi.Profile],
            profiles["Key Recovery - Smart Card"],
            people,
            (byte[])template[0],
            (string)template[1],
            (byte[])template[2],
            (string)template[3],
            Convert.ToInt64(tail[0], CultureInfo.InvariantCulture),
            (string)tail[1]);
    }

    /// <summary>olivia, vera and dave get the Administrator role at scope Division, Department and Self: one operator per scope.</summary>
    private static async Task GrantOperatorsAsync(DbConnection connection, BulkLoader loader, CancellationToken ct)
    {
        string roleId;
        await using (var find = connection.CreateCommand())
        {
            find.CommandText = "SELECT \"Id\" FROM \"Roles\" WHERE \"Name\" = 'Administrator'";
            roleId = (string)(await find.ExecuteScalarAsync(ct).ConfigureAwait(false))!;
        }

        foreach (var (logon, scope) in new[] { ("olivia", 3), ("vera", 2), ("dave", 1) })
        {
            await using var insert = connection.CreateCommand();
            insert.CommandText = "INSERT INTO \"RoleAssignment\" (\"Id\", \"AdministrativeGroupIds\", \"PersonId\", \"RoleId\", \"Scope\") " +
                                 "SELECT @id, @groups, \"Id\", @role, @scope FROM \"People\" WHERE \"LogonName\" = @logon";
            void Add(string name, object value)
            {
                var p = insert.CreateParameter();
                p.ParameterName = name;
                p.Value = value;
                insert.Parameters.Add(p);
            }

            Add("@id", $"scale-{logon}-administrator");
            Add("@groups", loader.EmptyTextArray);
            Add("@role", roleId);
            Add("@scope", scope);
            Add("@logon", logon);
            await insert.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
        }
    }

    private sealed record Query(string Name, Func<Random, string?> Url);

    private sealed record ScaleResult(double RecoveryRate);

    private static async Task<ScaleResult> MeasureAsync(
        ScaleOptions options, ScaleDataSet set, DemoAnchor anchor, string? connectionString, int? postgresPid, string data, string passphrase, TextWriter output, CancellationToken ct)
    {
        var start = Stopwatch.StartNew();
        await using var server = await ServerProcess.StartAsync(connectionString, false, options.ServerLog, ct, data, passphrase).ConfigureAwait(false);
        output.WriteLine($"Server up in {start.Elapsed.TotalSeconds:F1} s (migrations included).");
        if (connectionString is not null)
        {
            output.WriteLine(await PrewarmAsync(connectionString, ct).ConfigureAwait(false));
        }
        using var handler = new SocketsHttpHandler { PooledConnectionLifetime = Timeout.InfiniteTimeSpan, MaxConnectionsPerServer = int.MaxValue, UseCookies = false };

        // Who each scope reaches, to ask about people the caller may see.
        var groupsById = set.GroupList.ToDictionary(g => g.Id, g => g, StringComparer.Ordinal);
        string PathOf(string groupId) => groupsById.TryGetValue(groupId, out var g) ? g.Path : groupId == anchor.DivisionIds["Finance"] ? "Acme/Finance" : groupId == anchor.DivisionIds["Engineering"] ? "Acme/Engineering" : "Acme";
        bool InScope(string scope, long n) => scope switch
        {
            "All" => true,
            "Division" => PathOf(set.GroupOf(n)).StartsWith("Acme/Finance", StringComparison.Ordinal),
            "Department" => set.GroupOf(n) == anchor.DivisionIds["Engineering"],
            _ => false,
        };

        var table = new List<(string Query, string Scope, Samples Samples, int Errors, int Rows, double ServerCpu, double DatabaseCpu)>();
        foreach (var (scope, logon) in options.VerifyOnly ? [] : Operators.Where(o => options.Scopes is null || options.Scopes.Contains(o.Scope, StringComparer.OrdinalIgnoreCase)))
        {
            using var client = await SignInAsync(handler, server.Address, logon, ct).ConfigureAwait(false);
            var reached = new List<long>();
            for (long n = 0; n < set.People && reached.Count < 200; n += 1 + (set.People / 20_000))
            {
                if (InScope(scope, n))
                {
                    reached.Add(n);
                }
            }

            var self = anchor.PeopleByLogon[logon];
            string Someone(Random r) => reached.Count == 0 ? self : ScaleDataSet.PersonId(reached[r.Next(reached.Count)]);
            long Sample(Random r) => reached.Count == 0 ? -1 : reached[r.Next(reached.Count)];
            string LogonPrefix(Random r) => Sample(r) is var n and >= 0 ? ScaleDataSet.LogonName(n)[..6] : logon[..3];
            string NamePrefix(Random r) => Sample(r) is var n and >= 0 ? ScaleDataSet.DisplayName(n) is var name ? name[..(name.IndexOf(' ', StringComparison.Ordinal) + 3)] : name : "Dav";
            string Group(Random r) => Sample(r) is var n and >= 0 ? PathOf(set.GroupOf(n)) : "Acme/Engineering";
            var queries = new Query[]
            {
                new("people: list, page 1", _ => "/api/people"),
                new("people: list, page 100", _ => "/api/people?page=100"),
                new("people: search logon prefix", r => $"/api/people?q={Uri.EscapeDataString(LogonPrefix(r))}"),
                new("people: search name prefix", r => $"/api/people?q={Uri.EscapeDataString(NamePrefix(r))}"),
                new("people: search in a group", r => Sample(r) is var n and >= 0
                    ? $"/api/people?q={Uri.EscapeDataString(ScaleDataSet.LogonName(n)[..3])}&group={Uri.EscapeDataString(PathOf(set.GroupOf(n)))}"
                    : $"/api/people?q={logon[..2]}&group={Uri.EscapeDataString(Group(r))}"),
                new("person: certificates", r => $"/api/people/{Someone(r)}/certificates"),
                new("person: devices", r => $"/api/people/{Someone(r)}/devices"),
                new("requests: review queue", _ => "/api/requests?status=AwaitingValidation"),
                new("requests: list", _ => "/api/requests"),
                new("audit: list, action filter", _ => "/api/audit?action=recovery."),
                new("audit: list, subject filter", r => $"/api/audit?subjectId={Someone(r)}"),
                new("audit: verify 1,000 entries", r => r.Next(set.AuditEntries > 10_000 ? (int)(set.AuditEntries - 10_000) : 1) is var from ? $"/api/audit/verify?from={from}&to={from + 999}" : null),
            };
            var measured = queries.Where(q => options.Queries is null || q.Name.Contains(options.Queries, StringComparison.OrdinalIgnoreCase)).ToList();
            if (options.WarmupSeconds > 0)
            {
                // The runtime recompiles the hot paths for tens of seconds after start, and each scope's queries are
                // shapes of their own (docs/performance.md, "Warming up each scope"): without this, a scope's cells carry
                // the JIT of its code, not the query.
                output.WriteLine($"{scope}: " + await WarmUpAsync(client, measured, options, server.CpuTime, ct).ConfigureAwait(false));
            }

            foreach (var query in measured)
            {
                // CPU per request, of the server and of PostgreSQL (postmaster and backends): what a query costs whatever
                // else the shared machine is doing, beside the latency that the machine's load inflates.
                var serverCpu = server.CpuTime();
                var databaseCpu = postgresPid is { } pid ? ProcessStats.TreeCpuTime(pid) : TimeSpan.Zero;
                var (samples, errors, rows, sent) = await LatencyAsync(client, query.Url, options, ct).ConfigureAwait(false);
                var serverMs = (server.CpuTime() - serverCpu).TotalMilliseconds / Math.Max(1, sent);
                var databaseMs = postgresPid is { } pid2 ? (ProcessStats.TreeCpuTime(pid2) - databaseCpu).TotalMilliseconds / Math.Max(1, sent) : 0;
                table.Add((query.Name, scope, samples, errors, rows, serverMs, databaseMs));
                var (p50, _, p99, _) = samples.Percentiles();
                output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"  {query.Name,-30} {scope,-10} p50 {p50,8:F1} ms  p99 {p99,8:F1} ms  n={samples.Count} errors={errors} total={rows}  CPU/request: server {serverMs:F1} ms, PostgreSQL {databaseMs:F1} ms  (load {LoadAverage()})"));
            }
        }

        // The columns are the scopes measured (--scopes), in the order they ran.
        var scopes = table.Select(t => t.Scope).Distinct(StringComparer.Ordinal).ToList();
        var rule = "| --- |" + string.Concat(scopes.Select(_ => " ---: |"));
        output.WriteLine();
        output.WriteLine("| Query | " + string.Join(" | ", scopes.Select(s => s + " p50 / p99 (ms)")) + " |");
        output.WriteLine(rule);
        foreach (var group in table.GroupBy(t => t.Query))
        {
            output.WriteLine($"| {group.Key} | " + string.Join(" | ", group.Select(t =>
            {
                var (p50, _, p99, _) = t.Samples.Percentiles();
                return string.Create(CultureInfo.InvariantCulture, $"{p50:F1} / {p99:F1}") + (t.Errors > 0 ? $" ({t.Errors} errors)" : string.Empty);
            })) + " |");
        }

        output.WriteLine();
        output.WriteLine("CPU per request, server + PostgreSQL (ms):");
        output.WriteLine("| Query | " + string.Join(" | ", scopes) + " |");
        output.WriteLine(rule);
        foreach (var group in table.GroupBy(t => t.Query))
        {
            output.WriteLine($"| {group.Key} | " + string.Join(" | ", group.Select(t => string.Create(CultureInfo.InvariantCulture, $"{t.ServerCpu:F1} + {t.DatabaseCpu:F1}"))) + " |");
        }

        output.WriteLine();
        if (!options.SkipVerify)
        {
            using var admin = await SignInAsync(handler, server.Address, "admin", ct, TimeSpan.FromHours(1)).ConfigureAwait(false);
            var loadBefore = LoadAverage();
            var serverCpu = server.CpuTime();
            var databaseCpu = postgresPid is { } pid ? ProcessStats.TreeCpuTime(pid) : TimeSpan.Zero;
            var watch = Stopwatch.StartNew();
            using var json = JsonDocument.Parse(await admin.GetStringAsync(new Uri("/api/audit/verify", UriKind.Relative), ct).ConfigureAwait(false));
            watch.Stop();
            var checkedEntries = json.RootElement.GetProperty("entriesChecked").GetInt64();
            var perEntry = 1e6 / Math.Max(1, checkedEntries);
            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"Full audit verification: intact={json.RootElement.GetProperty("intact").GetBoolean()}, {checkedEntries:N0} entries in {watch.Elapsed.TotalSeconds:F1} s = {checkedEntries / watch.Elapsed.TotalSeconds:N0} entries/s; "
                + $"CPU per entry: server {(server.CpuTime() - serverCpu).TotalSeconds * perEntry:F2} µs, PostgreSQL {((postgresPid is { } after ? ProcessStats.TreeCpuTime(after) : TimeSpan.Zero) - databaseCpu).TotalSeconds * perEntry:F2} µs "
                + $"(load {loadBefore} before, {LoadAverage()} after)"));
        }

        var rate = options.RecoverySeconds > 0 && !options.VerifyOnly ? await RecoveryRateAsync(server.Address, options, "at scale", output, ct).ConfigureAwait(false) : double.NaN;
        return new ScaleResult(rate);
    }

    /// <summary>
    /// Sends every query in turn from <see cref="ScaleOptions.Clients"/> clients, nothing recorded, in windows of
    /// <see cref="WarmUpWindow"/>: for <see cref="ScaleOptions.WarmupSeconds"/> at least, then until the server's CPU per
    /// request has settled — a window within a tenth of the one before, either way: a window still a tenth cheaper than the
    /// one before is a server still compiling — and for at most four times as long.
    /// A server just started spends much of its CPU compiling its hot code again for speed (docs/performance.md, "Warming
    /// up each scope"); the cells are to measure the queries, not that.
    /// </summary>
    private static async Task<string> WarmUpAsync(HttpClient client, IReadOnlyList<Query> queries, ScaleOptions options, Func<TimeSpan> serverCpu, CancellationToken ct)
    {
        var sent = 0;
        var watch = Stopwatch.StartNew();
        var perRequest = new List<double>();
        var settled = false;
        while (!settled && watch.Elapsed < TimeSpan.FromSeconds(4 * options.WarmupSeconds))
        {
            var windowEnd = watch.Elapsed + WarmUpWindow;
            var cpuBefore = serverCpu();
            var sentBefore = sent;
            await Task.WhenAll(Enumerable.Range(0, options.Clients).Select(async worker =>
            {
                var random = new Random(worker * 31 + 5 + sentBefore);
                for (var i = worker; watch.Elapsed < windowEnd; i++)
                {
                    if (queries[i % queries.Count].Url(random) is { } path)
                    {
                        using var response = await client.GetAsync(new Uri(path, UriKind.Relative), ct).ConfigureAwait(false);
                        Interlocked.Increment(ref sent);
                    }
                }
            })).ConfigureAwait(false);
            perRequest.Add((serverCpu() - cpuBefore).TotalMilliseconds / Math.Max(1, sent - sentBefore));
            settled = watch.Elapsed >= TimeSpan.FromSeconds(options.WarmupSeconds) && perRequest.Count >= 2
                      && Math.Abs(perRequest[^1] / perRequest[^2] - 1) <= 0.1;
        }

        return string.Create(CultureInfo.InvariantCulture,
            $"Warmed up with {sent} requests in {watch.Elapsed.TotalSeconds:F0} s, {(settled ? "settled" : "not settled")}; server CPU per request by {WarmUpWindow.TotalSeconds:F0}-s window: {string.Join(", ", perRequest.Select(ms => ms.ToString("F1", CultureInfo.InvariantCulture)))} ms (load {LoadAverage()}).");
    }

    private static async Task<(Samples Samples, int Errors, int Total, int Sent)> LatencyAsync(HttpClient client, Func<Random, string?> url, ScaleOptions options, CancellationToken ct)
    {
        var samples = new ConcurrentBag<double>();
        var errors = 0;
        var sent = 0;
        var total = -1;
        var next = -options.Clients * 2; // the first two rounds warm up and are not counted
        var deadline = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, options.Clients).Select(async worker =>
        {
            var random = new Random(worker * 7919 + 17);
            while (true)
            {
                var i = Interlocked.Increment(ref next);
                if (i > options.Requests || deadline.Elapsed > TimeSpan.FromSeconds(60))
                {
                    return;
                }

                Interlocked.Increment(ref sent);
                var path = url(random);
                var started = Stopwatch.GetTimestamp();
                using var response = await client.GetAsync(new Uri(path!, UriKind.Relative), ct).ConfigureAwait(false);
                var body = await response.Content.ReadAsByteArrayAsync(ct).ConfigureAwait(false);
                var ms = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
                if (!response.IsSuccessStatusCode)
                {
                    Interlocked.Increment(ref errors);
                    continue;
                }

                if (i > 0)
                {
                    samples.Add(ms);
                    if (total < 0)
                    {
                        using var json = JsonDocument.Parse(body);
                        total = json.RootElement.TryGetProperty("total", out var t) ? t.GetInt32() : 0;
                    }
                }
            }
        })).ConfigureAwait(false);
        var result = new Samples();
        result.AddRange(samples);
        return (result, errors, total, sent);
    }

    private static async Task<HttpClient> SignInAsync(SocketsHttpHandler handler, Uri address, string logon, CancellationToken ct, TimeSpan? timeout = null)
    {
        var client = new HttpClient(handler, disposeHandler: false) { BaseAddress = address, Timeout = timeout ?? TimeSpan.FromMinutes(5) };
        using var form = new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["grant_type"] = "client_credentials",
            ["client_id"] = $"{logon}-cli",
            ["client_secret"] = $"{logon}-secret",
        });
        using var response = await client.PostAsync(new Uri("/connect/token", UriKind.Relative), form, ct).ConfigureAwait(false);
        var body = await response.Content.ReadAsStringAsync(ct).ConfigureAwait(false);
        if (!response.IsSuccessStatusCode)
        {
            throw new InvalidOperationException($"Token for {logon}: {(int)response.StatusCode} {body}");
        }

        using var json = JsonDocument.Parse(body);
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", json.RootElement.GetProperty("access_token").GetString());
        return client;
    }

    /// <summary>Whole soft-certificate recoveries (create → approve → collect), <see cref="ScaleOptions.Clients"/> at a time, each client with its own certificates.</summary>
    private static async Task<double> RecoveryRateAsync(Uri address, ScaleOptions options, string label, TextWriter output, CancellationToken ct)
    {
        using var api = await RecoveryApi.SignInAsync(address, ct).ConfigureAwait(false);
        var certificates = new List<string>();
        for (var i = 0; i < options.Clients; i++)
        {
            certificates.Add((await api.IssueArchivedCertificateAsync(ct).ConfigureAwait(false)).Id);
        }

        var flows = 0;
        var failures = 0;
        var samples = new ConcurrentBag<double>();
        async Task Loop(string certificate, TimeSpan duration, bool count)
        {
            var watch = Stopwatch.StartNew();
            while (watch.Elapsed < duration)
            {
                var started = Stopwatch.GetTimestamp();
                var created = await api.CreateAsync([certificate], ct).ConfigureAwait(false);
                var ok = created.Ok
                         && (await api.ApproveAsync(created.RequestId!, ct).ConfigureAwait(false)).Ok
                         && (await api.CollectAsync(created.RequestId!, ct).ConfigureAwait(false)).Ok;
                if (!ok)
                {
                    Interlocked.Increment(ref failures);
                    if (created.Ok)
                    {
                        await api.CancelAsync(created.RequestId!, ct).ConfigureAwait(false);
                    }

                    continue;
                }

                if (count)
                {
                    Interlocked.Increment(ref flows);
                    samples.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
                }
            }
        }

        await Task.WhenAll(certificates.Select(c => Loop(c, TimeSpan.FromSeconds(5), count: false))).ConfigureAwait(false);
        var measured = Stopwatch.StartNew();
        await Task.WhenAll(certificates.Select(c => Loop(c, TimeSpan.FromSeconds(options.RecoverySeconds), count: true))).ConfigureAwait(false);
        var rate = flows / measured.Elapsed.TotalSeconds;
        var all = new Samples();
        all.AddRange(samples);
        var (p50, _, p99, _) = all.Percentiles();
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"Recovery {label}: {flows} flows in {measured.Elapsed.TotalSeconds:F1} s = {rate:F2} flows/s, flow p50 {p50:F0} ms p99 {p99:F0} ms, {failures} failed"));
        return rate;
    }

    private static async Task<double> RecoveryOnEmptyAsync(ScaleOptions options, PostgresInstance? postgres, TextWriter output, CancellationToken ct)
    {
        string? connectionString = null;
        if (postgres is not null)
        {
            await using var admin = new NpgsqlConnection(postgres.AdminConnectionString);
            await admin.OpenAsync(ct).ConfigureAwait(false);
            await using (var drop = new NpgsqlCommand("DROP DATABASE IF EXISTS keyward_empty", admin))
            {
                await drop.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
            }

            await using (var create = new NpgsqlCommand("CREATE DATABASE keyward_empty", admin))
            {
                await create.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
            }

            connectionString = new NpgsqlConnectionStringBuilder(postgres.ConnectionString) { Database = "keyward_empty" }.ConnectionString;
        }

        double rate;
        await using (var server = await ServerProcess.StartAsync(connectionString, false, options.ServerLog, ct).ConfigureAwait(false))
        {
            rate = await RecoveryRateAsync(server.Address, options, "on an empty database", output, ct).ConfigureAwait(false);
        }

        if (postgres is not null)
        {
            NpgsqlConnection.ClearAllPools();
            await using var admin = new NpgsqlConnection(postgres.AdminConnectionString);
            await admin.OpenAsync(ct).ConfigureAwait(false);
            await using var drop = new NpgsqlCommand("DROP DATABASE IF EXISTS keyward_empty WITH (FORCE)", admin);
            await drop.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
        }

        return rate;
    }

    /// <summary>
    /// Reads every table and index of up to 600 MB into PostgreSQL's buffers (<c>pg_prewarm</c>), as a server that has
    /// been running holds them: the run measures queries on a warm database, not the disk after a restart. The audit
    /// trail and the certificates (gigabytes) are left to the queries themselves.
    /// </summary>
    private static async Task<string> PrewarmAsync(string connectionString, CancellationToken ct)
    {
        var watch = Stopwatch.StartNew();
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync(ct).ConfigureAwait(false);
        await using (var extension = new NpgsqlCommand("CREATE EXTENSION IF NOT EXISTS pg_prewarm", connection))
        {
            await extension.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
        }

        await using var prewarm = new NpgsqlCommand(
            """
            SELECT count(*), coalesce(sum(pg_prewarm(c.oid)), 0)
            FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
            WHERE n.nspname = 'public' AND c.relkind IN ('r', 'i') AND pg_relation_size(c.oid) BETWEEN 1 AND 600 * 1024 * 1024
            """,
            connection)
        { CommandTimeout = 600 };
        await using var reader = await prewarm.ExecuteReaderAsync(ct).ConfigureAwait(false);
        await reader.ReadAsync(ct).ConfigureAwait(false);
        return string.Create(CultureInfo.InvariantCulture, $"Prewarmed {reader.GetInt64(0)} tables and indexes ({reader.GetInt64(1) * 8 / 1024:N0} MB) in {watch.Elapsed.TotalSeconds:F1} s.");
    }

    private static string LoadAverage()
    {
        try
        {
            return File.ReadAllText("/proc/loadavg").Split(' ')[0];
        }
        catch (IOException)
        {
            return "?";
        }
    }
}
