using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Reflection;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Keyward.Audit;
using Keyward.Common;
using Keyward.People.Import;
using Keyward.Server.Tests.Infrastructure;
using Keyward.Server.Tests.Recovery;
using Keyward.Storage;
using Keyward.Testing.Databases;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using Xunit.Abstractions;

namespace Keyward.Server.Tests.Faults;

/// <summary>
/// Finding 8 in bulk: malformed, oversized, wrongly typed and hostile values on every route of the Core API — route
/// ids, query parameters, JSON bodies field by field, whole bodies and content types — as the administrator and as
/// carol (a cardholder). Routes are read from the server's endpoints, so a new route is fuzzed without editing this
/// test; the cases are drawn with a fixed seed, so every run sends the same ones.
/// </summary>
/// <remarks>
/// <para>What must hold: no answer is a 5xx; every 4xx is <c>application/problem+json</c> with a <c>code</c>; and
/// nothing changed. "Nothing changed" means, precisely: every row of every table but the audit trail is as it was
/// (a hash over all columns of all rows, so an update is seen as well as an insert or a delete); the audit trail only
/// gained entries whose outcome is Refused (refusals are audited, by design); and the chain still verifies.</para>
/// <para>For that, every case must be refused, and is built so: a JSON body carries the hostile value in one field and
/// leaves the others out, which no use case accepts (each needs its other fields); a people import row carries an
/// <c>enabled</c> that is neither true nor false, checked after every other field; and the real ids the routes are
/// given are of records in states where every step is refused (a completed and a cancelled request, a revoked
/// certificate, a disabled person). A case that is accepted anyway changes a row, and the test names it.</para>
/// <para>Each provider runs the same cases (<see cref="SqliteFuzzTests"/>, <see cref="PostgresFuzzTests"/>):
/// PostgreSQL refuses text that SQLite stores (NUL, strings longer than a column), so each finds different faults.</para>
/// </remarks>
public abstract class FuzzTests(ITestOutputHelper output)
{
    private const int Seed = 20_261_207;

    /// <summary>JSON values sent in each body field, beyond the hostile strings sampled for it.</summary>
    private static readonly string[] JsonValues =
    [
        "-1", "-9223372036854775809", "1.5", "true", "null", "[]", "[null]", "[\"a\", 1, true]", "{\"id\": {\"id\": [1]}}",
        "\"\\ud800\"", "\"\\u0000\"",
        Deep(70), "[" + string.Join(',', Enumerable.Repeat("\"01ffffffffffffffffffffffffffffff\"", 10_000)) + "]",
        "[" + string.Join(',', Enumerable.Range(0, 51).Select(i => $"\"id-{i}\"")) + "]",
    ];

    /// <summary>Hostile text: sent as route ids, query values and JSON strings.</summary>
    private static readonly string[] Strings =
    [
        string.Empty, " ", "\t", new string('A', 10_000), string.Concat(Enumerable.Repeat("Zoë 🦄 ", 2_000)), "\0", "a\0b",
        "\u0001\u001F\u007F", "line\r\nInjected-Header: yes", "../../../../etc/passwd", "..\\..\\..\\windows\\win.ini",
        "%2e%2e%2f%2e%2e%2f", "/", ".", "..", "' OR '1'='1' --", "'; DROP TABLE \"People\"; --", "\" OR 1=1; --",
        "<script>alert(document.cookie)</script>", "<img src=x onerror=alert(1)>", "{{7*7}}${7*7}#{7*7}", "%s%s%s%n",
        "2147483648", "-2147483649", "-1", "0", "99999999999999999999999999", "1e309", "NaN", "true", "null", "[]", "{}",
        "\u202Egnp.exe", "\uFEFF", "\uFFFF\uFFFE", "ｆｕｌｌｗｉｄｔｈ", "İıſK", "e\u0301\u0301\u0301", new string('9', 300),
        "01ffffffffffffffffffffffffffffff", "carol", "Acme/Finance", "jörg@acme.example",
    ];

    /// <summary>Routes whose one field is free text that creates a record when it is printable (a group's path).</summary>
    private static readonly HashSet<string> AcceptsAnyText = new(StringComparer.Ordinal) { "POST /api/groups" };

    /// <summary>Hostile text in every sample: NUL, length, non-ASCII, path traversal, SQL.</summary>
    private static readonly string[] Always = ["a\0b", new string('A', 10_000), "Zoë 🦄 \u202E", "' OR '1'='1' --"];

    /// <summary>Values for an integer query parameter, beyond the hostile strings.</summary>
    private static readonly string[] Integers = ["2147483647", "-2147483648", "2147483648", "-2147483649", "1.5", "0x10", "1e3", "+1", " 1", "１"];

    /// <summary>Values for an instant (the audit trail's from and to), beyond the hostile strings.</summary>
    private static readonly string[] Instants =
    [
        "9999-12-31", "9999-12-31T23:59:59.9999999+14:00", "9999-12-31T23:59:59-14:00", "0001-01-01", "0001-01-01T00:00:00+14:00",
        "2026-02-30", "2026-11-01T25:00:00Z", "now", "-1", "1e10", "2026-11-01T09:00:00+99:00",
    ];

    /// <summary>Whole bodies of POST requests: broken JSON, JSON of the wrong kind, wrong or missing content types.</summary>
    private static readonly (string ContentType, byte[] Body, string What)[] Bodies =
    [
        ("application/json", [], "empty body"),
        ("application/json", Utf8("{"), "'{'"),
        ("application/json", Utf8("["), "'['"),
        ("application/json", Utf8("nul"), "'nul'"),
        ("application/json", Utf8("{\"a\":}"), "missing value"),
        ("application/json", Utf8("{}}"), "extra brace"),
        ("application/json", Utf8("{\"a\":1,}"), "trailing comma"),
        ("application/json", Utf8("{'a':1}"), "single quotes"),
        ("application/json", Utf8("/* comment */{}"), "comment"),
        ("application/json", Utf8("{\"a\":1,\"a\":2}"), "duplicate property"),
        ("application/json", Utf8("{\"unknownField\": \"x\"}"), "unknown property"),
        ("application/json", Utf8("null"), "null"),
        ("application/json", Utf8("[]"), "array"),
        ("application/json", Utf8("\"text\""), "string"),
        ("application/json", Utf8("12345678901234567890"), "number"),
        ("application/json", Utf8("true"), "boolean"),
        ("application/json", Utf8(Deep(10_000)), "10,000 nested arrays"),
        ("application/json", Utf8("{\"x\":\"" + new string('x', 2 * 1024 * 1024) + "\"}"), "2 MiB body"),
        ("application/json", [0xFF, 0xFE, 0x7B, 0x00, 0x7D, 0x00, 0xC3, 0x28], "invalid UTF-8"),
        ("application/json; charset=utf-16", Encoding.Unicode.GetBytes("{\"a\":\"b\"}"), "UTF-16 body"),
        ("application/json; charset=nonsense", Utf8("{}"), "unknown charset"),
        ("text/plain", Utf8("{}"), "text/plain"),
        ("application/xml", Utf8("<a/>"), "XML"),
        ("application/x-www-form-urlencoded", Utf8("a=1&b=2"), "form"),
        ("multipart/form-data; boundary=XyZ", Utf8("--XyZ\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\n1\r\n--XyZ--\r\n"), "multipart"),
        ("garbage/../../x; ;;", Utf8("{}"), "malformed content type"),
        (string.Empty, Utf8("{}"), "no content type"),
    ];

    protected ITestOutputHelper Output { get; } = output;

    /// <summary>Starts a demo server on this class's provider, on a database of its own.</summary>
    protected abstract Task<Deployment> StartAsync();

    [Fact]
    public async Task CoreApi_HostileValuesOnEveryRouteAsAdminAndCarol_NoServerErrorEveryRefusalAProblemNothingChanged()
    {
        await using var deployment = await StartAsync();
        var server = deployment.Server;
        var real = await RealIdsAsync(server);
        var routes = ApiRoutes.Of(server.App.Services);
        var cases = Cases(routes, real, new Random(Seed)).ToList();
        var before = await SnapshotAsync(server);

        using var admin = await server.SignInAsync("admin");
        using var carol = await server.SignInAsync("carol");
        var failures = new List<string>();
        var tally = new Dictionary<string, int>(StringComparer.Ordinal);
        var watch = Stopwatch.StartNew();
        foreach (var (caller, client) in new[] { ("admin", admin), ("carol", carol) })
        {
            // Any printable text is a valid group name, so hostile but printable text creates a group as an administrator
            // asks: that route is fuzzed as carol, who may not create groups (its refusals: AdministrationTests).
            foreach (var fuzz in cases.Where(c => caller != "admin" || !AcceptsAnyText.Contains($"{c.Method} {c.Path}")))
            {
                var (status, verdict, code) = await SendAsync(client, fuzz);
                var key = $"{(int)status} {code}";
                tally[key] = tally.GetValueOrDefault(key) + 1;
                if (verdict is not null)
                {
                    failures.Add($"{caller} {fuzz}: {verdict}");
                }
            }
        }

        Output.WriteLine($"{cases.Count * 2} cases ({cases.Count} per caller) on {routes.Count} routes in {watch.Elapsed.TotalSeconds:0.0} s:");
        Output.WriteLine(string.Join('\n', tally.OrderBy(t => t.Key, StringComparer.Ordinal).Select(t => $"  {t.Value} × {t.Key}")));
        Assert.True(cases.Count * 2 >= 1_000, $"At least 1,000 cases; {cases.Count * 2} were made.");
        Assert.True(failures.Count == 0, $"{failures.Count} of {cases.Count * 2} answers broke the rules:\n{string.Join('\n', failures.Take(60))}");

        var after = await SnapshotAsync(server);
        var changed = before.Tables.Where(t => after.Tables.GetValueOrDefault(t.Key) != t.Value).Select(t => t.Key).ToList();
        Assert.True(changed.Count == 0, $"Refused calls changed these tables: {string.Join(", ", changed)}");
        await using (var scope = server.App.Services.CreateAsyncScope())
        {
            var store = scope.ServiceProvider.GetRequiredService<IKeywardStore>();
            var added = await store.ToListAsync(store.AuditEvents.Where(e => e.Sequence > before.LastAudit), CancellationToken.None);
            var notRefused = added.Where(e => e.Outcome != AuditOutcome.Refused).Select(e => $"#{e.Sequence} {e.ActorName} {e.Action} {e.Outcome}: {e.Details}").ToList();
            Assert.True(notRefused.Count == 0, $"Only refusals may be audited:\n{string.Join('\n', notRefused)}");
            Output.WriteLine($"{added.Count} refusals audited.");
        }

        var verification = await Json.GetAsync(admin, "/api/audit/verify");
        Assert.True(verification.GetProperty("intact").GetBoolean(), $"The audit chain is intact: {verification}");
    }

    /// <summary>Sends one case; the answer's status, what is wrong with it (null if nothing) and its code.</summary>
    private static async Task<(HttpStatusCode Status, string? Verdict, string? Code)> SendAsync(HttpClient client, Case fuzz)
    {
        using var request = new HttpRequestMessage(new HttpMethod(fuzz.Method), new Uri(fuzz.Path, UriKind.Relative));
        if (fuzz.Body is not null)
        {
            request.Content = new ByteArrayContent(fuzz.Body);
            if (fuzz.ContentType is { Length: > 0 } type)
            {
                request.Content.Headers.TryAddWithoutValidation("Content-Type", type);
            }
        }

        using var response = await client.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        var status = (int)response.StatusCode;
        if (status >= 500)
        {
            return (response.StatusCode, $"{status}: {Shorten(text)}", null);
        }

        if (status < 400)
        {
            return (response.StatusCode, null, null);
        }

        if (response.Content.Headers.ContentType?.MediaType != "application/problem+json")
        {
            return (response.StatusCode, $"{status} as {response.Content.Headers.ContentType?.MediaType ?? "no content type"}: {Shorten(text)}", null);
        }

        try
        {
            var problem = JsonDocument.Parse(text).RootElement;
            var code = problem.TryGetProperty("code", out var c) && c.ValueKind == JsonValueKind.String ? c.GetString() : null;
            return code is null || !problem.TryGetProperty("status", out var s) || s.GetInt32() != status
                ? (response.StatusCode, $"{status} problem without a code or with another status: {Shorten(text)}", code)
                : (response.StatusCode, null, code);
        }
        catch (JsonException)
        {
            return (response.StatusCode, $"{status} problem that is not JSON: {Shorten(text)}", null);
        }
    }

    /// <summary>Every case for every route: its route ids, its query parameters, its body.</summary>
    private static IEnumerable<Case> Cases(IReadOnlyList<ApiRoutes.Route> routes, RealIds real, Random random)
    {
        foreach (var route in routes)
        {
            var post = route.Method == "POST";
            string First(string parameter) => real.For(route, parameter) is [var id, ..] ? id : RealIds.Unknown;

            // Route ids: real ones (of records every step refuses), an unknown one, hostile text; the others real.
            foreach (var parameter in route.RouteParameters)
            {
                // NUL in a path (%00) never reaches Keyward: Kestrel answers 400 itself (and the in-memory transport throws).
                foreach (var value in real.For(route, parameter).Append(RealIds.Unknown).Concat(Sample(4, random)).Where(v => !v.Contains('\0', StringComparison.Ordinal)))
                {
                    var path = route.Address(p => p == parameter ? value : First(p));
                    yield return new Case(route.Method, path, post ? "application/json" : null, post ? Utf8("{}") : null, $"{parameter}={Show(value)}");
                }
            }

            var address = route.Address(First);
            foreach (var (name, type) in route.Query)
            {
                var values = type == typeof(int) ? Integers.Concat(Sample(6, random))
                    : type.IsEnum ? Enum.GetNames(type).Take(1).Concat(["999", "-1", "0", "1,2", Enum.GetNames(type)[0].ToUpperInvariant()]).Concat(Sample(6, random))
                    : name is "from" or "to" ? Instants.Concat(Sample(6, random))
                    : Sample(5, random);
                foreach (var value in values)
                {
                    yield return new Case(route.Method, $"{address}?{name}={Uri.EscapeDataString(value)}", null, null, $"?{name}={Show(value)}");
                }

                yield return new Case(route.Method, $"{address}?{name}=1&{name}=2", null, null, $"?{name} twice");
            }

            if (route.Query.Count > 0)
            {
                for (var i = 0; i < 5; i++)
                {
                    var query = string.Join('&', route.Query.Keys.Select(n => $"{n}={Uri.EscapeDataString(Pick(Strings, random))}"));
                    yield return new Case(route.Method, $"{address}?{query}", null, null, $"every parameter hostile #{i}");
                }
            }

            if (!post)
            {
                continue;
            }

            foreach (var (type, body, what) in Bodies)
            {
                yield return new Case(route.Method, address, type, body, what);
            }

            if (route.Body is { } bodyType)
            {
                // One field hostile, the others left out: no use case accepts a body without its other fields.
                foreach (var field in JsonFields(bodyType))
                {
                    foreach (var value in JsonValues.Concat(Sample(1, random).Select(JsonString)))
                    {
                        yield return new Case(route.Method, address, "application/json", Utf8($"{{\"{field}\": {value}}}"), $"{field}: {Show(value)}");
                    }
                }
            }
            else if (route.ContentTypes.Contains("text/csv"))
            {
                foreach (var fuzz in ImportFiles(address, random))
                {
                    yield return fuzz;
                }
            }
        }
    }

    /// <summary>
    /// People import files: a hostile value in each column of a row whose <c>enabled</c> is neither true nor false, so
    /// every other check runs first and the row is still refused; as CSV and as JSON. And a file one row too long.
    /// </summary>
    private static IEnumerable<Case> ImportFiles(string address, Random random)
    {
        var baseline = new Dictionary<string, string> { ["logonName"] = "fuzz.row", ["name"] = "Fuzz Row", ["email"] = "fuzz.row@acme.example", ["group"] = "Acme/Fuzz", ["enabled"] = "maybe" };
        foreach (var column in ImportFileReader.Columns)
        {
            foreach (var value in Sample(5, random))
            {
                var row = new Dictionary<string, string>(baseline) { [column] = value };
                if (column == "enabled")
                {
                    row["group"] = string.Empty;
                }

                var csv = string.Join(',', ImportFileReader.Columns) + "\n" + string.Join(',', ImportFileReader.Columns.Select(c => "\"" + row[c].Replace("\"", "\"\"", StringComparison.Ordinal) + "\""));
                yield return new Case("POST", address, "text/csv", Utf8(csv), $"CSV {column}: {Show(value)}");
                yield return new Case("POST", address, "application/json", Utf8(JsonSerializer.Serialize(new[] { row })), $"JSON {column}: {Show(value)}");
            }
        }

        var tooMany = new StringBuilder("logonName,name,email,group\n");
        for (var i = 0; i <= PeopleImporter.MaxRows; i++)
        {
            tooMany.Append(CultureInfo.InvariantCulture, $"p{i},P {i},p{i}@acme.example,Acme/Fuzz\n");
        }

        yield return new Case("POST", address, "text/csv", Utf8(tooMany.ToString()), $"{PeopleImporter.MaxRows + 1} rows");
        yield return new Case("POST", address, "text/csv", Utf8("\"unterminated,quote\n"), "CSV unterminated quote");
        yield return new Case("POST", address, "text/csv", Utf8("logonName,logonName\na,b\n"), "CSV repeated column");
        yield return new Case("POST", address, "application/json", Utf8("{\"people\": {\"people\": []}}"), "JSON people not an array");
    }

    /// <summary>The JSON names of a body type's properties (camelCase, as the server reads them).</summary>
    private static IEnumerable<string> JsonFields(Type type) =>
        (Nullable.GetUnderlyingType(type) ?? type).GetProperties(BindingFlags.Public | BindingFlags.Instance)
        .Select(p => JsonNamingPolicy.CamelCase.ConvertName(p.Name));

    /// <summary>
    /// Records every step refuses, by the route segment before the parameter: carol (whose records are in scope for
    /// both callers' reads) and erin (disabled); a completed and a cancelled request; carol's revoked certificate;
    /// carol's smart card and the PFX package her completed request left.
    /// </summary>
    private static async Task<RealIds> RealIdsAsync(DemoServer server)
    {
        using var olivia = await server.SignInAsync("olivia");
        using var victor = await server.SignInAsync("victor");
        using var carol = await server.SignInAsync("carol");
        var carolId = await Json.PersonIdAsync(olivia, "carol");
        var erinId = await Json.PersonIdAsync(olivia, "erin");
        var certificates = await CardholderCertificates.OfAsync(olivia, carolId);

        var completed = (await RecoverySteps.RequestAsync(olivia, carolId, RaceTests.SoftCertificate, [certificates.Current])).GetProperty("id").GetString()!;
        await RecoverySteps.ApproveAsync(victor, completed);
        await RecoverySteps.CollectAsync(carol, completed);

        // Past the re-collect window: carol may no longer collect her completed request again (docs/recovery.md#releases).
        server.Clock.Advance(TimeSpan.FromMinutes(11));
        var cancelled = (await RecoverySteps.RequestAsync(olivia, carolId, RaceTests.SoftCertificate, [certificates.Expired])).GetProperty("id").GetString()!;
        await RecoverySteps.CancelAsync(olivia, cancelled, "Fuzz test set-up.");
        var card = await RecoverySteps.DeviceIdAsync(olivia, carolId, "DEMO-CARD-CAROL");
        var package = await RecoverySteps.DeviceIdAsync(olivia, carolId, $"PFX-{completed}");

        // The owner notices of the set-up are delivered before the snapshot, so the outbox stays as it is.
        await Eventually.HoldsAsync("the set-up's notices are sent", async () =>
        {
            await using var scope = server.App.Services.CreateAsyncScope();
            var store = scope.ServiceProvider.GetRequiredService<IKeywardStore>();
            return !await store.AnyAsync(store.Notifications.Where(n => n.SentAt == null), CancellationToken.None);
        });

        return new RealIds(new Dictionary<string, IReadOnlyList<string>>(StringComparer.Ordinal)
        {
            ["people"] = [carolId, erinId],
            ["requests"] = [completed, cancelled],
            ["certificates"] = [certificates.Revoked],
            ["devices"] = [card, package],
        });
    }

    /// <summary>A hash of every row of every table but the audit trail, and the audit trail's last sequence number.</summary>
    private static async Task<Snapshot> SnapshotAsync(DemoServer server)
    {
        await using var scope = server.App.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<KeywardDbContext>();
        var audit = db.Model.FindEntityType(typeof(AuditEvent))!.GetTableName();
        var tables = db.Model.GetEntityTypes().Select(e => e.GetTableName()).OfType<string>().Where(t => t != audit).Distinct().Order(StringComparer.Ordinal).ToList();
        var hashes = new Dictionary<string, string>(StringComparer.Ordinal);
        var connection = db.Database.GetDbConnection();
        await db.Database.OpenConnectionAsync();
        try
        {
            foreach (var table in tables)
            {
                await using var command = connection.CreateCommand();
                command.CommandText = $"SELECT * FROM \"{table}\"";
                await using var reader = await command.ExecuteReaderAsync();
                var rows = new List<string>();
                while (await reader.ReadAsync())
                {
                    rows.Add(string.Join('|', Enumerable.Range(0, reader.FieldCount).Select(i => reader.IsDBNull(i) ? "∅" : reader.GetValue(i) switch
                    {
                        byte[] bytes => Convert.ToHexString(bytes),
                        DateTime at => at.Ticks.ToString(CultureInfo.InvariantCulture),
                        var value => Convert.ToString(value, CultureInfo.InvariantCulture),
                    })));
                }

                rows.Sort(StringComparer.Ordinal);
                hashes[table] = $"{rows.Count} rows, " + Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(string.Join('\n', rows))));
            }
        }
        finally
        {
            await db.Database.CloseConnectionAsync();
        }

        var last = await db.AuditEvents.MaxAsync(e => (long?)e.Sequence) ?? 0;
        return new Snapshot(hashes, last);
    }

    private static string Deep(int depth) => new string('[', depth) + new string(']', depth);

    private static byte[] Utf8(string text) => Encoding.UTF8.GetBytes(text);

    private static string JsonString(string value) => JsonSerializer.Serialize(value);

    private static string Pick(string[] values, Random random) => values[random.Next(values.Length)];

    /// <summary><see cref="Always"/> and <paramref name="count"/> more hostile strings, the same ones for the same state of <paramref name="random"/>.</summary>
    private static List<string> Sample(int count, Random random) =>
        [.. Always, .. Strings.Select(v => (Key: random.Next(), Value: v)).OrderBy(x => x.Key).Take(count).Select(x => x.Value)];

    private static string Show(string value)
    {
        var shown = value.Length > 40 ? $"{value[..40]}…({value.Length} chars)" : value;
        return JsonSerializer.Serialize(shown);
    }

    private static string Shorten(string text) => text.Length > 300 ? text[..300] + "…" : text;

    /// <summary>One request: what to send and a description for the failure message.</summary>
    private sealed record Case(string Method, string Path, string? ContentType, byte[]? Body, string What)
    {
        public override string ToString() => $"{Method} {(Path.Length > 120 ? Path[..120] + "…" : Path)} [{What}]";
    }

    private sealed record Snapshot(IReadOnlyDictionary<string, string> Tables, long LastAudit);

    /// <summary>Real ids by the route segment before a parameter (<c>people</c>, <c>requests</c>, …).</summary>
    private sealed class RealIds(IReadOnlyDictionary<string, IReadOnlyList<string>> bySegment)
    {
        /// <summary>An id of the right shape that names nothing.</summary>
        public const string Unknown = "01ffffffffffffffffffffffffffffff";

        public IReadOnlyList<string> For(ApiRoutes.Route route, string parameter)
        {
            var segments = route.Pattern.Split('/');
            var index = Array.FindIndex(segments, s => s.StartsWith("{" + parameter, StringComparison.Ordinal));
            return index > 0 && bySegment.TryGetValue(segments[index - 1], out var ids) ? ids : [];
        }
    }

    /// <summary>A demo server and what it stands on, thrown away together.</summary>
    protected sealed class Deployment(DemoServer server, params Func<ValueTask>[] cleanups) : IAsyncDisposable
    {
        public DemoServer Server { get; } = server;

        public async ValueTask DisposeAsync()
        {
            await Server.DisposeAsync();
            foreach (var cleanup in cleanups)
            {
                await cleanup();
            }
        }
    }
}

/// <summary>The fuzz cases on the embedded database.</summary>
public sealed class SqliteFuzzTests(ITestOutputHelper output) : FuzzTests(output)
{
    protected override async Task<Deployment> StartAsync() => new(await DemoServer.StartAsync());
}

/// <summary>The fuzz cases on PostgreSQL, which stores less than SQLite does (no NUL, column lengths enforced).</summary>
public sealed class PostgresFuzzTests(PostgresServer postgres, ITestOutputHelper output) : FuzzTests(output), IClassFixture<PostgresServer>
{
    protected override async Task<Deployment> StartAsync()
    {
        var database = await postgres.CreateEmptyDatabaseAsync(CancellationToken.None);
        var data = Directory.CreateTempSubdirectory("keyward-pg-fuzz-").FullName;
        var server = await DemoServer.StartAsync(o =>
        {
            o.Database = database.Options;
            o.DataDirectory = data;
        });
        return new Deployment(server, database.DisposeAsync, () =>
        {
            NpgsqlConnection.ClearAllPools();
            Directory.Delete(data, recursive: true);
            return ValueTask.CompletedTask;
        });
    }
}
