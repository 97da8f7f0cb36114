using Keyward.Common;
using Keyward.Scopes;

namespace Keyward.People;

/// <summary>Read use cases over people and what they hold, always filtered by the caller's scope.</summary>
/// <remarks>
/// A person outside the caller's reach answers <see cref="PeopleErrors.NotFound"/>, never "forbidden": the
/// caller must not learn that the record exists.
/// </remarks>
public sealed class PeopleDirectory
{
    private readonly IKeywardStore _store;
    private readonly TimeProvider _clock;

    public PeopleDirectory(IKeywardStore store, TimeProvider clock)
    {
        _store = store;
        _clock = clock;
    }

    /// <summary>The caller as they see themselves: built from the resolved caller, without reading the database again.</summary>
    public static MeView Me(AccessContext access)
    {
        ArgumentNullException.ThrowIfNull(access);
        var self = access.Caller;
        var groups = access.Policy.Groups;
        return new MeView(
            self.PersonId,
            self.LogonName,
            self.Name,
            self.Email,
            groups.Find(self.GroupId)?.Path ?? string.Empty,
            self.Enabled,
            self.Grants
                .Select(g => new RoleView(g.Role.Id, g.Role.Name, g.Scope, g.AdministrativeGroupIds.Select(id => groups.Find(id)?.Path ?? id).ToList(), g.Role.Operations))
                .ToList());
    }

    public async Task<Result<Page<PersonView>>> ListAsync(AccessContext access, PeopleFilter filter, PageRequest page, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(access);
        ArgumentNullException.ThrowIfNull(filter);
        var reach = access.ReachFor(Operation.ViewPerson);
        if (reach.IsEmpty)
        {
            return new Page<PersonView>([], page.Page, page.Size, 0);
        }

        var groupId = string.Empty;
        if (!string.IsNullOrWhiteSpace(filter.Group))
        {
            var group = access.Policy.Groups.FindByPath(filter.Group.Trim()) ?? access.Policy.Groups.Find(filter.Group.Trim());
            if (group is null)
            {
                return new Page<PersonView>([], page.Page, page.Size, 0);
            }

            groupId = group.Id;

            // A group the reach holds whole asks nothing more of the reach: each of its members is in it
            // (docs/scopes.md#finding-people). The query is then the group's alone, as an All scope's.
            if (reach.Groups.Contains(groupId))
            {
                reach = Reach.Everybody;
            }
        }

        IQueryable<Person> Filtered(IQueryable<Person> query, int? firstOfEach = null)
        {
            if (!string.IsNullOrWhiteSpace(filter.LogonName))
            {
                var logon = filter.LogonName.Trim().ToLowerInvariant();
                query = query.Where(p => p.LogonName == logon);
            }

            if (groupId.Length > 0)
            {
                query = query.Where(p => p.GroupId == groupId);
            }

            return string.IsNullOrWhiteSpace(filter.Query) ? query : StartingWith(query, filter.Query, firstOfEach);
        }

        // A search's statements are planned once for any text: planned for each text, a wide reach's cost more to plan
        // than to run, for the same plan (docs/scopes.md#finding-people).
        await using var plans = string.IsNullOrWhiteSpace(filter.Query) ? null : await _store.PlanOnceAsync(cancellationToken).ConfigureAwait(false);

        // The page is walked in list order; its count follows no order, so it finds the reach's people by their groups.
        var listed = Filtered(Within(_store.People, reach, listOrder: true), (int)Math.Min((long)page.Skip + page.Size, int.MaxValue));
        var counted = Filtered(Within(_store.People, reach));

        // The page is found by logon name alone (from an index, without the rest of each row), then its rows are read
        // by their unique logon names: a deep page of a large reach skips narrow keys, not whole people. Only the columns
        // a list shows: no role assignments, nothing for the unit of work to track.
        var pageKeys = listed.OrderBy(p => p.LogonName).Skip(page.Skip).Take(page.Size).Select(p => p.LogonName);
        var rows = await _store.ToListAsync(
            _store.People.Where(p => pageKeys.Contains(p.LogonName)).OrderBy(p => p.LogonName)
                .Select(p => new { p.Id, p.LogonName, p.Name, p.Email, p.GroupId, p.Enabled }),
            cancellationToken).ConfigureAwait(false);
        var (total, capped) = await _store.TotalAsync(counted, page, rows.Count, cancellationToken).ConfigureAwait(false);
        var groups = access.Policy.Groups;
        var views = rows.Select(p => new PersonView(p.Id, p.LogonName, p.Name, p.Email, groups.Find(p.GroupId)?.Path ?? string.Empty, p.Enabled)).ToList();
        return new Page<PersonView>(views, page.Page, page.Size, total, capped);
    }

    public async Task<Result<PersonView>> GetAsync(AccessContext access, string personId, CancellationToken cancellationToken)
    {
        var person = await FindInReachAsync(access, personId, Operation.ViewPerson, cancellationToken).ConfigureAwait(false);
        return person is null ? PeopleErrors.NotFound : View(person, access.Policy.Groups);
    }

    public async Task<Result<Page<CertificateView>>> CertificatesAsync(AccessContext access, string personId, PageRequest page, CancellationToken cancellationToken)
    {
        var person = await FindInReachAsync(access, personId, Operation.ViewCertificate, cancellationToken).ConfigureAwait(false);
        if (person is null)
        {
            return PeopleErrors.NotFound;
        }

        var query = _store.Certificates.Where(c => c.OwnerId == person.Id);
        var total = await _store.CountAsync(query, cancellationToken).ConfigureAwait(false);
        var rows = await _store.ToListAsync(
            query.OrderByDescending(c => c.NotAfter).ThenBy(c => c.Id).Skip(page.Skip).Take(page.Size)
                .Join(_store.CertificatePolicies, c => c.PolicyId, p => p.Id, (c, p) => new { Certificate = c, Policy = p }),
            cancellationToken).ConfigureAwait(false);
        // The stored status turns Expired only when something writes it; a person sees the status at this instant.
        var now = _clock.GetUtcNow().UtcDateTime;
        var views = rows
            .Select(r => new CertificateView(
                r.Certificate.Id, r.Certificate.SerialNumber, r.Certificate.Subject, r.Certificate.Issuer, r.Certificate.StatusAt(now),
                r.Certificate.NotBefore, r.Certificate.NotAfter, r.Policy.Name, r.Policy.KeyUsage, r.Certificate.Archived,
                r.Certificate.DeviceId, r.Certificate.OwnerId))
            .ToList();
        return new Page<CertificateView>(views, page.Page, page.Size, total);
    }

    public async Task<Result<Page<DeviceView>>> DevicesAsync(AccessContext access, string personId, PageRequest page, CancellationToken cancellationToken)
    {
        var person = await FindInReachAsync(access, personId, Operation.ViewDevice, cancellationToken).ConfigureAwait(false);
        if (person is null)
        {
            return PeopleErrors.NotFound;
        }

        var query = _store.Devices.Where(d => d.OwnerId == person.Id);
        var total = await _store.CountAsync(query, cancellationToken).ConfigureAwait(false);
        var devices = await _store.ToListAsync(query.OrderBy(d => d.IssuedAt).ThenBy(d => d.Id).Skip(page.Skip).Take(page.Size), cancellationToken).ConfigureAwait(false);
        return new Page<DeviceView>(
            devices.Select(d => new DeviceView(d.Id, d.SerialNumber, d.Type, d.Status, d.OwnerId, d.CredentialProfileId, d.IssuedAt)).ToList(),
            page.Page,
            page.Size,
            total);
    }

    /// <summary>
    /// People whose logon name or name starts with <paramref name="text"/>, case-insensitively (docs/scopes.md, "Finding
    /// people"). Both columns are stored in their search form (<see cref="Person.SearchKey"/>: logon names are lower
    /// case already), so each test is a range over a B-tree index — <c>key &gt;= prefix AND key &lt; successor</c> — which
    /// SQLite and PostgreSQL both answer from the index; the <c>StartsWith</c> beside it keeps the answer exact under a
    /// database collation that orders text differently from ordinal order.
    /// </summary>
    /// <remarks>
    /// The two tests are two disjoint branches of a <c>UNION ALL</c> — logon name matches, then name matches whose logon
    /// name does not — rather than one <c>OR</c>: each branch is a range over its own index, and the logon-name branch
    /// comes out in list order, so a database can merge the branches and stop once the page is full instead of reading
    /// every match of a short prefix (thousands of rows at a million people) to sort them. A page asks each branch for
    /// only its first <paramref name="firstOfEach"/> in list order (the rows before the page and the page's own): a
    /// planner that expects few matches, as PostgreSQL's plan made for any text does, would otherwise append the branches
    /// and sort every match — all 7,020 index entries of a common prefix, to keep 50 (docs/performance.md, "A search
    /// planned once").
    /// </remarks>
    /// <param name="people">The people to search.</param>
    /// <param name="text">What the logon name or the name starts with.</param>
    /// <param name="firstOfEach">For a page: how many of each branch's matches in logon-name order it can need; null for a count.</param>
    internal static IQueryable<Person> StartingWith(IQueryable<Person> people, string text, int? firstOfEach = null)
    {
        var prefix = Person.SearchKey(text);
        if (prefix.Length == 0)
        {
            return people;
        }

        var last = prefix[^1];
#pragma warning disable CA1310 // StartsWith(string) is translated to SQL; its StringComparison overloads are not.
        IQueryable<Person> byLogonName, byName;
        if (last == char.MaxValue)
        {
            byLogonName = people.Where(p => p.LogonName.StartsWith(prefix));
            byName = people.Where(p => p.SearchName.StartsWith(prefix) && !p.LogonName.StartsWith(prefix));
        }
        else
        {
            var upper = string.Concat(prefix.AsSpan(0, prefix.Length - 1), [(char)(last + 1)]);
            byLogonName = people.Where(p => string.Compare(p.LogonName, prefix) >= 0 && string.Compare(p.LogonName, upper) < 0 && p.LogonName.StartsWith(prefix));
            byName = people.Where(p => string.Compare(p.SearchName, prefix) >= 0 && string.Compare(p.SearchName, upper) < 0 && p.SearchName.StartsWith(prefix)
                                       && !(string.Compare(p.LogonName, prefix) >= 0 && string.Compare(p.LogonName, upper) < 0 && p.LogonName.StartsWith(prefix)));
        }
#pragma warning restore CA1310

        return firstOfEach is not { } first
            ? byLogonName.Concat(byName)
            : byLogonName.OrderBy(p => p.LogonName).Take(first).Concat(byName.OrderBy(p => p.LogonName).Take(first));
    }

    /// <summary>Restricts a people query to a reach, in the database.</summary>
    /// <param name="people">The people to restrict.</param>
    /// <param name="reach">The caller's reach.</param>
    /// <param name="listOrder">
    /// The query lists people in logon-name order. A wide reach (<see cref="Reach.IsNarrow"/> false, a Division) is then
    /// walked in that order, each person's group tested as it comes (<see cref="QueryHints.Walked"/>), which stops once
    /// the page is full; a narrow reach's few people are found by their groups and sorted. Without it (a join from
    /// the reach's people to what concerns them) the groups are looked up.
    /// </param>
    internal static IQueryable<Person> Within(IQueryable<Person> people, Reach reach, bool listOrder = false) =>
        reach.Everyone ? people : people.Where(reach.Filter(Columns, walked: listOrder && !reach.IsNarrow));

    /// <summary>A person row names its own person.</summary>
    private static readonly PersonColumns<Person> Columns = new(p => p.GroupId, p => p.Id);

    private async Task<Person?> FindInReachAsync(AccessContext access, string personId, Operation operation, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(access);
        var person = await _store.FirstOrDefaultAsync(_store.People.Where(p => p.Id == personId), cancellationToken).ConfigureAwait(false);
        return person is not null && access.Policy.Decide(access.Caller, operation, PersonRef.From(person)) == AccessDecision.Allowed ? person : null;
    }

    private static PersonView View(Person p, GroupTree groups) =>
        new(p.Id, p.LogonName, p.Name, p.Email, groups.Find(p.GroupId)?.Path ?? string.Empty, p.Enabled);
}
