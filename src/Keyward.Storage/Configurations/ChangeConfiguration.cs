using Keyward.Changes;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Keyward.Storage.Configurations;

internal sealed class ChangeRequestConfiguration : IEntityTypeConfiguration<ChangeRequest>
{
    public void Configure(EntityTypeBuilder<ChangeRequest> builder)
    {
        builder.HasKey(c => c.Id);
        builder.Property(c => c.Id).HasMaxLength(64);
        builder.Property(c => c.TargetId).HasMaxLength(64);
        builder.Property(c => c.TargetName).HasMaxLength(200);
        builder.Property(c => c.Summary).HasMaxLength(4000);
        builder.Property(c => c.Before).HasMaxLength(16000);
        builder.Property(c => c.After).HasMaxLength(16000);
        builder.Property(c => c.RequestedById).HasMaxLength(64);
        builder.Property(c => c.RequestedByName).HasMaxLength(64);
        builder.Property(c => c.RejectedById).HasMaxLength(64);
        builder.Property(c => c.RejectionReason).HasMaxLength(2000);
        builder.Property(c => c.ConcurrencyStamp).IsConcurrencyToken();
        builder.HasIndex(c => new { c.TargetId, c.Status });
        builder.HasMany(c => c.Approvals).WithOne().HasForeignKey(a => a.ChangeRequestId).OnDelete(DeleteBehavior.Cascade);
        builder.Navigation(c => c.Approvals).HasField("_approvals").UsePropertyAccessMode(PropertyAccessMode.Field).AutoInclude();
    }
}

internal sealed class ChangeApprovalConfiguration : IEntityTypeConfiguration<ChangeApproval>
{
    public void Configure(EntityTypeBuilder<ChangeApproval> builder)
    {
        builder.ToTable("ChangeApprovals");

        // One approval per administrator: a second one cannot be stored.
        builder.HasKey(a => new { a.ChangeRequestId, a.ApproverId });
        builder.Property(a => a.ChangeRequestId).HasMaxLength(64);
        builder.Property(a => a.ApproverId).HasMaxLength(64);
        builder.Property(a => a.ApproverName).HasMaxLength(64);
        builder.Property(a => a.Notes).HasMaxLength(2000);
    }
}
