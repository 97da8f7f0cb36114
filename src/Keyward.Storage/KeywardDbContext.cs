using Keyward.ApiClients;
using Keyward.Audit;
using Keyward.Certificates;
using Keyward.Common;
using Keyward.Devices;
using Keyward.Notifications;
using Keyward.People;
using Keyward.Profiles;
using Keyward.Recovery;
using Keyward.Scopes;
using Keyward.Settings;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Query.SqlExpressions;
using Microsoft.EntityFrameworkCore.Storage.ValueConversion;

namespace Keyward.Storage;

/// <summary>
/// The one model of Keyward's records, shared by both providers. Each provider has a subclass only so that
/// its migrations live apart (<see cref="SqliteKeywardDbContext"/>, <see cref="PostgresKeywardDbContext"/>).
/// </summary>
public abstract class KeywardDbContext : DbContext
{
    protected KeywardDbContext(DbContextOptions options)
        : base(options)
    {
        // The only transactions Keyward begins are all-or-nothing (a save with its audit entries, docs/audit.md): a
        // failed save ends its transaction, so EF Core's savepoint around each save inside one is two statements for nothing.
        Database.AutoSavepointsEnabled = false;
    }

    public DbSet<Group> Groups => Set<Group>();

    public DbSet<Person> People => Set<Person>();

    public DbSet<Role> Roles => Set<Role>();

    public DbSet<ApiClient> ApiClients => Set<ApiClient>();

    public DbSet<CredentialProfile> CredentialProfiles => Set<CredentialProfile>();

    public DbSet<CertificatePolicy> CertificatePolicies => Set<CertificatePolicy>();

    public DbSet<Certificate> Certificates => Set<Certificate>();

    public DbSet<Device> Devices => Set<Device>();

    public DbSet<Keyward.KeyArchive.ArchivedKey> ArchivedKeys => Set<Keyward.KeyArchive.ArchivedKey>();

    public DbSet<CertificateAuthorityRecord> CertificateAuthorities => Set<CertificateAuthorityRecord>();

    public DbSet<RecoveryRequest> Requests => Set<RecoveryRequest>();

    public DbSet<AuditEvent> AuditEvents => Set<AuditEvent>();

    public DbSet<SystemSettings> Settings => Set<SystemSettings>();

    public DbSet<Notification> Notifications => Set<Notification>();

    public DbSet<ServerLease> ServerLeases => Set<ServerLease>();

    public DbSet<Changes.ChangeRequest> ChangeRequests => Set<Changes.ChangeRequest>();

    internal DbSet<AccessEpoch> AccessEpochs => Set<AccessEpoch>();

    protected override void ConfigureConventions(ModelConfigurationBuilder configurationBuilder)
    {
        ArgumentNullException.ThrowIfNull(configurationBuilder);

        // Instants are UTC everywhere. SQLite hands them back unspecified; Npgsql insists on UTC for timestamptz.
        configurationBuilder.Properties<DateTime>().HaveConversion<UtcDateTimeConverter>();
        configurationBuilder.Properties<string>().HaveMaxLength(400);
    }

    protected override void OnModelCreating(ModelBuilder modelBuilder)
    {
        ArgumentNullException.ThrowIfNull(modelBuilder);
        modelBuilder.ApplyConfigurationsFromAssembly(typeof(KeywardDbContext).Assembly);
        modelBuilder.UseOpenIddict();
        modelBuilder.HasDbFunction(WalkedHint).HasTranslation(arguments => arguments[0]);
    }

    /// <summary><see cref="QueryHints.Walked"/>: the column unchanged, unless a provider's model says otherwise.</summary>
    private protected static readonly System.Reflection.MethodInfo WalkedHint = typeof(QueryHints).GetMethod(nameof(QueryHints.Walked))!;

    private sealed class UtcDateTimeConverter() : ValueConverter<DateTime, DateTime>(
        v => v.Kind == DateTimeKind.Utc ? v : DateTime.SpecifyKind(v.ToUniversalTime(), DateTimeKind.Utc),
        v => DateTime.SpecifyKind(v, DateTimeKind.Utc));
}

/// <summary>The model on SQLite, the embedded default.</summary>
public sealed class SqliteKeywardDbContext(DbContextOptions<SqliteKeywardDbContext> options) : KeywardDbContext(options)
{
    protected override void OnModelCreating(ModelBuilder modelBuilder)
    {
        base.OnModelCreating(modelBuilder);

        // A page of a wide reach's people in list order (a Division's page 100): walked in logon-name order with each
        // entry's group read from the index itself, the walk stops once the page is full, where (GroupId, LogonName)
        // reads all of the reach's people and sorts them for every page. SQLite chooses between the two by its
        // statistics (PRAGMA optimize, docs/operations.md); a narrow reach keeps (GroupId, LogonName). SQLite has no
        // INCLUDE, so the unique index on LogonName cannot carry the group; PostgreSQL's list needs neither.
        modelBuilder.Entity<Person>().HasIndex(p => new { p.LogonName, p.GroupId });

        // The review queue and request lists walk these in order (RecoveryRequestConfiguration) and test each request's
        // target group, status, profile, requester and target: carried as trailing key columns (SQLite has no INCLUDE),
        // those tests read no table row. A Self reach's list, which tests every request, costs half the CPU
        // (docs/performance.md, "Request indexes that carry their tests").
        modelBuilder.Entity<RecoveryRequest>().HasIndex(r => new { r.Status, r.CreatedAt, r.Id, r.TargetGroupId, r.CredentialProfileId, r.RequestedById, r.TargetId })
            .HasDatabaseName("IX_Requests_Status_CreatedAt_Id");
        modelBuilder.Entity<RecoveryRequest>().HasIndex(r => new { r.CreatedAt, r.Id, r.TargetGroupId, r.Status, r.CredentialProfileId, r.RequestedById, r.TargetId })
            .HasDatabaseName("IX_Requests_CreatedAt_Id");

        // SQLite's unary "+" on a column keeps the value and stops the planner from using an index for that term, so the
        // group is tested on each entry of the index being walked. EF Core's SQL tree has no unary plus; a built-in
        // "function" named "+" writes it as +("p"."GroupId"). It costs a Division's page 100 a quarter to a third less
        // than "GroupId || ''", which builds a new string for every entry (docs/performance.md, "Walking a wide reach's
        // people without a copy of each group").
        modelBuilder.HasDbFunction(WalkedHint).HasTranslation(arguments => new SqlFunctionExpression(
            "+", arguments, nullable: true, argumentsPropagateNullability: [true], typeof(string), arguments[0].TypeMapping));
    }
}

/// <summary>The model on PostgreSQL, the scale-out choice.</summary>
public sealed class PostgresKeywardDbContext(DbContextOptions<PostgresKeywardDbContext> options) : KeywardDbContext(options)
{
    protected override void OnModelCreating(ModelBuilder modelBuilder)
    {
        base.OnModelCreating(modelBuilder);

        // "Name starts with" within a group or a reach: one range per group, not every name with the prefix in the
        // organisation read to test its group (a common first name such as "martin" is thousands of people at a
        // million). Not on SQLite: its planner, without statistics for a new index, would take it for a Division's
        // list in place of (GroupId, LogonName), whose rows it can answer without reading the table.
        modelBuilder.Entity<Person>().HasIndex(p => new { p.GroupId, p.SearchName });

        // The review queue walks awaiting requests oldest first and tests each one's target group, profile, requester and
        // target (RecoveryRequestConfiguration): carried in the index (INCLUDE), those tests read no table row, and the
        // queue costs PostgreSQL a fifth to a third less at 1,000,000 people. The same for the lists' (CreatedAt, Id)
        // made no difference here (docs/performance.md, "Request indexes that carry their tests").
        modelBuilder.Entity<RecoveryRequest>().HasIndex(r => new { r.Status, r.CreatedAt, r.Id })
            .IncludeProperties(r => new { r.TargetGroupId, r.CredentialProfileId, r.RequestedById, r.TargetId });
        modelBuilder.Entity<RecoveryRequest>().HasIndex(r => new { r.CreatedAt, r.Id });
    }
}
