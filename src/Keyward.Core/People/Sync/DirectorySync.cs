using System.Globalization;
using Keyward.Audit;
using Keyward.Common;
using Keyward.People.Import;
using Keyward.Recovery;
using Keyward.Scopes;
using Keyward.Settings;

namespace Keyward.People.Sync;

/// <summary>
/// Brings Keyward's people and group tree in line with the organisation's directory (docs/directory.md).
/// </summary>
/// <remarks>
/// <para>
/// People the directory manages carry its stable id (<see cref="Person.DirectoryId"/>) and are matched by it, so an
/// entry renamed or moved in the directory stays the same person. A run creates and updates them, moves them between
/// groups (their scope follows at once: reach is computed from the group on every call), mirrors the directory's group
/// tree under the configured root group, and — on a full run, the only one that sees every entry — disables those who
/// left. Nobody is ever deleted: archived keys and the audit trail keep their owner.
/// </para>
/// <para>
/// Every entry is checked by the file import's rules (<see cref="PeopleImporter.Check"/>). An entry that fails them,
/// whose group maps nowhere, or whose logon name is another directory entry's or a local person's is refused with a
/// reason and left alone; the others go on. Changes are applied in batches, one transaction each, with one audit entry
/// per change whose actor is the sync job (<see cref="ActorName"/>); a batch that loses a race is applied again person
/// by person, so nothing is ever half-applied for a person. One run at a time per server process.
/// </para>
/// </remarks>
public sealed class DirectorySync
{
    /// <summary>The actor of the audit entries of the changes a run makes.</summary>
    public const string ActorName = "directory-sync";

    /// <summary>Refusals listed in a report (all of them are counted).</summary>
    public const int MaxRefusalsReported = 1000;

    public const int DefaultBatchSize = 1000;

    private const int MaxDirectoryIdLength = 64;

    private readonly IKeywardStoreFactory _stores;
    private readonly IDirectorySource _source;
    private readonly TimeProvider _clock;
    private readonly int _batchSize;
    private int _running;

    public DirectorySync(IKeywardStoreFactory stores, IDirectorySource source, TimeProvider clock, int batchSize = DefaultBatchSize)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(batchSize, 1);
        _stores = stores;
        _source = source;
        _clock = clock;
        _batchSize = batchSize;
    }

    /// <summary>A run asked for by an administrator (ManagePeople with scope All); incremental unless <paramref name="full"/>.</summary>
    public async Task<Result<DirectorySyncReport>> RunAsync(AccessContext access, bool full, Channel channel, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(access);
        if (!access.ReachFor(Operation.ManagePeople).Everyone)
        {
            return DirectorySyncErrors.Forbidden;
        }

        return await RunCoreAsync(access.Caller.PersonId, access.Caller.LogonName, channel, full, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>A scheduled run: full when the last full run is older than <paramref name="fullInterval"/> (or there was none), else incremental.</summary>
    public async Task<Result<DirectorySyncReport>> RunScheduledAsync(TimeSpan fullInterval, CancellationToken cancellationToken)
    {
        DateTime? lastFull;
        await using (var owned = _stores.Create())
        {
            var settings = await owned.Store.FirstOrDefaultAsync(owned.Store.Settings.Where(s => s.Id == SystemSettings.SingletonId), cancellationToken).ConfigureAwait(false);
            lastFull = settings?.DirectoryFullSyncAt;
        }

        var full = lastFull is null || _clock.GetUtcNow().UtcDateTime - lastFull.Value >= fullInterval;
        return await RunCoreAsync(null, ActorName, Channel.System, full, cancellationToken).ConfigureAwait(false);
    }

    private async Task<Result<DirectorySyncReport>> RunCoreAsync(string? actorId, string actorName, Channel channel, bool full, CancellationToken cancellationToken)
    {
        if (Interlocked.CompareExchange(ref _running, 1, 0) != 0)
        {
            return DirectorySyncErrors.Busy;
        }

        try
        {
            var started = _clock.GetUtcNow().UtcDateTime;
            string? mark;
            await using (var owned = _stores.Create())
            {
                var settings = await owned.Store.FirstOrDefaultAsync(owned.Store.Settings.Where(s => s.Id == SystemSettings.SingletonId), cancellationToken).ConfigureAwait(false);
                mark = settings?.DirectoryHighWaterMark;
            }

            full |= mark is null;
            var read = await _source.ReadAsync(full ? null : mark, cancellationToken).ConfigureAwait(false);
            if (!read.IsSuccess)
            {
                await FinishAsync(new AuditEntry(actorId, actorName, "directory.sync", AuditOutcome.Refused, channel, read.Error.Detail, Code: read.Error.Code), null, cancellationToken).ConfigureAwait(false);
                return read.Error;
            }

            var run = new Run(full && read.Value.Complete);
            var plan = await PlanAsync(read.Value, run, cancellationToken).ConfigureAwait(false);
            await CreateGroupsAsync(plan, run, cancellationToken).ConfigureAwait(false);
            foreach (var batch in plan.Changes.Chunk(_batchSize))
            {
                await ApplyBatchAsync(batch, plan, run, cancellationToken).ConfigureAwait(false);
            }

            var finished = _clock.GetUtcNow().UtcDateTime;
            var report = new DirectorySyncReport(
                run.Full, started, finished, read.Value.People.Count, run.Created, run.Updated, run.Moved, run.Disabled, run.Unchanged,
                run.Refusals.Count, run.GroupsCreated, run.Refusals.Take(MaxRefusalsReported).ToList());
            var summary = string.Create(CultureInfo.InvariantCulture,
                $"{(run.Full ? "Full" : "Incremental")} sync: {report.Read} read, {report.Created} created, {report.Updated} updated, {report.Moved} moved, {report.Disabled} disabled, {report.Unchanged} unchanged, {report.Refused} refused, {report.GroupsCreated} groups created.");
            await FinishAsync(
                new AuditEntry(actorId, actorName, "directory.sync", AuditOutcome.Succeeded, channel, summary),
                settings => settings.RecordDirectorySync(read.Value.HighWaterMark, run.Full ? finished : null),
                cancellationToken).ConfigureAwait(false);
            return report;
        }
        finally
        {
            Volatile.Write(ref _running, 0);
        }
    }

    /// <summary>Decides, in memory, what each entry read means; refuses what cannot be applied.</summary>
    private async Task<Plan> PlanAsync(DirectoryRead read, Run run, CancellationToken cancellationToken)
    {
        List<Group> groups;
        List<Known> people;
        await using (var owned = _stores.Create())
        {
            var store = owned.Store;
            groups = await store.ToListAsync(store.Groups, cancellationToken).ConfigureAwait(false);
            people = await store.ToListAsync(
                store.People.Select(p => new Known(p.Id, p.LogonName, p.DirectoryId, p.Name, p.Email, p.GroupId, p.Enabled)),
                cancellationToken).ConfigureAwait(false);
        }

        var plan = new Plan(groups);
        var byDirectoryId = people.Where(p => p.DirectoryId is not null).ToDictionary(p => p.DirectoryId!, StringComparer.Ordinal);
        var byLogon = people.ToDictionary(p => p.LogonName, StringComparer.Ordinal);

        // Pass 1: each entry on its own, by the import's rules.
        var present = new HashSet<string>(StringComparer.Ordinal);
        var valid = new List<(DirectoryEntry Entry, PeopleImporter.ValidRow Row)>(read.People.Count);
        foreach (var raw in read.People)
        {
            var entry = raw with { Location = PeopleImporter.Shown(new string(raw.Location.Where(c => !char.IsControl(c)).ToArray())) };
            if (string.IsNullOrWhiteSpace(entry.DirectoryId) || entry.DirectoryId.Length > MaxDirectoryIdLength || entry.DirectoryId.Any(char.IsControl))
            {
                run.Refuse(entry, entry.LogonName, $"its id attribute is missing or not a directory id (at most {MaxDirectoryIdLength} characters).");
                continue;
            }

            if (!present.Add(entry.DirectoryId))
            {
                run.Refuse(entry, entry.LogonName, $"the directory answered its id '{entry.DirectoryId}' twice.");
                continue;
            }

            if (entry.GroupPath is null)
            {
                run.Refuse(entry, entry.LogonName, $"its group maps nowhere: {entry.Unmapped ?? "no group of the directory's tree holds it"}.");
                continue;
            }

            var row = PeopleImporter.Check(new ImportRow(entry.Location, entry.LogonName, entry.Name, entry.Email, entry.GroupPath, null));
            if (!row.IsSuccess)
            {
                run.Refuse(entry, entry.LogonName, row.Error.Detail);
                continue;
            }

            valid.Add((entry, row.Value));
        }

        foreach (var path in read.GroupPaths.Select(p => p.Trim().Trim(Group.PathSeparator)))
        {
            if (path.Length is > 0 and <= 400 && PeopleImporter.GroupPathProblem(path) is null)
            {
                plan.NeedGroup(path);
            }
        }

        // Pass 2: logon names, across the entries read and against the people Keyward holds.
        var logonUses = valid.GroupBy(v => v.Row.LogonName, StringComparer.Ordinal).Where(g => g.Count() > 1).ToDictionary(g => g.Key, g => g.Select(v => v.Entry.Location).ToList(), StringComparer.Ordinal);
        foreach (var (entry, row) in valid)
        {
            if (logonUses.TryGetValue(row.LogonName, out var locations))
            {
                run.Refuse(entry, row.LogonName, $"logon name '{row.LogonName}' is also the logon name of directory entry {locations.First(l => l != entry.Location)}.");
                continue;
            }

            var known = byDirectoryId.GetValueOrDefault(entry.DirectoryId);
            if (byLogon.TryGetValue(row.LogonName, out var holder) && holder.Id != known?.Id)
            {
                run.Refuse(entry, row.LogonName, holder.DirectoryId is null
                    ? $"logon name '{row.LogonName}' belongs to a person Keyward manages locally, not from the directory."
                    : $"logon name '{row.LogonName}' belongs to another directory person ({(holder.Enabled ? "enabled" : "disabled")}, directory id {holder.DirectoryId}).");
                continue;
            }

            plan.NeedGroup(row.GroupPath);
            if (known is null)
            {
                plan.Changes.Add(new Change(ChangeKind.Create, null, entry, row, $"Created from directory entry {entry.Location}: {row.LogonName}, {row.Name} <{row.Email}>, in {row.GroupPath}."));
                continue;
            }

            var oldPath = plan.PathOf(known.GroupId);
            var differences = new List<string>();
            if (known.LogonName != row.LogonName)
            {
                differences.Add($"logon name '{known.LogonName}' → '{row.LogonName}'");
            }

            if (known.Name != row.Name)
            {
                differences.Add($"name '{known.Name}' → '{row.Name}'");
            }

            if (known.Email != row.Email)
            {
                differences.Add($"e-mail {known.Email} → {row.Email}");
            }

            if (!known.Enabled)
            {
                differences.Add("enabled again: the entry is back in the directory");
            }

            var moved = !string.Equals(oldPath, row.GroupPath, StringComparison.OrdinalIgnoreCase);
            if (moved)
            {
                plan.Changes.Add(new Change(ChangeKind.Move, known.Id, entry, row,
                    $"Moved from {oldPath} to {row.GroupPath}{(differences.Count > 0 ? "; " + string.Join("; ", differences) : string.Empty)} (directory entry {entry.Location})."));
            }
            else if (differences.Count > 0)
            {
                plan.Changes.Add(new Change(ChangeKind.Update, known.Id, entry, row, $"{string.Join("; ", differences)} (directory entry {entry.Location})."));
            }
            else
            {
                run.Unchanged++;
            }
        }

        // Pass 3: only a full read sees every entry, so only it may conclude that someone left.
        if (run.Full)
        {
            foreach (var gone in people.Where(p => p.DirectoryId is not null && p.Enabled && !present.Contains(p.DirectoryId)))
            {
                plan.Changes.Add(new Change(ChangeKind.Disable, gone.Id, null, null, $"Disabled: the directory no longer holds entry {gone.DirectoryId} ({gone.LogonName})."));
            }
        }

        return plan;
    }

    /// <summary>Mirrors the directory's tree (and any group a person needs) in one unit of work, each new group audited.</summary>
    private async Task CreateGroupsAsync(Plan plan, Run run, CancellationToken cancellationToken)
    {
        var created = new List<Group>();
        await using var owned = _stores.Create();
        var store = owned.Store;
        var audit = new AuditTrail(store, _clock);
        foreach (var path in plan.NeededGroups)
        {
            PeopleImporter.EnsureGroup(store, path, plan.GroupsByPath, created);
        }

        if (created.Count == 0)
        {
            return;
        }

        foreach (var group in created)
        {
            await audit.AppendAsync(new AuditEntry(null, ActorName, "directory.group_created", AuditOutcome.Succeeded, Channel.System, $"Created group {group.Path}, as the directory's tree has it.", SubjectId: group.Id), cancellationToken).ConfigureAwait(false);
        }

        await store.SaveChangesAsync(cancellationToken).ConfigureAwait(false);
        run.GroupsCreated += created.Count;
    }

    private async Task ApplyBatchAsync(IReadOnlyList<Change> batch, Plan plan, Run run, CancellationToken cancellationToken)
    {
        try
        {
            await ApplyAsync(batch, plan, cancellationToken).ConfigureAwait(false);
            foreach (var change in batch)
            {
                run.Count(change.Kind);
            }
        }
        catch (ConcurrencyConflictException)
        {
            // Someone else saved a clashing change (a local person took a logon name) while the batch was planned: apply
            // the batch person by person, so the others still go through and the clashing one is refused whole.
            foreach (var change in batch)
            {
                try
                {
                    await ApplyAsync([change], plan, cancellationToken).ConfigureAwait(false);
                    run.Count(change.Kind);
                }
                catch (ConcurrencyConflictException)
                {
                    run.Refuse(change.Entry, change.Row?.LogonName, "a change saved at the same time clashes with it (a logon name taken meanwhile); the next run tries again.");
                }
            }
        }
    }

    /// <summary>Applies changes in one unit of work: all of them, with their audit entries, or none.</summary>
    private async Task ApplyAsync(IReadOnlyList<Change> changes, Plan plan, CancellationToken cancellationToken)
    {
        await using var owned = _stores.Create();
        var store = owned.Store;
        var audit = new AuditTrail(store, _clock);
        var ids = changes.Where(c => c.PersonId is not null).Select(c => c.PersonId!).ToList();
        var people = ids.Count == 0
            ? []
            : (await store.ToListAsync(store.People.Where(p => ids.Contains(p.Id)), cancellationToken).ConfigureAwait(false)).ToDictionary(p => p.Id, StringComparer.Ordinal);
        foreach (var change in changes)
        {
            string subject;
            string action;
            switch (change.Kind)
            {
                case ChangeKind.Create:
                {
                    var person = Person.FromDirectory(Ids.New(), change.Entry!.DirectoryId, change.Row!.LogonName, change.Row.Name, change.Row.Email, plan.GroupsByPath[change.Row.GroupPath].Id);
                    store.Add(person);
                    (subject, action) = (person.Id, "directory.person_created");
                    break;
                }

                case ChangeKind.Update or ChangeKind.Move:
                {
                    // A person deleted meanwhile by an administrator is a clash like any other: the batch goes person by person.
                    var person = people.GetValueOrDefault(change.PersonId!) ?? throw new ConcurrencyConflictException($"Person {change.PersonId} is gone.");
                    if (person.LogonName != change.Row!.LogonName)
                    {
                        person.Rename(change.Row.LogonName);
                    }

                    person.Update(change.Row.Name, change.Row.Email, plan.GroupsByPath[change.Row.GroupPath].Id, enabled: true);
                    (subject, action) = (person.Id, change.Kind == ChangeKind.Move ? "directory.person_moved" : "directory.person_updated");
                    break;
                }

                default:
                {
                    var person = people.GetValueOrDefault(change.PersonId!) ?? throw new ConcurrencyConflictException($"Person {change.PersonId} is gone.");
                    person.Update(person.Name, person.Email, person.GroupId, enabled: false);
                    (subject, action) = (person.Id, "directory.person_disabled");
                    break;
                }
            }

            await audit.AppendAsync(new AuditEntry(null, ActorName, action, AuditOutcome.Succeeded, Channel.System, change.Details, SubjectId: subject), cancellationToken).ConfigureAwait(false);
        }

        await store.SaveChangesAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Writes the run's own audit entry and, when given, its record in the settings, in one unit of work.</summary>
    private async Task FinishAsync(AuditEntry entry, Action<SystemSettings>? record, CancellationToken cancellationToken)
    {
        await using var owned = _stores.Create();
        var store = owned.Store;
        if (record is not null)
        {
            var settings = await store.FirstOrDefaultAsync(store.Settings.Where(s => s.Id == SystemSettings.SingletonId), cancellationToken).ConfigureAwait(false);
            if (settings is null)
            {
                settings = new SystemSettings();
                store.Add(settings);
            }

            record(settings);
        }

        await new AuditTrail(store, _clock).AppendAsync(entry, cancellationToken).ConfigureAwait(false);
        await store.SaveChangesAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>What a run does to one person; never stored.</summary>
    private enum ChangeKind
    {
        /// <summary>A new entry becomes a person.</summary>
        Create = 1,

        /// <summary>Name, e-mail or logon name changed, or the person is back in the directory.</summary>
        Update = 2,

        /// <summary>The person's group changed (perhaps with other fields).</summary>
        Move = 3,

        /// <summary>The person left the directory.</summary>
        Disable = 4,
    }

    /// <summary>A person as the plan needs them: read without tracking or their role assignments.</summary>
    private sealed record Known(string Id, string LogonName, string? DirectoryId, string Name, string Email, string GroupId, bool Enabled);

    private sealed record Change(ChangeKind Kind, string? PersonId, DirectoryEntry? Entry, PeopleImporter.ValidRow? Row, string Details);

    private sealed class Plan(IEnumerable<Group> groups)
    {
        private readonly Dictionary<string, string> _pathById = groups.ToDictionary(g => g.Id, g => g.Path, StringComparer.Ordinal);
        private readonly HashSet<string> _needed = new(StringComparer.OrdinalIgnoreCase);

        public Dictionary<string, Group> GroupsByPath { get; } = groups.ToDictionary(g => g.Path, StringComparer.OrdinalIgnoreCase);

        public List<Change> Changes { get; } = [];

        public IEnumerable<string> NeededGroups => _needed.Order(StringComparer.OrdinalIgnoreCase);

        public void NeedGroup(string path) => _needed.Add(path);

        public string PathOf(string groupId) => _pathById.GetValueOrDefault(groupId) ?? groupId;
    }

    private sealed class Run(bool full)
    {
        public bool Full { get; } = full;

        public int Created { get; private set; }

        public int Updated { get; private set; }

        public int Moved { get; private set; }

        public int Disabled { get; private set; }

        public int Unchanged { get; set; }

        public int GroupsCreated { get; set; }

        public List<DirectoryRefusal> Refusals { get; } = [];

        public void Refuse(DirectoryEntry? entry, string? logonName, string reason) =>
            Refusals.Add(new DirectoryRefusal(entry?.Location ?? string.Empty, logonName is null ? null : PeopleImporter.Shown(logonName), reason));

        public void Count(ChangeKind kind)
        {
            switch (kind)
            {
                case ChangeKind.Create:
                    Created++;
                    break;
                case ChangeKind.Update:
                    Updated++;
                    break;
                case ChangeKind.Move:
                    Moved++;
                    break;
                default:
                    Disabled++;
                    break;
            }
        }
    }
}
