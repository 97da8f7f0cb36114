using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Keyward.Benchmarks.Scale;

/// <summary>One column of a bulk-loaded table and the kind of value it holds.</summary>
internal enum ColumnKind
{
    Text,
    Integer,
    BigInt,
    Boolean,
    Instant,
    Uuid,
    Bytes,
}

/// <summary>A table the generator fills: its name, its columns in order, and how many rows it will hold.</summary>
internal sealed record BulkTable(string Name, IReadOnlyList<(string Name, ColumnKind Kind)> Columns, long Rows, Func<IEnumerable<object?[]>> Produce);

/// <summary>
/// What the demo seeding left in the database that the scale data set builds on: its groups, policies, profiles, the
/// operators, one real certificate and archive envelope used as the template of every generated one, and the tail of the
/// audit chain the generated entries continue.
/// </summary>
internal sealed record DemoAnchor(
    string RootGroupId,
    IReadOnlyDictionary<string, string> DivisionIds,
    string EncryptionPolicyId,
    string SigningPolicyId,
    string SoftProfileId,
    string CardProfileId,
    IReadOnlyDictionary<string, string> PeopleByLogon,
    byte[] TemplateCertificate,
    string TemplateIssuer,
    byte[] TemplateEnvelope,
    string TemplateStorageKeyId,
    long AuditTail,
    string AuditTailHash);

/// <summary>
/// The scale data set, generated deterministically (fixed seed) from a number of people: a six-level group tree of
/// about one group per 200 people, three certificates per person (the first an encryption certificate whose key is
/// archived), a smart card for half of them and a soft-certificate package for a tenth, recovery requests for 5 % of
/// them in every status, and ten audit entries per person, chained exactly as the server chains them.
/// </summary>
/// <remarks>
/// Every certificate carries the same DER (the demo CA's certificate of carol's encryption key) and every archived key
/// the same envelope: lists and views read the stored columns (subject, serial, dates, status), not the blob, so a
/// shared template keeps the data set small (the DER and envelope are about 2 KB each) without changing what the
/// queries do. Such a generated key cannot be recovered (the envelope's associated data names another row); the
/// recovery measured at scale uses certificates the server issues in the run.
/// </remarks>
internal sealed class ScaleDataSet
{
    public const int CertificatesPerPerson = 3;

    private static readonly string[] FirstNames =
    [
        "Aaron", "Abigail", "Adam", "Adrian", "Aisha", "Alan", "Albert", "Alejandro", "Alexander", "Alice", "Alicia", "Amelia", "Amir", "Amy",
        "Ana", "Andrea", "Andrew", "Angela", "Anna", "Anthony", "Antonio", "Arthur", "Ava", "Barbara", "Beatrice", "Benjamin", "Bernard", "Beth",
        "Bianca", "Brandon", "Brian", "Bruno", "Camille", "Carlos", "Carmen", "Caroline", "Catherine", "Cecilia", "Charles", "Charlotte", "Chen",
        "Chloe", "Christian", "Christopher", "Claire", "Clara", "Daniel", "David", "Deborah", "Diana", "Diego", "Dmitri", "Dorothy", "Edward",
        "Elena", "Elif", "Elizabeth", "Ella", "Emily", "Emma", "Eric", "Ethan", "Eva", "Fatima", "Felix", "Fernando", "Fiona", "Francesca",
        "Francis", "Gabriel", "George", "Georgia", "Grace", "Hannah", "Harper", "Harry", "Hassan", "Helen", "Henry", "Hiroshi", "Hugo", "Ian",
        "Ines", "Isaac", "Isabel", "Ivan", "Jack", "Jacob", "James", "Jane", "Javier", "Jennifer", "Jessica", "Joan", "John", "Jonas", "Jose",
        "Joseph", "Julia", "Julian", "Karen", "Katarina", "Kenji", "Kevin", "Laura", "Leila", "Leo", "Liam", "Lily", "Linda", "Lucas", "Lucia",
        "Luis", "Maria", "Mark", "Marta", "Martin", "Mary", "Mateo", "Matthew", "Maya", "Mei", "Michael", "Michelle", "Mohammed", "Nadia",
        "Natalia", "Nathan", "Nicholas", "Nina", "Noah", "Nora", "Olga", "Oliver", "Olivia", "Omar", "Oscar", "Pablo", "Patricia", "Paul",
        "Pedro", "Peter", "Priya", "Rachel", "Rafael", "Rahul", "Rebecca", "Richard", "Robert", "Rosa", "Ruth", "Ryan", "Samuel", "Sara",
        "Sebastian", "Sofia", "Sophie", "Stefan", "Stephen", "Susan", "Tara", "Theresa", "Thomas", "Timothy", "Tomas", "Ursula", "Valentina",
        "Victoria", "Vikram", "William", "Xavier", "Yara", "Yusuf", "Zoe", "Zoë", "Łukasz", "Özlem", "Søren", "Ángel", "Émile",
    ];

    private static readonly string[] LastNames =
    [
        "Abbott", "Adams", "Ahmed", "Ali", "Allen", "Alvarez", "Anderson", "Bailey", "Baker", "Banerjee", "Barnes", "Becker", "Bell", "Bennett",
        "Berg", "Brooks", "Brown", "Bruno", "Campbell", "Carter", "Castro", "Chen", "Clark", "Collins", "Cook", "Cooper", "Costa", "Cruz",
        "Davies", "Davis", "Diaz", "Dubois", "Edwards", "Evans", "Fischer", "Fernandez", "Fisher", "Fontaine", "Garcia", "Gomez", "Gonzalez",
        "Gray", "Green", "Gupta", "Hall", "Hansen", "Harris", "Hayes", "Hernandez", "Hill", "Hoffmann", "Hughes", "Ibrahim", "Ito", "Jackson",
        "James", "Jensen", "Johnson", "Jones", "Kaur", "Kelly", "Khan", "Kim", "King", "Klein", "Kowalski", "Kumar", "Lambert", "Larsen",
        "Lee", "Lewis", "Li", "Lopez", "Martin", "Martinez", "Meyer", "Miller", "Mitchell", "Moore", "Morales", "Morgan", "Morris", "Müller",
        "Murphy", "Nakamura", "Nguyen", "Nielsen", "Novak", "O'Brien", "Ortiz", "Park", "Patel", "Perez", "Perrin", "Peters", "Phillips",
        "Popescu", "Price", "Quinn", "Ramirez", "Reed", "Reyes", "Richardson", "Rivera", "Roberts", "Robinson", "Rodriguez", "Rossi", "Russo",
        "Sanchez", "Santos", "Sato", "Schmidt", "Schneider", "Scott", "Shah", "Silva", "Singh", "Smith", "Sousa", "Stewart", "Suzuki",
        "Tanaka", "Taylor", "Thomas", "Thompson", "Torres", "Turner", "Walker", "Wang", "Ward", "Watson", "Weber", "White", "Williams",
        "Wilson", "Wood", "Wright", "Yamamoto", "Young", "Zhang", "Zimmermann", "Åberg", "Çelik", "Østergaard",
    ];

    private static readonly string[] AuditActions =
    [
        "auth.sign_in", "auth.sign_in", "auth.sign_in", "auth.sign_in", "recovery.request", "recovery.approve", "recovery.collect",
        "recovery.cancel", "certificates.issue", "certificates.revoke", "people.import", "people.update", "devices.update",
    ];

    /// <summary>The demo people who act in generated requests and audit entries.</summary>
    private static readonly string[] OperatorLogons = ["admin", "olivia", "victor", "vera"];

    private readonly int _people;
    private readonly DemoAnchor _anchor;
    private readonly DateTime _now;
    private readonly List<(string Id, string Name, string Path, string? ParentId, int Level)> _groups = [];
    private readonly List<string> _memberGroups = [];
    private readonly string[] _operatorIds;

    public ScaleDataSet(int people, DemoAnchor anchor, DateTime now)
    {
        _people = people;
        _anchor = anchor;
        _now = new DateTime(now.Ticks - (now.Ticks % TimeSpan.TicksPerSecond), DateTimeKind.Utc);
        _operatorIds = OperatorLogons.Select(l => anchor.PeopleByLogon[l]).ToArray();
        BuildTree();
    }

    public int People => _people;

    public int Groups => _groups.Count;

    public long Certificates => (long)_people * CertificatesPerPerson;

    public long Archived => _people;

    public long Devices => _people / 2 + _people / 10;

    public int Requests => _people / 20;

    public long AuditEntries => (long)_people * 10;

    /// <summary>The last audit sequence and hash once the generated entries are in.</summary>
    public (long Sequence, string Hash) AuditHead { get; private set; }

    /// <summary>Person id of the n-th generated person (0-based); ids are deterministic and time-ordered like the server's.</summary>
    public static string PersonId(long n) => Id('p', n);

    /// <summary>The n-th generated person's logon name: surname, a dot, first name and number, in ASCII lower case.</summary>
    public static string LogonName(long n) =>
        new string($"{LastNames[(int)(n / FirstNames.Length % LastNames.Length)]}.{FirstNames[(int)(n % FirstNames.Length)]}".ToLowerInvariant().Where(ch => ch is (>= 'a' and <= 'z') or '.').ToArray())
        + n.ToString(CultureInfo.InvariantCulture);

    public static string DisplayName(long n) => $"{FirstNames[(int)(n % FirstNames.Length)]} {LastNames[(int)(n / FirstNames.Length % LastNames.Length)]}";

    /// <summary>The group id of the n-th generated person.</summary>
    public string GroupOf(long n) => _memberGroups[(int)(Mix(n) % (ulong)_memberGroups.Count)];

    /// <summary>Generated groups, parents first.</summary>
    public IReadOnlyList<(string Id, string Name, string Path, string? ParentId, int Level)> GroupList => _groups;

    public IEnumerable<BulkTable> Tables()
    {
        yield return new BulkTable("Groups", [("Id", ColumnKind.Text), ("Name", ColumnKind.Text), ("ParentId", ColumnKind.Text), ("Path", ColumnKind.Text)], _groups.Count,
            () => _groups.Select(g => new object?[] { g.Id, g.Name, g.ParentId, g.Path }));
        yield return new BulkTable(
            "People",
            [("Id", ColumnKind.Text), ("Email", ColumnKind.Text), ("Enabled", ColumnKind.Boolean), ("GroupId", ColumnKind.Text), ("LogonName", ColumnKind.Text), ("Name", ColumnKind.Text),
             ("SearchName", ColumnKind.Text)],
            _people,
            PeopleRows);
        yield return new BulkTable(
            "Devices",
            [("Id", ColumnKind.Text), ("ConcurrencyStamp", ColumnKind.Uuid), ("CredentialProfileId", ColumnKind.Text), ("IssuedAt", ColumnKind.Instant), ("OwnerId", ColumnKind.Text),
             ("SerialNumber", ColumnKind.Text), ("Status", ColumnKind.Integer), ("Type", ColumnKind.Integer)],
            Devices,
            DeviceRows);
        yield return new BulkTable(
            "ArchivedKeys",
            [("Id", ColumnKind.Text), ("ArchivedAt", ColumnKind.Instant), ("CertificateId", ColumnKind.Text), ("ConcurrencyStamp", ColumnKind.Uuid), ("Envelope", ColumnKind.Bytes), ("StorageKeyId", ColumnKind.Text)],
            Archived,
            ArchivedKeyRows);
        yield return new BulkTable(
            "Certificates",
            [("Id", ColumnKind.Text), ("ArchivedKeyId", ColumnKind.Text), ("DeviceId", ColumnKind.Text), ("IsExternal", ColumnKind.Boolean), ("Issuer", ColumnKind.Text),
             ("NotAfter", ColumnKind.Instant), ("NotBefore", ColumnKind.Instant), ("OwnerId", ColumnKind.Text), ("PolicyId", ColumnKind.Text), ("RawData", ColumnKind.Bytes),
             ("RevocationReason", ColumnKind.Integer), ("RevokedAt", ColumnKind.Instant), ("SerialNumber", ColumnKind.Text), ("Status", ColumnKind.Integer),
             ("Subject", ColumnKind.Text), ("Thumbprint", ColumnKind.Text)],
            Certificates,
            CertificateRows);
        yield return new BulkTable(
            "Requests",
            [("Id", ColumnKind.Text), ("ApprovalsRequired", ColumnKind.Integer), ("CollectionStartedAt", ColumnKind.Instant), ("CollectorId", ColumnKind.Text), ("ConcurrencyStamp", ColumnKind.Uuid),
             ("CreatedAt", ColumnKind.Instant), ("CredentialProfileId", ColumnKind.Text), ("ExpiresAt", ColumnKind.Instant), ("Kind", ColumnKind.Integer), ("LastReleasedAt", ColumnKind.Instant),
             ("LastReleasedTo", ColumnKind.Text), ("Releases", ColumnKind.Integer), ("ReleasesAllowed", ColumnKind.Integer), ("RequestedById", ColumnKind.Text), ("Status", ColumnKind.Integer),
             ("TargetId", ColumnKind.Text), ("TargetGroupId", ColumnKind.Text)],
            Requests,
            RequestRows);
        yield return new BulkTable("RequestCertificates", [("RequestId", ColumnKind.Text), ("CertificateId", ColumnKind.Text)], Requests,
            () => Enumerable.Range(0, Requests).Select(r => new object?[] { RequestId(r), CertificateId(RequestTarget(r) * CertificatesPerPerson) }));
        yield return new BulkTable("CertificateClaims", [("CertificateId", ColumnKind.Text), ("RequestId", ColumnKind.Text)], Enumerable.Range(0, Requests).LongCount(r => IsOutstanding(StatusOf(r))),
            () => Enumerable.Range(0, Requests).Where(r => IsOutstanding(StatusOf(r))).Select(r => new object?[] { CertificateId(RequestTarget(r) * CertificatesPerPerson), RequestId(r) }));
        yield return new BulkTable("RequestApprovals", [("RequestId", ColumnKind.Text), ("ApproverId", ColumnKind.Text), ("At", ColumnKind.Instant), ("Notes", ColumnKind.Text)],
            Enumerable.Range(0, Requests).LongCount(r => WasApproved(StatusOf(r))),
            () => Enumerable.Range(0, Requests).Where(r => WasApproved(StatusOf(r))).Select(r => new object?[] { RequestId(r), _operatorIds[2], RequestCreated(r).AddHours(2), null }));
        yield return new BulkTable(
            "RequestHistory",
            [("RequestId", ColumnKind.Text), ("Sequence", ColumnKind.Integer), ("Action", ColumnKind.Text), ("ActorId", ColumnKind.Text), ("At", ColumnKind.Instant), ("Channel", ColumnKind.Integer), ("Notes", ColumnKind.Text)],
            Enumerable.Range(0, Requests).Sum(r => (long)History(r).Count()),
            () => Enumerable.Range(0, Requests).SelectMany(r => History(r).Select((h, i) => new object?[] { RequestId(r), i + 1, h.Action, h.ActorId, h.At, 1, h.Notes })));
        yield return new BulkTable(
            "AuditEvents",
            [("Sequence", ColumnKind.BigInt), ("Action", ColumnKind.Text), ("ActorId", ColumnKind.Text), ("ActorName", ColumnKind.Text), ("At", ColumnKind.Instant), ("Channel", ColumnKind.Integer),
             ("Code", ColumnKind.Text), ("Details", ColumnKind.Text), ("Hash", ColumnKind.Text), ("Outcome", ColumnKind.Integer), ("PreviousHash", ColumnKind.Text), ("SubjectId", ColumnKind.Text),
             ("TargetId", ColumnKind.Text)],
            AuditEntries,
            AuditRows);
    }

    private void BuildTree()
    {
        // Six levels: Acme (the demo's root) → divisions (the demo's Finance and Engineering, and three more) → regions →
        // areas → departments → teams. About one team per 250 people; people sit in teams, and one in twenty in a
        // department, area or region above them.
        var teams = Math.Max(16, _people / 250);
        var fanout = Math.Max(2, (int)Math.Round(Math.Pow(teams / 5.0, 1.0 / 4)));
        var divisions = new List<(string Id, string Path)>();
        foreach (var (name, id) in _anchor.DivisionIds)
        {
            divisions.Add((id, $"Acme/{name}"));
        }

        foreach (var name in new[] { "Sales", "Operations", "Research" })
        {
            var id = Id('g', _groups.Count);
            _groups.Add((id, name, $"Acme/{name}", _anchor.RootGroupId, 2));
            divisions.Add((id, $"Acme/{name}"));
        }

        var level = divisions;
        string[] names = ["Region", "Area", "Department", "Team"];
        for (var depth = 0; depth < names.Length; depth++)
        {
            var next = new List<(string Id, string Path)>();
            foreach (var parent in level)
            {
                for (var i = 1; i <= fanout; i++)
                {
                    var name = $"{names[depth]} {i:00}";
                    var id = Id('g', _groups.Count);
                    var path = $"{parent.Path}/{name}";
                    _groups.Add((id, name, path, parent.Id, depth + 3));
                    next.Add((id, path));
                    if (depth == names.Length - 1)
                    {
                        for (var w = 0; w < 19; w++)
                        {
                            _memberGroups.Add(id);
                        }
                    }
                    else if (depth >= 1)
                    {
                        _memberGroups.Add(id);
                    }
                }
            }

            level = next;
        }

        // The demo's divisions hold people directly too (vera's Department scope is Acme/Engineering).
        foreach (var division in divisions)
        {
            _memberGroups.Add(division.Id);
        }
    }

    private IEnumerable<object?[]> PeopleRows()
    {
        for (long n = 0; n < _people; n++)
        {
            var logon = LogonName(n);
            var name = DisplayName(n);
            yield return [PersonId(n), $"{logon}@acme.example", n % 50 != 7, GroupOf(n), logon, name, Keyward.People.Person.SearchKey(name)];
        }
    }

    private IEnumerable<object?[]> DeviceRows()
    {
        for (long n = 0; n < _people; n++)
        {
            if (n % 2 == 0)
            {
                yield return [DeviceId(n, 0), Guid(n, 1), _anchor.CardProfileId, Past(n, 700), PersonId(n), $"CARD-{n:D8}", n % 40 == 0 ? 3 : 1, 1];
            }

            if (n % 10 == 3)
            {
                yield return [DeviceId(n, 1), Guid(n, 2), _anchor.SoftProfileId, Past(n, 300), PersonId(n), $"SOFT-{n:D8}", 1, 2];
            }
        }
    }

    private IEnumerable<object?[]> ArchivedKeyRows()
    {
        for (long n = 0; n < _people; n++)
        {
            yield return [Id('k', n), Past(n, 400), CertificateId(n * CertificatesPerPerson), Guid(n, 3), _anchor.TemplateEnvelope, _anchor.TemplateStorageKeyId];
        }
    }

    private IEnumerable<object?[]> CertificateRows()
    {
        for (long n = 0; n < _people; n++)
        {
            var subject = $"CN={DisplayName(n)}, O=Acme";
            for (var k = 0; k < CertificatesPerPerson; k++)
            {
                var c = n * CertificatesPerPerson + k;
                var notBefore = Past(c, 1000);
                var status = (c % 17) switch { 0 => 2, 1 or 2 => 3, _ => 1 };
                var onCard = n % 2 == 0 && k < 2;
                yield return
                [
                    CertificateId(c), k == 0 ? Id('k', n) : null, onCard ? DeviceId(n, 0) : null, false, _anchor.TemplateIssuer,
                    status == 3 ? notBefore.AddDays(-1) : notBefore.AddDays(1095), status == 3 ? notBefore.AddDays(-366) : notBefore, PersonId(n),
                    k == 0 ? _anchor.EncryptionPolicyId : _anchor.SigningPolicyId, _anchor.TemplateCertificate,
                    status == 2 ? 4 : null, status == 2 ? notBefore.AddDays(30) : null, c.ToString("X16", CultureInfo.InvariantCulture), status, subject,
                    Convert.ToHexString(SHA256.HashData(BitConverter.GetBytes(c)), 0, 20),
                ];
            }
        }
    }

    // Statuses in realistic proportions: most requests are finished; a tenth await validation.
    private static int StatusOf(int r) => (r % 100) switch
    {
        < 10 => 1, // AwaitingValidation
        < 15 => 2, // AwaitingIssue
        < 16 => 3, // InProgress
        < 76 => 4, // Completed
        < 84 => 5, // Rejected
        < 94 => 6, // Cancelled
        _ => 7, // Failed
    };

    private static bool IsOutstanding(int status) => status is 1 or 2 or 3;

    private static bool WasApproved(int status) => status is 2 or 3 or 4 or 7;

    private long RequestTarget(int r) => (long)r * 20 + 11;

    private DateTime RequestCreated(int r) => IsOutstanding(StatusOf(r)) ? _now.AddMinutes(-(r % 10_000) - 60) : _now.AddDays(-400).AddSeconds(r * 600L % (390L * 86_400));

    private IEnumerable<object?[]> RequestRows()
    {
        for (var r = 0; r < Requests; r++)
        {
            var status = StatusOf(r);
            var created = RequestCreated(r);
            var collected = status is 3 or 4 or 7;
            yield return
            [
                RequestId(r), 1, collected ? created.AddHours(3) : null, collected ? PersonId(RequestTarget(r)) : null, Guid(r, 4),
                created, _anchor.SoftProfileId, IsOutstanding(status) ? _now.AddDays(14) : created.AddDays(14), 2, status == 4 ? created.AddHours(3) : null,
                status == 4 ? PersonId(RequestTarget(r)) : null, status == 4 ? 1 : 0, 1, _operatorIds[r % 2 == 0 ? 1 : 0], status, PersonId(RequestTarget(r)),
                GroupOf(RequestTarget(r)),
            ];
        }
    }

    private IEnumerable<(string Action, string? ActorId, DateTime At, string? Notes)> History(int r)
    {
        var status = StatusOf(r);
        var created = RequestCreated(r);
        var target = PersonId(RequestTarget(r));
        yield return ("Requested", _operatorIds[r % 2 == 0 ? 1 : 0], created, null);
        if (WasApproved(status))
        {
            yield return ("Approved", _operatorIds[2], created.AddHours(2), null);
        }

        switch (status)
        {
            case 3:
                yield return ("CollectionStarted", target, created.AddHours(3), null);
                break;
            case 4:
                yield return ("CollectionStarted", target, created.AddHours(3), null);
                yield return ("Released", target, created.AddHours(3), "Release 1 of 1.");
                yield return ("Completed", target, created.AddHours(3), null);
                break;
            case 5:
                yield return ("Rejected", _operatorIds[2], created.AddHours(2), "Not verified by phone.");
                break;
            case 6:
                yield return ("Cancelled", _operatorIds[1], created.AddHours(1), "Asked twice.");
                break;
            case 7:
                yield return ("CollectionStarted", target, created.AddHours(3), null);
                yield return ("CollectionFailed", target, created.AddHours(3), "The client went away.");
                break;
        }
    }

    private IEnumerable<object?[]> AuditRows()
    {
        var previous = _anchor.AuditTailHash;
        var sequence = _anchor.AuditTail;
        var total = AuditEntries;

        // A year of history ending an hour before the demo's own entries were made (those stay the newest by time).
        var start = _now.AddDays(-365).AddHours(-1);
        var step = TimeSpan.FromDays(365).Ticks / total;
        var operatorNames = OperatorLogons;
        for (long i = 0; i < total; i++)
        {
            sequence++;
            var h = Mix(i);
            var action = AuditActions[(int)(h % (ulong)AuditActions.Length)];
            var subject = (long)(h >> 8) % _people;
            var byOperator = !action.StartsWith("auth.", StringComparison.Ordinal) && action != "recovery.collect";
            var op = (int)((h >> 40) % 4);
            var actorId = byOperator ? _operatorIds[op] : PersonId(subject);
            var actorName = byOperator ? operatorNames[op] : LogonName(subject);
            var outcome = (h >> 50) % 25 == 0 ? 2 : 1;
            var code = outcome == 2 ? "scope.forbidden" : null;
            var target = action.StartsWith("recovery.", StringComparison.Ordinal) ? RequestId((int)(subject % Math.Max(1, Requests))) : null;
            var at = start.AddTicks(step * i);
            at = new DateTime(at.Ticks - (at.Ticks % TimeSpan.TicksPerMicrosecond), DateTimeKind.Utc);
            var details = outcome == 2 ? "Refused: outside the caller's scope." : $"{action} for {LogonName(subject)}.";
            const int channel = 1;
            var hash = AuditHash.Of(previous, sequence, at, actorId, actorName, action, outcome, code, PersonId(subject), target, details, channel);
            yield return [sequence, action, actorId, actorName, at, channel, code, details, hash, outcome, previous, PersonId(subject), target];
            previous = hash;
        }

        AuditHead = (sequence, previous);
    }

    private DateTime Past(long n, int days) => _now.AddSeconds(-(long)(Mix(n) % (ulong)(days * 86_400L)) - 86_400);

    public static string CertificateId(long c) => Id('c', c);

    public static string RequestId(int r) => Id('r', r);

    private static string DeviceId(long n, int k) => Id('d', n * 2 + k);

    /// <summary>A 32-character id in the server's shape (hex, like <c>Guid.ToString("N")</c>), unique per kind and number.</summary>
    private static string Id(char kind, long n) =>
        string.Create(CultureInfo.InvariantCulture, $"0195{(int)kind:x2}00{n:x16}00000000");

    private static Guid Guid(long n, int salt)
    {
        Span<byte> bytes = stackalloc byte[16];
        BitConverter.TryWriteBytes(bytes, Mix(n * 8 + salt));
        BitConverter.TryWriteBytes(bytes[8..], Mix(~(n * 8 + salt)));
        return new Guid(bytes);
    }

    private static ulong Mix(long n)
    {
        var z = (ulong)n + 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }
}

/// <summary>
/// The audit hash exactly as <c>AuditEvent</c> computes it (length-prefixed fields, SHA-256, lower-case hex). Kept
/// beside the generator rather than reached through the product's internals; the benchmark's full verification of the
/// generated chain through the server is the check that the two agree.
/// </summary>
internal static class AuditHash
{
    [ThreadStatic]
    private static StringBuilder? t_builder;

    public static string Of(
        string previousHash, long sequence, DateTime at, string? actorId, string actorName, string action, int outcome, string? code, string? subjectId,
        string? targetId, string details, int channel)
    {
        var builder = t_builder ??= new StringBuilder(512);
        builder.Clear();
        Field(builder, previousHash);
        Field(builder, sequence.ToString(CultureInfo.InvariantCulture));
        Field(builder, at.ToUniversalTime().Ticks.ToString(CultureInfo.InvariantCulture));
        Field(builder, actorId);
        Field(builder, actorName);
        Field(builder, action);
        Field(builder, outcome.ToString(CultureInfo.InvariantCulture));
        Field(builder, code);
        Field(builder, subjectId);
        Field(builder, targetId);
        Field(builder, details);
        Field(builder, channel.ToString(CultureInfo.InvariantCulture));
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(builder.ToString())));
    }

    private static void Field(StringBuilder builder, string? field) =>
        builder.Append(field?.Length.ToString(CultureInfo.InvariantCulture) ?? "-").Append(':').Append(field).Append('|');
}
