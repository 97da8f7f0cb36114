using System.Diagnostics;
using System.DirectoryServices.Protocols;
using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Keyward.Benchmarks.Recovery;
using Keyward.Testing.Directories;

namespace Keyward.Benchmarks.DirectorySync;

/// <summary>
/// Directory sync end to end: generates an LDIF of N people in a realistic tree (divisions, departments, teams), loads
/// it into a real slapd with slapadd, starts the product's own <c>keyward server</c> on SQLite in a child process, and
/// times a full sync of everyone through <c>POST /api/directory/sync?full=true</c>; then a second full run where nothing
/// changed, and an incremental run after a few changes. The yardstick, measured in the same run on the same slapd: the
/// raw paged LDAP search of the same people and attributes, which no sync can beat.
/// </summary>
internal static class DirectorySyncLoad
{
    public const string Usage = """
        dotnet run -c Release --project bench/Keyward.Benchmarks -- directory [options]

          --people N        people in the generated directory (default 100000)
          --page-size N     entries per LDAP page (default 1000)
          --batch-size N    people per transaction (default 1000)
          --server-log FILE also write the server's console output to FILE
        """;

    private const string Suffix = "dc=bench,dc=example";
    private const string ReaderDn = "cn=keyward,dc=bench,dc=example";
    private const string ReaderPassword = "bench-reader-secret";
    private const int Divisions = 10;
    private const int DepartmentsPerDivision = 10;
    private const int TeamsPerDepartment = 5;

    public static async Task<int> RunAsync(IReadOnlyList<string> args)
    {
        int people = 100_000, pageSize = 1000, batchSize = 1000;
        string? serverLog = null;
        for (var i = 0; i < args.Count; i++)
        {
            string Value() => i + 1 < args.Count ? args[++i] : throw new ArgumentException($"{args[i]} needs a value.");
            int Number() => int.TryParse(Value(), NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n >= 1 ? n : throw new ArgumentException($"{args[i - 1]} needs a whole number of at least 1.");
            switch (args[i])
            {
                case "--people": people = Number(); break;
                case "--page-size": pageSize = Number(); break;
                case "--batch-size": batchSize = Number(); break;
                case "--server-log": serverLog = Value(); break;
                default:
                    Console.Error.WriteLine($"Unknown option {args[i]}.\n{Usage}");
                    return 2;
            }
        }

        var clock = Stopwatch.StartNew();
        var ldif = Generate(people);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"Generated {people:N0} people in {Divisions * DepartmentsPerDivision * TeamsPerDepartment} teams ({ldif.Length / 1024 / 1024} MB of LDIF) in {clock.Elapsed.TotalSeconds:F1} s"));
        clock.Restart();
        await using var slapd = await SlapdServer.StartAsync(Suffix, ldif, quick: true).ConfigureAwait(false);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"slapadd and slapd start: {clock.Elapsed.TotalSeconds:F1} s ({slapd.Url})"));

        // The first search warms slapd's cache and this process's code; the second is the yardstick.
        var cold = RawSearch(slapd.Url, pageSize);
        var search = RawSearch(slapd.Url, pageSize);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"Raw paged LDAP search: {search.Entries:N0} entries in {search.Elapsed.TotalSeconds:F2} s = {search.Entries / search.Elapsed.TotalSeconds:N0} entries/s (cold: {cold.Elapsed.TotalSeconds:F2} s)"));

        var environment = new Dictionary<string, string>
        {
            ["Keyward__Directory__Url"] = slapd.Url.ToString(),
            ["Keyward__Directory__BindDn"] = ReaderDn,
            ["Keyward__Directory__BaseDn"] = Suffix,
            ["Keyward__Directory__RootGroup"] = "Bench",
            ["Keyward__Directory__PageSize"] = pageSize.ToString(CultureInfo.InvariantCulture),
            ["Keyward__Directory__BatchSize"] = batchSize.ToString(CultureInfo.InvariantCulture),
            ["KEYWARD_DIRECTORY_PASSWORD"] = ReaderPassword,
        };
        await using var server = await ServerProcess.StartAsync(null, countSql: false, serverLog, CancellationToken.None, environment: environment).ConfigureAwait(false);
        using var admin = await SignInAsync(server.Address).ConfigureAwait(false);

        var first = await SyncAsync(admin, server, full: true, "Full sync, empty Keyward").ConfigureAwait(false);
        var second = await SyncAsync(admin, server, full: true, "Full sync, nothing changed").ConfigureAwait(false);
        await ChangeSomeAsync(slapd, Math.Min(people, 100)).ConfigureAwait(false);
        var third = await SyncAsync(admin, server, full: false, "Incremental sync, 100 changed").ConfigureAwait(false);

        Console.WriteLine();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"Result: {people:N0} people created at {first.Rate:N0} people/s (target 2,000), {people / Math.Max(0.001, first.ServerCpu.TotalSeconds):N0} per server CPU-second; unchanged full pass {second.Rate:N0} people/s; raw LDAP search {search.Entries / search.Elapsed.TotalSeconds:N0} entries/s ({search.Elapsed.TotalSeconds / first.Elapsed.TotalSeconds:P0} of the first sync's time)."));
        return first.Created == people && third.Ok ? 0 : 1;
    }

    /// <summary>Divisions of departments of teams (OUs), people spread over the teams, and a read-only account for Keyward.</summary>
    private static string Generate(int people)
    {
        var text = new StringBuilder(people * 260);
        text.Append(CultureInfo.InvariantCulture, $"dn: {Suffix}\nobjectClass: dcObject\nobjectClass: organization\no: Bench\ndc: bench\n\n");
        text.Append(CultureInfo.InvariantCulture, $"dn: {ReaderDn}\nobjectClass: organizationalRole\nobjectClass: simpleSecurityObject\ncn: keyward\nuserPassword: {ReaderPassword}\n\n");
        var teams = new List<string>();
        for (var d = 1; d <= Divisions; d++)
        {
            var division = string.Create(CultureInfo.InvariantCulture, $"ou=Division {d:D2},{Suffix}");
            text.Append(CultureInfo.InvariantCulture, $"dn: {division}\nobjectClass: organizationalUnit\nou: Division {d:D2}\n\n");
            for (var p = 1; p <= DepartmentsPerDivision; p++)
            {
                var department = string.Create(CultureInfo.InvariantCulture, $"ou=Department {d:D2}-{p:D2},{division}");
                text.Append(CultureInfo.InvariantCulture, $"dn: {department}\nobjectClass: organizationalUnit\nou: Department {d:D2}-{p:D2}\n\n");
                for (var t = 1; t <= TeamsPerDepartment; t++)
                {
                    var team = string.Create(CultureInfo.InvariantCulture, $"ou=Team {d:D2}-{p:D2}-{t},{department}");
                    text.Append(CultureInfo.InvariantCulture, $"dn: {team}\nobjectClass: organizationalUnit\nou: Team {d:D2}-{p:D2}-{t}\n\n");
                    teams.Add(team);
                }
            }
        }

        for (var i = 0; i < people; i++)
        {
            var uid = string.Create(CultureInfo.InvariantCulture, $"user{i:D6}");
            text.Append(CultureInfo.InvariantCulture, $"dn: uid={uid},{teams[i % teams.Count]}\nobjectClass: inetOrgPerson\nuid: {uid}\ncn: Person {i:D6} Example\nsn: Example\ngivenName: Person\nmail: {uid}@bench.example\n\n");
        }

        return text.ToString();
    }

    /// <summary>The same paged search the sync makes (people filter, the mapped attributes), counting entries and nothing else.</summary>
    private static (int Entries, TimeSpan Elapsed) RawSearch(Uri url, int pageSize)
    {
        var started = Stopwatch.StartNew();
        using var connection = new LdapConnection(new LdapDirectoryIdentifier(url.Host, url.Port)) { AuthType = AuthType.Basic };
        connection.SessionOptions.ProtocolVersion = 3;
        connection.Bind(new NetworkCredential(ReaderDn, ReaderPassword));
        var paging = new PageResultRequestControl(pageSize);
        var request = new SearchRequest(Suffix, "(objectClass=inetOrgPerson)", SearchScope.Subtree, "entryUUID", "uid", "cn", "mail", "modifyTimestamp");
        request.Controls.Add(paging);
        var entries = 0;
        while (true)
        {
            var response = (SearchResponse)connection.SendRequest(request, TimeSpan.FromMinutes(5));
            foreach (SearchResultEntry entry in response.Entries)
            {
                // Decode what the sync decodes, so the yardstick does the same reading work.
                _ = entry.Attributes["uid"]?.GetValues(typeof(string));
                _ = entry.Attributes["mail"]?.GetValues(typeof(string));
                entries++;
            }

            var next = response.Controls.OfType<PageResultResponseControl>().FirstOrDefault();
            if (next is null || next.Cookie is not { Length: > 0 })
            {
                return (entries, started.Elapsed);
            }

            paging.Cookie = next.Cookie;
        }
    }

    private static async Task ChangeSomeAsync(SlapdServer slapd, int count)
    {
        // modifyTimestamp counts whole seconds; the incremental run reads the last mark's second again.
        await Task.Delay(TimeSpan.FromSeconds(1.1)).ConfigureAwait(false);
        using var connection = new LdapConnection(new LdapDirectoryIdentifier(slapd.Url.Host, slapd.Url.Port)) { AuthType = AuthType.Basic };
        connection.SessionOptions.ProtocolVersion = 3;
        connection.Bind(new NetworkCredential(slapd.RootDn, SlapdServer.RootPassword));
        var team = string.Create(CultureInfo.InvariantCulture, $"ou=Team 01-01-1,ou=Department 01-01,ou=Division 01,{Suffix}");
        var found = (SearchResponse)connection.SendRequest(new SearchRequest(team, "(objectClass=inetOrgPerson)", SearchScope.OneLevel, "uid"));
        foreach (var entry in found.Entries.Cast<SearchResultEntry>().Take(count))
        {
            connection.SendRequest(new ModifyRequest(entry.DistinguishedName, DirectoryAttributeOperation.Replace, "cn", "Renamed " + entry.Attributes["uid"][0]));
        }
    }

    private static async Task<HttpClient> SignInAsync(Uri address)
    {
        var client = new HttpClient { BaseAddress = address, Timeout = TimeSpan.FromMinutes(30) };
        using var form = new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["grant_type"] = "client_credentials",
            ["client_id"] = "admin-cli",
            ["client_secret"] = "admin-secret",
        });
        using var response = await client.PostAsync(new Uri("/connect/token", UriKind.Relative), form).ConfigureAwait(false);
        response.EnsureSuccessStatusCode();
        var token = (await response.Content.ReadFromJsonAsync<JsonElement>().ConfigureAwait(false)).GetProperty("access_token").GetString();
        client.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", token);
        return client;
    }

    private static async Task<SyncRun> SyncAsync(HttpClient admin, ServerProcess server, bool full, string label)
    {
        var cpu = server.CpuTime();
        var started = Stopwatch.StartNew();
        using var response = await admin.PostAsync(new Uri(full ? "/api/directory/sync?full=true" : "/api/directory/sync", UriKind.Relative), null).ConfigureAwait(false);
        var elapsed = started.Elapsed;
        var body = await response.Content.ReadAsStringAsync().ConfigureAwait(false);
        if (response.StatusCode != HttpStatusCode.OK)
        {
            Console.WriteLine($"{label}: {(int)response.StatusCode} {body}\n{server.Tail}");
            return new SyncRun(false, 0, 0, elapsed, TimeSpan.Zero);
        }

        var spent = server.CpuTime() - cpu;
        var report = JsonDocument.Parse(body).RootElement;
        var read = report.GetProperty("read").GetInt32();
        var created = report.GetProperty("created").GetInt32();
        var (rss, peak) = server.Memory();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{label}: {elapsed.TotalSeconds:F1} s, {read / elapsed.TotalSeconds:N0} people/s; read {read:N0}, created {created:N0}, updated {report.GetProperty("updated").GetInt32():N0}, unchanged {report.GetProperty("unchanged").GetInt32():N0}, refused {report.GetProperty("refused").GetInt32():N0}; server CPU {spent.TotalSeconds:F1} s ({read / Math.Max(0.001, spent.TotalSeconds):N0} people per CPU-second), RSS {rss / 1024 / 1024} MB (peak {peak / 1024 / 1024} MB)"));
        return new SyncRun(true, read, created, elapsed, spent);
    }

    private sealed record SyncRun(bool Ok, int Read, int Created, TimeSpan Elapsed, TimeSpan ServerCpu)
    {
        public double Rate => Elapsed.TotalSeconds > 0 ? Read / Elapsed.TotalSeconds : 0;
    }
}
