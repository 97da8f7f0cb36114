using Keyward.Certificates;
using Keyward.Devices;
using Keyward.People;
using Keyward.Profiles;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Keyward.Storage.Configurations;

internal sealed class CredentialProfileConfiguration : IEntityTypeConfiguration<CredentialProfile>
{
    public void Configure(EntityTypeBuilder<CredentialProfile> builder)
    {
        // Who may request, validate, collect and receive is access too: a change raises the access epoch (docs/architecture.md).
        builder.ToTable(t => t.HasTrigger(AccessEpoch.TriggerName));
        builder.HasKey(p => p.Id);
        builder.Property(p => p.Id).HasMaxLength(64);
        builder.Property(p => p.Name).HasMaxLength(200);
        builder.Property(p => p.Description).HasMaxLength(2000);
        builder.HasIndex(p => p.Name).IsUnique();
        builder.ComplexProperty(p => p.PasswordPolicy);
        builder.ComplexProperty(p => p.PinPolicy);
        builder.PrimitiveCollection(p => p.CanRequest);
        builder.PrimitiveCollection(p => p.CanValidate);
        builder.PrimitiveCollection(p => p.CanCollect);
        builder.PrimitiveCollection(p => p.CanReceive);
    }
}

internal sealed class CertificatePolicyConfiguration : IEntityTypeConfiguration<CertificatePolicy>
{
    public void Configure(EntityTypeBuilder<CertificatePolicy> builder)
    {
        builder.HasKey(p => p.Id);
        builder.Property(p => p.Id).HasMaxLength(64);
        builder.Property(p => p.Name).HasMaxLength(200);
        builder.HasIndex(p => p.Name).IsUnique();
    }
}

internal sealed class CertificateConfiguration : IEntityTypeConfiguration<Certificate>
{
    public void Configure(EntityTypeBuilder<Certificate> builder)
    {
        builder.HasKey(c => c.Id);
        builder.Property(c => c.Id).HasMaxLength(64);
        builder.Property(c => c.OwnerId).HasMaxLength(64);
        builder.Property(c => c.PolicyId).HasMaxLength(64);
        builder.Property(c => c.DeviceId).HasMaxLength(64);
        builder.Property(c => c.ArchivedKeyId).HasMaxLength(64);
        builder.Property(c => c.SerialNumber).HasMaxLength(64);
        builder.Property(c => c.Issuer).HasMaxLength(1000);
        builder.Property(c => c.Subject).HasMaxLength(1000);
        builder.Property(c => c.Thumbprint).HasMaxLength(64);
        builder.Ignore(c => c.Archived);
        builder.HasOne<Keyward.KeyArchive.ArchivedKey>().WithOne().HasForeignKey<Certificate>(c => c.ArchivedKeyId).OnDelete(DeleteBehavior.Restrict);
        builder.HasIndex(c => new { c.Status, c.IsExternal });
        builder.HasIndex(c => c.OwnerId);
        builder.HasIndex(c => c.Thumbprint).IsUnique();
        builder.HasOne<Person>().WithMany().HasForeignKey(c => c.OwnerId).OnDelete(DeleteBehavior.Restrict);
        builder.HasOne<CertificatePolicy>().WithMany().HasForeignKey(c => c.PolicyId).OnDelete(DeleteBehavior.Restrict);
        builder.HasOne<Device>().WithMany().HasForeignKey(c => c.DeviceId).OnDelete(DeleteBehavior.SetNull);
    }
}

internal sealed class DeviceConfiguration : IEntityTypeConfiguration<Device>
{
    public void Configure(EntityTypeBuilder<Device> builder)
    {
        builder.HasKey(d => d.Id);
        builder.Property(d => d.Id).HasMaxLength(64);
        builder.Property(d => d.SerialNumber).HasMaxLength(128);
        builder.Property(d => d.OwnerId).HasMaxLength(64);
        builder.Property(d => d.CredentialProfileId).HasMaxLength(64);
        builder.Property(d => d.ConcurrencyStamp).IsConcurrencyToken();
        builder.HasIndex(d => new { d.Type, d.SerialNumber }).IsUnique();
        builder.HasIndex(d => d.OwnerId);
        builder.HasOne<Person>().WithMany().HasForeignKey(d => d.OwnerId).OnDelete(DeleteBehavior.Restrict);
        builder.HasOne<CredentialProfile>().WithMany().HasForeignKey(d => d.CredentialProfileId).OnDelete(DeleteBehavior.Restrict);
    }
}

internal sealed class ArchivedKeyConfiguration : IEntityTypeConfiguration<Keyward.KeyArchive.ArchivedKey>
{
    public void Configure(EntityTypeBuilder<Keyward.KeyArchive.ArchivedKey> builder)
    {
        builder.HasKey(k => k.Id);
        builder.Property(k => k.Id).HasMaxLength(64);
        builder.Property(k => k.CertificateId).HasMaxLength(64);
        builder.Property(k => k.StorageKeyId).HasMaxLength(100);
        builder.Property(k => k.ConcurrencyStamp).IsConcurrencyToken();
        builder.HasIndex(k => k.CertificateId).IsUnique();

        // Rotation walks envelopes by the storage key that wraps them.
        builder.HasIndex(k => k.StorageKeyId);
    }
}

internal sealed class CertificateAuthorityConfiguration : IEntityTypeConfiguration<CertificateAuthorityRecord>
{
    public void Configure(EntityTypeBuilder<CertificateAuthorityRecord> builder)
    {
        builder.HasKey(a => a.Id);
        builder.Property(a => a.Id).HasMaxLength(64);
        builder.Property(a => a.KeyLabel).HasMaxLength(100);
        builder.Property(a => a.Subject).HasMaxLength(1000);
        builder.HasIndex(a => a.KeyLabel).IsUnique();
    }
}
