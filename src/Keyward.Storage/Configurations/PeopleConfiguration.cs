using Keyward.ApiClients;
using Keyward.People;
using Keyward.Scopes;
using Keyward.Settings;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Keyward.Storage.Configurations;

internal sealed class GroupConfiguration : IEntityTypeConfiguration<Group>
{
    public void Configure(EntityTypeBuilder<Group> builder)
    {
        builder.ToTable(t => t.HasTrigger(AccessEpoch.TriggerName));
        builder.HasKey(g => g.Id);
        builder.Property(g => g.Id).HasMaxLength(64);
        builder.Property(g => g.Name).HasMaxLength(200);
        builder.Property(g => g.Path).HasMaxLength(400);
        builder.Property(g => g.ParentId).HasMaxLength(64);
        builder.HasIndex(g => g.Path).IsUnique();
        builder.HasOne<Group>().WithMany().HasForeignKey(g => g.ParentId).OnDelete(DeleteBehavior.Restrict);
    }
}

internal sealed class PersonConfiguration : IEntityTypeConfiguration<Person>
{
    public void Configure(EntityTypeBuilder<Person> builder)
    {
        builder.ToTable(t => t.HasTrigger(AccessEpoch.TriggerName));
        builder.HasKey(p => p.Id);
        builder.Property(p => p.Id).HasMaxLength(64);
        builder.Property(p => p.LogonName).HasMaxLength(64);
        builder.Property(p => p.Name).HasMaxLength(200);
        builder.Property(p => p.SearchName).HasMaxLength(200);
        builder.Property(p => p.Email).HasMaxLength(254);
        builder.Property(p => p.GroupId).HasMaxLength(64);
        builder.Property(p => p.PasswordHash).HasMaxLength(200);
        builder.Property(p => p.DirectoryId).HasMaxLength(64);
        builder.HasIndex(p => p.DirectoryId).IsUnique();

        // Lists are ordered by logon name and searched by its prefix: a range over this index (PeopleDirectory.StartingWith).
        // On PostgreSQL it carries the group, so a wide reach's page (a Division of 200,000 people) is found by walking
        // logon names in order and testing the group in the index alone, without a read of each row (docs/scopes.md#finding-people).
        builder.HasIndex(p => p.LogonName).IsUnique().IncludeProperties(p => p.GroupId);

        // "Name starts with": the same range over the stored search form of the name. On PostgreSQL it carries the group
        // and the logon name, so a name branch of a search is answered from the index alone whichever plan is chosen: a
        // common first name ("martin") is thousands of entries that the planner, estimating a handful, would otherwise
        // read row by row.
        builder.HasIndex(p => p.SearchName).IncludeProperties(p => new { p.GroupId, p.LogonName });

        // A group's people in list order (a Department scope, a group filter): read in order, no sort.
        builder.HasIndex(p => new { p.GroupId, p.LogonName });

        // The few disabled people: "is this request's target enabled?" (the review queue) is a probe of this small index
        // for each request, not of the table. The filter reads the same on SQLite and PostgreSQL.
        builder.HasIndex(p => p.Id, "IX_People_Disabled").HasFilter("NOT \"Enabled\"");
        builder.HasOne<Group>().WithMany().HasForeignKey(p => p.GroupId).OnDelete(DeleteBehavior.Restrict);
        builder.HasMany(p => p.Assignments).WithOne().HasForeignKey(a => a.PersonId).OnDelete(DeleteBehavior.Cascade);
        builder.Navigation(p => p.Assignments).HasField("_assignments").UsePropertyAccessMode(PropertyAccessMode.Field).AutoInclude();
    }
}

internal sealed class RoleConfiguration : IEntityTypeConfiguration<Role>
{
    public void Configure(EntityTypeBuilder<Role> builder)
    {
        builder.ToTable(t => t.HasTrigger(AccessEpoch.TriggerName));
        builder.HasKey(r => r.Id);
        builder.Property(r => r.Id).HasMaxLength(64);
        builder.Property(r => r.Name).HasMaxLength(100);
        builder.Property(r => r.Description).HasMaxLength(1000);
        builder.PrimitiveCollection(r => r.Operations);
        builder.HasIndex(r => r.Name).IsUnique();
    }
}

internal sealed class RoleAssignmentConfiguration : IEntityTypeConfiguration<RoleAssignment>
{
    public void Configure(EntityTypeBuilder<RoleAssignment> builder)
    {
        builder.ToTable(t => t.HasTrigger(AccessEpoch.TriggerName));
        builder.HasKey(a => a.Id);
        builder.Property(a => a.Id).HasMaxLength(64);
        builder.Property(a => a.PersonId).HasMaxLength(64);
        builder.Property(a => a.RoleId).HasMaxLength(64);
        builder.PrimitiveCollection(a => a.AdministrativeGroupIds);
        builder.HasOne<Role>().WithMany().HasForeignKey(a => a.RoleId).OnDelete(DeleteBehavior.Restrict);
        builder.HasIndex(a => new { a.PersonId, a.RoleId }).IsUnique();
    }
}

internal sealed class ApiClientConfiguration : IEntityTypeConfiguration<ApiClient>
{
    public void Configure(EntityTypeBuilder<ApiClient> builder)
    {
        builder.HasKey(c => c.ClientId);
        builder.Property(c => c.ClientId).HasMaxLength(100);
        builder.Property(c => c.PersonId).HasMaxLength(64);
        builder.Property(c => c.DisplayName).HasMaxLength(200);
        builder.HasOne<Person>().WithMany().HasForeignKey(c => c.PersonId).OnDelete(DeleteBehavior.Cascade);
    }
}

internal sealed class SystemSettingsConfiguration : IEntityTypeConfiguration<SystemSettings>
{
    public void Configure(EntityTypeBuilder<SystemSettings> builder)
    {
        builder.HasKey(s => s.Id);
        builder.Property(s => s.Id).ValueGeneratedNever();
        builder.Property(s => s.DirectoryHighWaterMark).HasMaxLength(64);
    }
}

internal sealed class AccessEpochConfiguration : IEntityTypeConfiguration<AccessEpoch>
{
    public void Configure(EntityTypeBuilder<AccessEpoch> builder)
    {
        builder.HasKey(e => e.Id);
        builder.Property(e => e.Id).ValueGeneratedNever();
        builder.HasData(new { Id = AccessEpoch.RowId, Value = 0L });
    }
}
