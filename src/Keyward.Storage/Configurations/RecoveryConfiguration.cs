using Keyward.Audit;
using Keyward.People;
using Keyward.Profiles;
using Keyward.Recovery;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Keyward.Storage.Configurations;

internal sealed class RecoveryRequestConfiguration : IEntityTypeConfiguration<RecoveryRequest>
{
    public void Configure(EntityTypeBuilder<RecoveryRequest> builder)
    {
        builder.ToTable("Requests");
        builder.HasKey(r => r.Id);
        builder.Property(r => r.Id).HasMaxLength(64);
        builder.Property(r => r.TargetId).HasMaxLength(64);

        // Kept by the database from People.GroupId, on insert and whenever the person moves (triggers of the migration
        // RequestsKeepTargetGroup; docs/scopes.md, "Requests in a reach").
        builder.Property(r => r.TargetGroupId).HasMaxLength(64);
        builder.Property(r => r.DeviceId).HasMaxLength(64);
        builder.Property(r => r.CredentialProfileId).HasMaxLength(64);
        builder.Property(r => r.RequestedById).HasMaxLength(64);
        builder.Property(r => r.ConcurrencyStamp).IsConcurrencyToken();
        builder.Property(r => r.CollectionId).HasMaxLength(64);
        builder.Property(r => r.CollectorId).HasMaxLength(64);
        builder.Property(r => r.CollectionHolder).HasMaxLength(64);
        builder.Property(r => r.CollectionSerial).HasMaxLength(64);
        builder.Property(r => r.LastReleasedTo).HasMaxLength(64);
        builder.HasIndex(r => r.CollectionHolder);
        builder.Ignore(r => r.IsFinal);
        builder.HasIndex(r => new { r.Status, r.TargetId });
        builder.HasIndex(r => r.ExpiresAt);

        // Lists are newest first and the review queue oldest first, by status: both read an index in that order,
        // (CreatedAt, Id) and (Status, CreatedAt, Id). Each provider's model declares them (KeywardDbContext.cs), with
        // the columns tested on each request carried as each database allows.

        // "Requests I asked for" and "requests for this person".
        builder.HasIndex(r => r.RequestedById);
        builder.HasIndex(r => new { r.TargetId, r.CreatedAt });
        builder.HasOne<Person>().WithMany().HasForeignKey(r => r.TargetId).OnDelete(DeleteBehavior.Restrict);
        builder.HasOne<CredentialProfile>().WithMany().HasForeignKey(r => r.CredentialProfileId).OnDelete(DeleteBehavior.Restrict);

        builder.OwnsMany(r => r.Certificates, c =>
        {
            c.ToTable("RequestCertificates");
            c.WithOwner().HasForeignKey(x => x.RequestId);
            c.HasKey(x => new { x.RequestId, x.CertificateId });
            c.Property(x => x.CertificateId).HasMaxLength(64);
        });
        builder.Navigation(r => r.Certificates).HasField("_certificates").UsePropertyAccessMode(PropertyAccessMode.Field);

        // At most one outstanding request per certificate, enforced by the key: two requests racing for one
        // certificate cannot both be saved (docs/recovery.md, "One outstanding request per certificate").
        builder.OwnsMany(r => r.Claims, c =>
        {
            c.ToTable("CertificateClaims");
            c.WithOwner().HasForeignKey(x => x.RequestId);
            c.HasKey(x => x.CertificateId);
            c.Property(x => x.CertificateId).HasMaxLength(64);
            c.Property(x => x.RequestId).HasMaxLength(64);
        });
        builder.Navigation(r => r.Claims).HasField("_claims").UsePropertyAccessMode(PropertyAccessMode.Field);

        // One approval per approver per request, enforced by the key: a duplicate can never be saved.
        builder.OwnsMany(r => r.Approvals, a =>
        {
            a.ToTable("RequestApprovals");
            a.WithOwner().HasForeignKey(x => x.RequestId);
            a.HasKey(x => new { x.RequestId, x.ApproverId });

            // "Not one I approved already" of the review queue: the key leads with the request, this finds an approver's few.
            a.HasIndex(x => new { x.ApproverId, x.RequestId });
            a.Property(x => x.ApproverId).HasMaxLength(64);
            a.Property(x => x.Notes).HasMaxLength(2000);
        });
        builder.Navigation(r => r.Approvals).HasField("_approvals").UsePropertyAccessMode(PropertyAccessMode.Field);

        builder.OwnsMany(r => r.History, h =>
        {
            h.ToTable("RequestHistory");
            h.WithOwner().HasForeignKey(x => x.RequestId);
            h.HasKey(x => new { x.RequestId, x.Sequence });
            h.Property(x => x.Sequence).ValueGeneratedNever();
            h.Property(x => x.ActorId).HasMaxLength(64);
            h.Property(x => x.Action).HasMaxLength(64);
            h.Property(x => x.Notes).HasMaxLength(2000);
        });
        builder.Navigation(r => r.History).HasField("_history").UsePropertyAccessMode(PropertyAccessMode.Field);
    }
}

internal sealed class ServerLeaseConfiguration : IEntityTypeConfiguration<ServerLease>
{
    public void Configure(EntityTypeBuilder<ServerLease> builder)
    {
        builder.HasKey(l => l.Id);
        builder.Property(l => l.Id).HasMaxLength(64);
        builder.Property(l => l.Host).HasMaxLength(200);
        builder.HasIndex(l => l.ExpiresAt);
    }
}

internal sealed class AuditEventConfiguration : IEntityTypeConfiguration<AuditEvent>
{
    public void Configure(EntityTypeBuilder<AuditEvent> builder)
    {
        // The sequence is the key, assigned when the store saves the entry under the trail's lock
        // (AuditTrailLock), not by the database. The key stays the last line of defence: a writer that
        // somehow chained onto a stale tail collides here instead of forking the chain.
        builder.HasKey(e => e.Sequence);
        builder.Property(e => e.Sequence).ValueGeneratedNever();
        builder.Property(e => e.ActorId).HasMaxLength(AuditEvent.MaxIdLength);
        builder.Property(e => e.ActorName).HasMaxLength(AuditEvent.MaxNameLength);
        builder.Property(e => e.Action).HasMaxLength(AuditEvent.MaxCodeLength);
        builder.Property(e => e.Code).HasMaxLength(AuditEvent.MaxCodeLength);
        builder.Property(e => e.SubjectId).HasMaxLength(AuditEvent.MaxIdLength);
        builder.Property(e => e.TargetId).HasMaxLength(AuditEvent.MaxIdLength);
        builder.Property(e => e.Details).HasMaxLength(AuditEvent.MaxDetailsLength);
        builder.Property(e => e.PreviousHash).HasMaxLength(64);
        builder.Property(e => e.Hash).HasMaxLength(64);
        // A person's entries newest first (the subject filter, and a narrow scope joined through its people). The action
        // rides along so that counting a reach's entries for an action prefix reads the index alone, not each entry.
        builder.HasIndex(e => new { e.SubjectId, e.Sequence, e.Action });
        builder.HasIndex(e => e.At);
    }
}
